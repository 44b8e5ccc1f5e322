# expect: CWE-22
"""Unpacks user-uploaded bundles."""
import tarfile
from pathlib import Path


async def unpack(upload_path: Path, workdir: Path) -> list[str]:
    with tarfile.open(upload_path, "r:*") as bundle:
        bundle.extractall(workdir)
        return bundle.getnames()
