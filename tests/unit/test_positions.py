"""Byte offsets <-> client units (UTF-8, UTF-16, UTF-32), with clamping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec

SAMPLE = 'label = "😀"; data = yaml.load(x)\n'


@pytest.mark.parametrize(("encoding", "column"), [("utf-8", 23), ("utf-16", 21), ("utf-32", 20)])
def test_column_of_yaml_load_after_an_emoji(encoding: str, column: int) -> None:
    buf = SAMPLE.encode()
    lines = LineIndex.from_bytes(buf)
    codec = PositionCodec(encoding)
    offset = buf.index(b"yaml.load")
    assert codec.position(buf, lines, offset) == types.Position(line=0, character=column)
    assert codec.offset(buf, lines, 0, column) == offset


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_clamping(encoding: str) -> None:
    buf = "ab\r\n中文\n".encode()
    lines = LineIndex.from_bytes(buf)
    codec = PositionCodec(encoding)
    assert codec.offset(buf, lines, 0, 99) == 2  # past the end of the line: before its \r\n
    assert codec.offset(buf, lines, 1, 99) == 4 + len("中文".encode())
    assert codec.offset(buf, lines, 7, 0) == len(buf)  # a line past the end of the document
    assert codec.offset(buf, lines, -1, 5) == 0
    assert codec.position(buf, lines, 3) == types.Position(line=0, character=2)  # inside \r\n
    assert codec.position(buf, lines, 10_000) == codec.position(buf, lines, len(buf))


def test_half_a_surrogate_pair_rounds_down() -> None:
    buf = "x😀y".encode()
    lines = LineIndex.from_bytes(buf)
    assert PositionCodec("utf-16").offset(buf, lines, 0, 2) == 1  # inside the emoji
    assert PositionCodec("utf-8").offset(buf, lines, 0, 3) == 1  # inside its UTF-8 bytes


def test_unknown_encoding_is_rejected() -> None:
    with pytest.raises(ValueError):
        PositionCodec("utf-7")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode())
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0cé中😀")), max_size=30),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_round_trip_on_character_boundaries(text: str, encoding: str) -> None:
    buf = text.encode()
    lines = LineIndex.from_bytes(buf)
    codec = PositionCodec(encoding)
    for index in range(len(text) + 1):
        offset = len(text[:index].encode())
        position = codec.position(buf, lines, offset)
        line_text = text[: index].replace("\r\n", "\n").replace("\r", "\n").split("\n")[-1]
        if not (text[index - 1 : index] == "\r" and text[index : index + 1] == "\n"):
            assert position.character == _units(line_text, encoding)
            assert codec.offset(buf, lines, position.line, position.character) == offset
