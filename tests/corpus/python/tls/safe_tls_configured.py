# expect: none
"""TLS configured with a private CA."""
import ssl

import httpx
import paramiko


def context() -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile="/etc/ssl/internal-ca.pem")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


client = httpx.Client(verify="/etc/ssl/internal-ca.pem", timeout=10)


def ssh(host: str) -> paramiko.SSHClient:
    conn = paramiko.SSHClient()
    conn.load_system_host_keys()
    conn.set_missing_host_key_policy(paramiko.RejectPolicy())
    conn.connect(host)
    return conn
