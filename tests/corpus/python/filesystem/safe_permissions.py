# expect: none
"""Directories with conventional permissions."""
import os
from pathlib import Path


def prepare(root: str) -> None:
    os.umask(0o027)
    os.makedirs(root, mode=0o750, exist_ok=True)
    Path(root, "run.sh").chmod(0o755)
    with tempfile_dir() as scratch:
        Path(scratch).mkdir(parents=True, exist_ok=True)


def tempfile_dir():
    import tempfile

    return tempfile.TemporaryDirectory()
