"""The LSP line index: only \\n, \\r\\n and \\r break lines, and updates equal a rebuild."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import TextDocument
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec
from vigil.documents.store import DocumentStore

FORM_FEED_TEXT = "a = 1\x0c\nb = 2\nc = 3\n"


def test_only_lsp_line_breaks_count() -> None:
    buf = "a\nb\r\nc\rd\x0ce\x0bf\x85g\u2028h\n".encode()
    index = LineIndex.from_bytes(buf)
    assert index.line_count == 5  # a | b | c | d\fe\vf\x85g\u2028h | ""
    assert [buf[index.line_start(i):index.line_end(i, buf)] for i in range(4)] == [
        b"a", b"b", b"c", "d\x0ce\x0bf\x85g\u2028h".encode()]


def test_line_of_and_line_end() -> None:
    buf = b"ab\r\ncd\ref\n"
    index = LineIndex.from_bytes(buf)
    assert index.starts == [0, 4, 7, 10]
    assert index.line_of(2) == 0 and index.line_of(3) == 0 and index.line_of(4) == 1
    assert index.line_end(0, buf) == 2 and index.line_end(1, buf) == 6 and index.line_end(3, buf) == 10


def test_pygls_misplaces_edits_after_a_form_feed_and_we_do_not() -> None:
    """pygls splits lines with str.splitlines: an edit meant for LSP line 1 ("b = 2") lands
    on the wrong line. Our store applies it where the client meant it."""
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=1)),
        text="d",
    )
    pygls_doc = TextDocument("file:///ff.py", FORM_FEED_TEXT)
    pygls_doc.apply_change(change)
    assert pygls_doc.source != "a = 1\x0c\nd = 2\nc = 3\n"  # pygls corrupts the document

    store = DocumentStore()
    doc = store.open("file:///ff.py", 1, FORM_FEED_TEXT, "python")
    store.apply_changes(doc, 2, [change], PositionCodec("utf-16"))
    assert doc.text == "a = 1\x0c\nd = 2\nc = 3\n"


pieces = st.lists(st.sampled_from(["a", "\n", "\r", "\r\n", "\x0c", "é", "😀", " "]), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=pieces, edits=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), pieces), max_size=8))
def test_incremental_update_equals_rebuild(text: str, edits: list[tuple[int, int, str]]) -> None:
    buf = text.encode()
    index = LineIndex.from_bytes(buf)
    for at, length, new_text in edits:
        start = min(at, len(buf))
        old_end = min(start + length, len(buf))
        inserted = new_text.encode()
        buf = buf[:start] + inserted + buf[old_end:]
        index.update(buf, start, old_end, start + len(inserted))
        assert index == LineIndex.from_bytes(buf)
