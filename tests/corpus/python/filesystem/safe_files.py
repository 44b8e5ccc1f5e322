# expect: none
"""Temporary files, archives and permissions handled safely."""
import os
import tarfile
import tempfile
import zipfile


def unpack(upload: str, workdir: str) -> None:
    with tarfile.open(upload) as bundle:
        bundle.extractall(workdir, filter="data")
    with zipfile.ZipFile(upload) as archive:
        archive.extractall(workdir)


def scratch() -> str:
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    os.chmod(path, 0o600)
    return path
