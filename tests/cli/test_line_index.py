"""``LineIndex`` answers positions by scanning (no ``\\r``, few lookups) or from its line table;
both ways must agree with the plain definition for every offset and every kind of line break."""

from __future__ import annotations

import bisect
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from vigil.report.model import LineIndex, Position

_EOL = re.compile(rb"\r\n|\r|\n")


def _reference(source: bytes, offset: int) -> Position:
    """The definition, written the slow way: a table of line starts and ends."""
    starts, ends = [0], []
    for match in _EOL.finditer(source):
        ends.append(match.start())
        starts.append(match.end())
    ends.append(len(source))
    offset = max(0, min(offset, len(source)))
    index = bisect.bisect_right(starts, offset) - 1
    offset = min(offset, ends[index])
    return Position(index + 1, len(source[starts[index]:offset].decode("utf-8", "replace")) + 1)


_TEXT = st.lists(st.sampled_from(["a", "é", "😀", "\n", "\r\n", "\r", " ", "x = 1"]), max_size=40).map(
    lambda parts: "".join(parts).encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.lists(st.integers(min_value=-2, max_value=200), min_size=1, max_size=80))
def test_positions_match_the_definition(source: bytes, offsets: list[int]) -> None:
    # Up to 80 lookups on one index: the first EAGER_AFTER scan, the rest use the table.
    index = LineIndex(source)
    for offset in offsets:
        assert index.position(offset) == _reference(source, offset)
    assert index.line_count == len(_EOL.findall(source)) + 1


def test_table_is_built_only_after_many_lookups() -> None:
    source = b"one\ntwo\nthree\n" * 100
    index = LineIndex(source)
    assert index.position(5) == Position(2, 2)
    assert index._table is None  # answered by scanning
    for offset in range(LineIndex.EAGER_AFTER + 1):
        index.position(offset)
    assert index._table is not None
    assert index.position(len(source)) == Position(301, 1)
    assert index.line_text(2) == "two"
