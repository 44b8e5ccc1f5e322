"""Byte regions of a Python tree: spans grown to whole statements or whole functions.

Two callers need "the code around these bytes, in units a rule can match": the incremental
analysis (re-run rules on what an edit touched) and the runner's alias pass (re-run the
unfiltered query where a renamed import is used). Both must give exactly what a full analysis
gives inside the region, so they share one definition, tested through the incremental
invariant (tests/unit/test_incremental.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import tree_sitter as ts

from vigil.engine import suppressions as sup

Span = tuple[int, int]

_FUNCTION_TYPES = ("function_definition", "decorated_definition")
_WHITESPACE = b" \t\f\v"


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with overlapping or touching spans merged."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def statement_at(root: ts.Node, pos: int) -> ts.Node | None:
    """The statement-level node (child of ``module`` or ``block``) containing byte ``pos``."""
    node: ts.Node | None = root.descendant_for_byte_range(pos, pos + 1)
    if node is None or node.type in ("module", "block"):
        return None
    while node is not None and node.parent is not None and node.parent.type not in ("module", "block"):
        node = node.parent
    if node is None or node.parent is None:
        return None
    return node


def header_end(node: ts.Node) -> int:
    """End of a compound statement's header (start of its first block), or the node's end."""
    target = node
    if target.type == "decorated_definition":
        target = target.child_by_field_name("definition") or target
    for child in target.children:
        if child.type == "block":
            return child.start_byte
    return node.end_byte


def _first_non_blank(source: bytes, lo: int, hi: int) -> int | None:
    for index in range(lo, min(hi, len(source))):
        if source[index] not in _WHITESPACE:
            return index
    return None


def _last_non_blank(source: bytes, lo: int, hi: int) -> int | None:
    for index in range(min(hi, len(source)) - 1, lo - 1, -1):
        if source[index] not in _WHITESPACE:
            return index
    return None


def widen_to_statements(tree: ts.Tree, source: bytes, span: Span) -> Span:
    """Grow ``span`` to whole lines, then to the statements at its first and last non-blank
    byte (only the header of a compound statement whose header holds the byte), then to whole
    lines again, so the statement a suppression comment sits on is always included."""
    root = tree.root_node
    lo = sup.line_start(source, span[0])
    hi = sup.line_end(source, max(span[1], lo))
    first_line_end = sup.line_end(source, lo)
    last_line_start = sup.line_start(source, hi)
    probes = [_first_non_blank(source, lo, first_line_end), _last_non_blank(source, last_line_start, hi)]
    for pos in probes:
        if pos is None:
            continue
        stmt = statement_at(root, pos)
        if stmt is None:
            continue
        end_of_header = header_end(stmt)
        end = end_of_header if pos < end_of_header else stmt.end_byte
        lo, hi = min(lo, stmt.start_byte), max(hi, end)
    return sup.line_start(source, lo), sup.line_end(source, hi)


def widen_to_functions(tree: ts.Tree, span: Span) -> Span:
    """Grow a span to the outermost function definitions that contain either end of it."""
    lo, hi = span
    root = tree.root_node
    for pos in (span[0], max(span[0], span[1] - 1)):
        node: ts.Node | None = root.descendant_for_byte_range(pos, pos)
        outer: ts.Node | None = None
        while node is not None:
            if node.type in _FUNCTION_TYPES:
                outer = node
            node = node.parent
        if outer is not None:
            lo, hi = min(lo, outer.start_byte), max(hi, outer.end_byte)
    return lo, hi


def name_regions(tree: ts.Tree, source: bytes, names: Sequence[str], span: Span) -> list[Span]:
    """The statements (see ``widen_to_statements``) within ``span`` where any of the
    identifiers ``names`` occurs. A plain byte search, not a tree walk: it costs one pass in C
    and an occurrence in a string or comment only adds a region, never loses one."""
    if not names:
        return []
    alternatives = b"|".join(re.escape(name.encode("utf-8")) for name in sorted(names, key=len, reverse=True))
    pattern = re.compile(rb"(?<![A-Za-z0-9_])(?:" + alternatives + rb")(?![A-Za-z0-9_])")
    lo, hi = span
    found = (widen_to_statements(tree, source, (m.start(), m.end())) for m in pattern.finditer(source, lo, hi))
    return [(max(a, lo), min(b, hi)) for a, b in merge_spans(found)]


__all__ = ["Span", "header_end", "merge_spans", "name_regions", "statement_at", "widen_to_functions", "widen_to_statements"]
