"""Build code actions from ``Diagnostic.data`` (no re-analysis) and fix-all from findings.

Kinds: ``quickfix`` for the rule's fix (``isPreferred`` when the fix is safe) and for the two
suppressions; ``source.fixAll.vigil`` for every safe fix of the document at once.
``context.only`` is honoured, and actions computed for another document version are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from vigil.documents.positions import PositionCodec
from vigil.documents.store import DocumentState
from vigil.engine.findings import Edit
from vigil.lsp import convert

FIX_ALL_KIND = "source.fixAll.vigil"
QUICKFIX = types.CodeActionKind.QuickFix


def kind_wanted(kind: str, only: Sequence[str] | None) -> bool:
    """``only = ["source"]`` admits ``source.fixAll.vigil``: kinds are hierarchical."""
    if not only:
        return True
    return any(kind == o or kind.startswith(f"{o}.") for o in only)


def workspace_edit(doc: DocumentState, edits: list[types.TextEdit], document_changes: bool) -> types.WorkspaceEdit:
    if document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            edits=list(edits))])
    return types.WorkspaceEdit(changes={doc.uri: list(edits)})


def _data(diagnostic: types.Diagnostic) -> dict[str, Any] | None:
    data = diagnostic.data
    if diagnostic.source != convert.SOURCE or not isinstance(data, dict):
        return None
    return data


def quick_fixes(doc: DocumentState, diagnostics: Sequence[types.Diagnostic], document_changes: bool,
                only: Sequence[str] | None) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    if not kind_wanted(QUICKFIX, only):
        return actions
    for diagnostic in diagnostics:
        data = _data(diagnostic)
        if data is None or data.get("version") != doc.version or data.get("uri", doc.uri) != doc.uri:
            continue  # computed for another version of the text: refuse rather than corrupt it
        rule = str(data.get("rule", diagnostic.code))
        fix = data.get("fix")
        if fix:
            actions.append(types.CodeAction(
                title=f"Vigil ({rule}): {fix['title']}", kind=QUICKFIX, diagnostics=[diagnostic],
                is_preferred=bool(fix.get("safe")),
                edit=workspace_edit(doc, convert.text_edits(fix["edits"]), document_changes)))
        if data.get("ignoreLine"):
            actions.append(types.CodeAction(
                title=f"Ignore {rule} on this line", kind=QUICKFIX, diagnostics=[diagnostic],
                edit=workspace_edit(doc, convert.text_edits(data["ignoreLine"]), document_changes)))
        if data.get("ignoreFile"):
            actions.append(types.CodeAction(
                title=f"Ignore {rule} in this file", kind=QUICKFIX, diagnostics=[diagnostic],
                edit=workspace_edit(doc, convert.text_edits(data["ignoreFile"]), document_changes)))
    return actions


def fix_all_edits(doc: DocumentState, codec: PositionCodec) -> list[types.TextEdit]:
    """Every safe fix of the current analysis; a fix overlapping an earlier one waits for the
    next round (the user can run fix-all again), as ``apply_edits`` does in the CLI."""
    if doc.analysis is None:
        return []
    chosen: list[Edit] = []
    for finding in doc.analysis.findings:
        fix = finding.fix
        if fix is None or not fix.is_safe:
            continue
        # Two fixes may add the same import at the same place: apply that edit once.
        new = [e for e in fix.edits if e not in chosen]
        if any(_overlap(e, c) for e in new for c in chosen):
            continue
        chosen.extend(new)
    chosen.sort(key=lambda e: (e.start, e.end))
    return [types.TextEdit(range=codec.range(doc.source, doc.lines, e.start, e.end), new_text=e.text)
            for e in chosen]


def fix_all(doc: DocumentState, codec: PositionCodec, document_changes: bool,
            only: Sequence[str] | None) -> list[types.CodeAction]:
    if not kind_wanted(FIX_ALL_KIND, only):
        return []
    edits = fix_all_edits(doc, codec)
    if not edits:
        return []
    return [types.CodeAction(title="Fix all safe Vigil issues", kind=FIX_ALL_KIND,
                             edit=workspace_edit(doc, edits, document_changes))]


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:  # insertions clash only at the same point
        return a.start == b.start or (b.start < a.start < b.end) or (a.start < b.start < a.end)
    return a.start < b.end and b.start < a.end
