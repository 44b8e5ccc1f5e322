# expect: CWE-732
"""Creates a control socket shared with a sidecar."""
import os
import socket
import stat


def serve(path: str) -> socket.socket:
    os.umask(0)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    return sock
