"""``read_source`` reads the size ``stat`` reported in one call, yet must return exactly the
file's first ``max_size + 1`` bytes however the reads are split: a short read is not the end of
the file, and a file that grew after ``stat`` is still caught by the size limit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from vigil.cli.sources import SourceError, _read_at_most, read_source


class _Trickle(io.RawIOBase):
    """A raw stream that returns at most ``step`` bytes per read, like a pipe or slow device."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.offset = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.offset:self.offset + size]
        self.offset += len(chunk)
        return chunk


@pytest.mark.parametrize("step", [1, 3, 4096])
@pytest.mark.parametrize("hint", [0, 5, 10, 50])
@pytest.mark.parametrize("limit", [1, 7, 10, 11, 100])
def test_reads_the_first_limit_bytes_whatever_the_hint_and_chunking(step: int, hint: int, limit: int) -> None:
    data = b"0123456789"
    assert _read_at_most(_Trickle(data, step), hint, limit) == data[:limit]


def test_file_at_and_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n" * 100)
    assert read_source(path, 600).data == b"x = 1\n" * 100
    with pytest.raises(SourceError, match="600 bytes, over the max-file-size limit of 599"):
        read_source(path, 599)


def test_special_file_reporting_size_zero_is_read_to_the_limit() -> None:
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs a procfs file that reports size 0")
    assert b"Name:" in read_source(status, 1_000_000).data
    with pytest.raises(SourceError, match="over the max-file-size limit of 10 bytes"):
        read_source(status, 10)
