"""Read a file to analyse, turning every way it can be unusable into one clear message.

A scanner that crashes on one odd file in a big repository is worse than useless in CI, so
each problem (unreadable, a directory, binary, not UTF-8, too large) becomes a ``SourceError``
that the CLI prints on stderr before moving on.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

BOM = b"\xef\xbb\xbf"


class SourceError(Exception):
    """Why a file was skipped (the message does not repeat the path)."""


@dataclass(frozen=True)
class Source:
    """The text to analyse. A UTF-8 byte-order mark is kept aside: editors do not count it as
    a column, and fixes must write it back untouched."""

    data: bytes
    bom: bool = False

    def encoded(self, data: bytes | None = None) -> bytes:
        """File bytes for ``data`` (default: the original text), with the BOM restored."""
        body = self.data if data is None else data
        return BOM + body if self.bom else body


def _utf8_problem(data: bytes, error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, error.start) + 1
    bad = data[error.start : error.start + 1].hex()
    return f"not valid UTF-8 (byte 0x{bad} at line {line}); skipped"


def _read_at_most(handle: io.RawIOBase, size_hint: int, limit: int) -> bytes:
    """The file's first ``limit`` bytes (all of them if it is shorter).

    The first read asks for the size ``stat`` reported plus one byte: one system call into a
    buffer of the right size. Asking for ``limit`` at once, as a buffered ``read(limit)`` does,
    allocates (and page-faults) a ``max-file-size`` buffer for every file, which took a third
    of the time of reading a warm scan's 1,800 files. The loop runs on until end of file, so a
    file that grew since ``stat`` (or a special file that reports size 0) is still read up to
    ``limit`` and the caller's size check sees it."""
    parts: list[bytes] = []
    total = 0
    request = min(size_hint + 1, limit)
    while total < limit:
        chunk = handle.read(request)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        request = min(1 << 20, limit - total)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_source(path: Path, max_size: int) -> Source:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise SourceError("cannot read: broken symbolic link") from None
        raise SourceError("cannot read: no such file") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError("is a directory, not a file; skipped")
    if not stat.S_ISREG(info.st_mode):  # reading a FIFO would block the whole scan
        raise SourceError("not a regular file (a pipe, socket or device); skipped")
    if info.st_size > max_size:
        raise SourceError(
            f"{info.st_size:,} bytes, over the max-file-size limit of {max_size:,} bytes; skipped"
        )
    try:
        with open(path, "rb", buffering=0) as handle:
            data = _read_at_most(handle, info.st_size, max_size + 1)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_size:  # grew since stat, or a special file that reports size 0
        raise SourceError(f"over the max-file-size limit of {max_size:,} bytes; skipped")
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes); skipped")
    bom = data.startswith(BOM)
    if bom:
        data = data[len(BOM) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(_utf8_problem(data, exc)) from None
    return Source(data, bom)
