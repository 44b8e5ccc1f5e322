# expect: CWE-327 CWE-329 CWE-326
"""Encrypts customer exports (legacy module)."""
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

IV = b"\x00" * 16


def export_cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(IV))


def legacy_cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.ECB())


def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)
