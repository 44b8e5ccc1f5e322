"""Open documents: UTF-8 bytes, an LSP line index, a tree-sitter tree and the last analysis.

The server keeps its own copy of every open document instead of pygls' ``TextDocument``:
tree-sitter needs bytes and the pre-edit text for ``Tree.edit``, and pygls' ``apply_change``
is O(file) per keystroke and splits lines with ``str.splitlines`` (form feeds!). Applying a
change here costs a byte splice, an O(edit) line-index update, ``Tree.edit`` on a copy of the
tree (the analysed tree stays pristine: nodes held by the analysis keep their text) and one
incremental re-parse per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts
from lsprotocol import types

from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec, encode_text
from vigil.engine.incremental import AnalysisState, ByteEdit, IncrementalAnalyzer, Span
from vigil.engine.languages import language_for_path, parse

ChangeEvent = types.TextDocumentContentChangePartial | types.TextDocumentContentChangeWholeDocument


def uri_to_path(uri: str) -> str | None:
    """The file system path of a ``file:`` URI (``None`` for untitled buffers and the like)."""
    from pygls.uris import to_fs_path

    return to_fs_path(uri) if uri.startswith("file:") else None


def ts_point(lines: LineIndex, offset: int) -> ts.Point:
    """tree-sitter's (row, byte column) in O(log lines). Rows equal LSP lines because the
    parser sees lone ``\\r`` line breaks as ``\\n`` (``languages.parser_view``)."""
    row = lines.line_of(offset)
    return ts.Point(row, offset - lines.line_start(row))


@dataclass
class ChangeSet:
    """What one ``didChange`` event did, in bytes, for the incremental analysis."""

    edits: list[ByteEdit] = field(default_factory=list)
    changed: list[Span] = field(default_factory=list)
    #: A whole-document replacement (or a document without a tree): analyse from scratch.
    whole: bool = False
    #: The tree before or after the change has syntax errors. tree-sitter's error recovery
    #: depends on edit history, so such a tree may differ from a fresh parse of the same text
    #: (see ``reparse_fresh``), in or after the error.
    errors: bool = False

    def may_differ_from_fresh_parse(self) -> bool:
        return self.errors


@dataclass
class DocumentState:
    uri: str
    version: int
    language_id: str
    source: bytes
    lines: LineIndex
    path: str | None
    language: str | None
    tree: ts.Tree | None = None
    analysis: AnalysisState | None = None
    #: Edits not yet analysed (``run = "onSave"``): the next analysis is a full one.
    dirty: bool = False

    @property
    def text(self) -> str:
        return self.source.decode("utf-8", "surrogatepass")


def _language(language_id: str, path: str | None) -> str | None:
    if language_id == "python":
        return "python"
    return language_for_path(Path(path)) if path else None


class DocumentStore:
    """All open documents, keyed by the URI exactly as the client sent it."""

    def __init__(self) -> None:
        self._docs: dict[str, DocumentState] = {}
        #: Documents larger than this get no tree (and so no analysis): a 10 MB file took
        #: minutes to analyse and a tree costs ~21x the source in memory. The server sets it
        #: from ``max-file-size``; None = no limit (tests/robustness/test_bad_text.py).
        self.max_bytes: int | None = None

    def too_large(self, doc: DocumentState) -> bool:
        return self.max_bytes is not None and len(doc.source) > self.max_bytes

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def __iter__(self) -> Iterator[DocumentState]:
        return iter(list(self._docs.values()))

    def get(self, uri: str) -> DocumentState | None:
        return self._docs.get(uri)

    def open(self, uri: str, version: int, text: str, language_id: str) -> DocumentState:
        source = encode_text(text)
        path = uri_to_path(uri)
        language = _language(language_id, path)
        doc = DocumentState(uri, version, language_id, source, LineIndex.from_bytes(source), path, language)
        if language is not None and not self.too_large(doc):
            doc.tree = parse(source, language)
        self._docs[uri] = doc
        return doc

    def close(self, uri: str) -> DocumentState | None:
        """Forget a document, dropping its tree (trees take ~21x the source in memory)."""
        return self._docs.pop(uri, None)

    def apply_changes(self, doc: DocumentState, version: int, changes: Iterable[ChangeEvent],
                      codec: PositionCodec) -> ChangeSet:
        result = ChangeSet()
        old_tree = doc.tree.copy() if doc.tree is not None else None
        result.errors = doc.tree is not None and doc.tree.root_node.has_error
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                self._apply_partial(doc, change, codec, old_tree, result)
            else:
                doc.source = encode_text(change.text)
                doc.lines = LineIndex.from_bytes(doc.source)
                result.whole = True
                result.edits.clear()
        doc.version = version
        if doc.language is None:
            return result
        if self.too_large(doc):
            doc.tree = None
            result.whole = True
            return result
        if result.whole or old_tree is None:
            doc.tree = parse(doc.source, doc.language)
            result.whole = True
        else:
            doc.tree = parse(doc.source, doc.language, old_tree)
            result.changed = [(r.start_byte, r.end_byte) for r in old_tree.changed_ranges(doc.tree)]
        result.errors = result.errors or doc.tree.root_node.has_error
        return result

    @staticmethod
    def _apply_partial(doc: DocumentState, change: types.TextDocumentContentChangePartial,
                       codec: PositionCodec, old_tree: ts.Tree | None, result: ChangeSet) -> None:
        old = doc.source
        start, old_end = codec.offsets(old, doc.lines, change.range)
        inserted = encode_text(change.text)
        new_end = start + len(inserted)
        new = old[:start] + inserted + old[old_end:]
        start_point, old_end_point = ts_point(doc.lines, start), ts_point(doc.lines, old_end)
        doc.source = new
        doc.lines.update(new, start, old_end, new_end)
        if old_tree is not None and not result.whole:
            old_tree.edit(start, old_end, new_end, start_point, old_end_point, ts_point(doc.lines, new_end))
        result.edits.append(ByteEdit(start, old_end, new_end))

    @staticmethod
    def reparse_fresh(doc: DocumentState) -> None:
        """Parse from scratch. tree-sitter's error recovery depends on history: after edits
        that leave ERROR nodes, an incremental re-parse can differ from a fresh parse of the
        same text. The server calls this once typing pauses on a tree with errors, so what it
        finally publishes is what a fresh analysis of the text gives."""
        if doc.language is not None:
            doc.tree = parse(doc.source, doc.language)

    def analyse(self, doc: DocumentState, engine: IncrementalAnalyzer, change: ChangeSet | None) -> None:
        """Bring ``doc.analysis`` up to date: incrementally after a change when possible."""
        if doc.tree is None:
            doc.analysis = None
            return
        if change is None or change.whole or doc.analysis is None or doc.dirty:
            doc.analysis = engine.full(doc.source, doc.tree, doc.path)
        else:
            doc.analysis = engine.update(doc.analysis, doc.source, doc.tree, change.edits, change.changed)
        doc.dirty = False
