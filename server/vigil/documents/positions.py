"""The ONE place where UTF-8 byte offsets become client position units and back.

The engine and tree-sitter speak UTF-8 bytes; an LSP client speaks lines plus UTF-8 bytes,
UTF-16 code units (the LSP default, VS Code) or code points (UTF-32), as negotiated at
``initialize``. Converting anywhere else is how off-by-one-emoji bugs are born, so every
``Position``/``Range`` the server sends or reads goes through ``PositionCodec``.

Positions past the end of a line clamp to the line's end (before its break); lines past the
end of the document clamp to the end of the document (pygls issue #550: clients do send them).
A column that falls inside a character (half a surrogate pair) rounds down to its start.
ASCII lines, the vast majority, take a fast path with no decoding at all.
"""

from __future__ import annotations

from lsprotocol import types

from vigil.documents.lines import LineIndex

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)

#: Lone surrogates can arrive in JSON strings; keep them rather than failing the document.
ERRORS = "surrogatepass"


def encode_text(text: str) -> bytes:
    return text.encode("utf-8", ERRORS)


def decode_bytes(data: bytes) -> str:
    return data.decode("utf-8", ERRORS)


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class PositionCodec:
    """Converts between byte offsets in a document and (line, character) in client units."""

    __slots__ = ("encoding",)

    def __init__(self, encoding: str = UTF16) -> None:
        encoding = str(getattr(encoding, "value", encoding)).lower()
        if encoding not in ENCODINGS:
            raise ValueError(f"unsupported position encoding {encoding!r}")
        self.encoding = encoding

    # -- client units -> bytes ----------------------------------------------------------------
    def offset(self, buf: bytes, lines: LineIndex, line: int, character: int) -> int:
        """Byte offset of a client position, clamped into the document."""
        if line < 0:
            return 0
        if line >= lines.line_count:
            return len(buf)
        start = lines.line_start(line)
        end = lines.line_end(line, buf)
        if character <= 0:
            return start
        segment = buf[start:end]
        if self.encoding == UTF8 or segment.isascii():
            offset = start + min(character, len(segment))
            if self.encoding == UTF8:
                # Never split a multi-byte character: back up to its first byte.
                while offset > start and offset < end and (buf[offset] & 0xC0) == 0x80:
                    offset -= 1
            return offset
        text = decode_bytes(segment)
        if self.encoding == UTF32:
            return start + len(encode_text(text[:character]))
        units = 0
        for index, ch in enumerate(text):
            width = 2 if ord(ch) > 0xFFFF else 1
            if units + width > character:
                return start + len(encode_text(text[:index]))
            units += width
        return end

    def offset_at(self, buf: bytes, lines: LineIndex, position: types.Position) -> int:
        return self.offset(buf, lines, position.line, position.character)

    def offsets(self, buf: bytes, lines: LineIndex, rng: types.Range) -> tuple[int, int]:
        start = self.offset_at(buf, lines, rng.start)
        end = self.offset_at(buf, lines, rng.end)
        return (start, end) if start <= end else (end, start)

    # -- bytes -> client units ----------------------------------------------------------------
    def position(self, buf: bytes, lines: LineIndex, offset: int) -> types.Position:
        offset = min(max(offset, 0), len(buf))
        line = lines.line_of(offset)
        start = lines.line_start(line)
        offset = min(offset, lines.line_end(line, buf))  # inside a \r\n: the end of the line
        prefix = buf[start:offset]
        if self.encoding == UTF8 or prefix.isascii():
            return types.Position(line=line, character=len(prefix))
        try:
            text = decode_bytes(prefix)
        except UnicodeDecodeError:  # an offset inside a character: count the partial one once
            text = prefix.decode("utf-8", "replace")
        column = len(text) if self.encoding == UTF32 else _utf16_len(text)
        return types.Position(line=line, character=column)

    def range(self, buf: bytes, lines: LineIndex, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(buf, lines, start), end=self.position(buf, lines, end))

