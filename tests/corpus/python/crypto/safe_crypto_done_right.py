# expect: none
"""Modern primitives, and hashes used as identifiers."""
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def seal(key: bytes, data: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def verify(signature: str, expected: str) -> bool:
    return hmac.compare_digest(signature, expected)


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def cache_key(url: str) -> str:
    return hashlib.md5(url.encode()).hexdigest()


def shard_for(user_id: str, shards: int) -> int:
    return int(hashlib.sha1(user_id.encode(), usedforsecurity=False).hexdigest(), 16) % shards


def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072), ec.generate_private_key(ec.SECP256R1())
