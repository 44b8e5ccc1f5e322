"""Finding (bytes) -> LSP Diagnostic (client units), with everything code actions need in ``data``.

Ruff's server showed the way: a code action should be a pure function of the request. So
each diagnostic carries its quick fix, its "ignore on this line" edit and its "ignore in this
file" edit, already converted to client units, plus the document version they apply to. A
code action then only checks the version and wraps the edits; it never re-analyses.
"""

from __future__ import annotations

import re
from typing import Any

import tree_sitter as ts
from lsprotocol import types

from vigil.documents.positions import PositionCodec
from vigil.documents.store import DocumentState
from vigil.engine import suppressions as sup
from vigil.engine.findings import Edit, Finding
from vigil.engine.fixes import newline_of
from vigil.rules.loader import RuleSet
from vigil.rules.model import Severity

SOURCE = "vigil"

_SEVERITY = {
    Severity.CRITICAL: types.DiagnosticSeverity.Error,
    Severity.HIGH: types.DiagnosticSeverity.Error,
    Severity.MEDIUM: types.DiagnosticSeverity.Warning,
    Severity.LOW: types.DiagnosticSeverity.Information,
    Severity.INFO: types.DiagnosticSeverity.Hint,
}
_IDS = re.compile(r"(vigil\s*:\s*ignore(?:-file)?\s*\[)([^\]]*)(\])", re.IGNORECASE)
_BARE_LINE = re.compile(r"vigil\s*:\s*ignore\b(?!-)\s*(?!\[)", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"^(#!|#.*coding[:=])")


def lsp_severity(severity: Severity) -> types.DiagnosticSeverity:
    return _SEVERITY[severity]


def _range_json(codec: PositionCodec, doc: DocumentState, start: int, end: int) -> dict[str, Any]:
    rng = codec.range(doc.source, doc.lines, start, end)
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def edits_json(codec: PositionCodec, doc: DocumentState, edits: list[Edit]) -> list[dict[str, Any]]:
    return [{"range": _range_json(codec, doc, e.start, e.end), "newText": e.text} for e in edits]


def _merge_ids(comment: str, start: int, rule_id: str) -> Edit | None:
    """Add ``rule_id`` to the ``[...]`` list of a vigil comment (``None`` if it has no list)."""
    match = _IDS.search(comment)
    if match is None:
        return None
    ids = [i.strip() for i in match.group(2).split(",") if i.strip()]
    ids.append(rule_id)
    text = ", ".join(dict.fromkeys(ids))
    byte_start = start + len(comment[: match.start(2)].encode())
    byte_end = start + len(comment[: match.end(2)].encode())
    return Edit(byte_start, byte_end, text)


def ignore_line_edit(doc: DocumentState, finding: Finding) -> Edit | None:
    """``# vigil: ignore[RULE]`` at the end of the statement's last header line (a line that
    cannot be inside a string), merged into a vigil comment already there."""
    if doc.tree is None:
        return None
    source = doc.source
    eol = sup.line_end(source, max(finding.stmt_end, finding.stmt_start))
    comment: ts.Node | None = None
    if eol > 0:
        node = doc.tree.root_node.descendant_for_byte_range(eol - 1, eol)
        if node is not None and node.type == "comment":
            comment = node
    if comment is not None:
        text = source[comment.start_byte : comment.end_byte].decode("utf-8", "replace")
        merged = _merge_ids(text, comment.start_byte, finding.rule_id)
        if merged is not None:
            return merged
        if _BARE_LINE.search(text):
            return None  # a bare "# vigil: ignore" already covers every rule
        return Edit(comment.end_byte, comment.end_byte, f"  # vigil: ignore[{finding.rule_id}]")
    return Edit(eol, eol, f"  # vigil: ignore[{finding.rule_id}]")


def ignore_file_edit(doc: DocumentState, rule_id: str) -> Edit | None:
    """``# vigil: ignore-file[RULE]`` at the top (after a shebang / coding line), or merged."""
    analysis = doc.analysis
    if analysis is not None:
        for suppression in analysis.context.file_suppressions:
            if suppression.kind != "vigil-file":
                continue
            if suppression.ids is None:
                return None
            merged = _merge_ids(suppression.text, suppression.start, rule_id)
            if merged is not None:
                return merged
    source = doc.source
    position = 0
    for _ in range(2):
        end = sup.line_end(source, position)
        if not _HEADER_LINE.match(source[position:end]):
            break
        position = end + (2 if source[end : end + 2] == b"\r\n" else 1)
        position = min(position, len(source))
    newline = newline_of(source)
    prefix = newline if position == len(source) and source and not source.endswith((b"\n", b"\r")) else ""
    return Edit(position, position, f"{prefix}# vigil: ignore-file[{rule_id}]{newline}")


def to_diagnostic(finding: Finding, doc: DocumentState, codec: PositionCodec, rules: RuleSet) -> types.Diagnostic:
    rule = rules.by_id(finding.rule_id)
    data: dict[str, Any] = {"uri": doc.uri, "version": doc.version, "rule": finding.rule_id,
                            "start": finding.start, "end": finding.end}
    if finding.fix is not None:
        data["fix"] = {"title": finding.fix.title, "safe": finding.fix.is_safe,
                       "edits": edits_json(codec, doc, list(finding.fix.edits))}
    line_edit = ignore_line_edit(doc, finding)
    if line_edit is not None:
        data["ignoreLine"] = edits_json(codec, doc, [line_edit])
    file_edit = ignore_file_edit(doc, finding.rule_id)
    if file_edit is not None:
        data["ignoreFile"] = edits_json(codec, doc, [file_edit])
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=doc.uri, range=codec.range(doc.source, doc.lines, r.start, r.end)),
            message=r.message,
        )
        for r in finding.related
    ]
    tags = [types.DiagnosticTag.Deprecated] if rule is not None and "deprecated" in rule.tags else None
    return types.Diagnostic(
        range=codec.range(doc.source, doc.lines, finding.start, finding.end),
        message=finding.message,
        severity=lsp_severity(finding.severity),
        code=finding.rule_id,
        code_description=types.CodeDescription(href=rule.docs_uri) if rule is not None else None,
        source=SOURCE,
        related_information=related or None,
        tags=tags,
        data=data,
    )


def to_diagnostics(doc: DocumentState, codec: PositionCodec, rules: RuleSet) -> list[types.Diagnostic]:
    if doc.analysis is None:
        return []
    return [to_diagnostic(f, doc, codec, rules) for f in doc.analysis.findings]


def range_from_json(raw: Any) -> types.Range:
    """Clients echo ``data`` back as plain JSON: rebuild the lsprotocol range by hand."""
    return types.Range(
        start=types.Position(line=int(raw["start"]["line"]), character=int(raw["start"]["character"])),
        end=types.Position(line=int(raw["end"]["line"]), character=int(raw["end"]["character"])),
    )


def text_edits(raw: Any) -> list[types.TextEdit]:
    return [types.TextEdit(range=range_from_json(e["range"]), new_text=str(e["newText"])) for e in raw]
