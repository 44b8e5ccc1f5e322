"""Suppression comments: ``# vigil: ignore[...]``, Bandit's ``# nosec`` and Ruff's ``# noqa: S...``.

A suppression on any line of a multi-line statement covers the whole statement (Bandit users
have asked for this since 2016: nosec only works on the first or last line there). For compound
statements (``if``, ``with``, ``def`` ...) only the header counts, never the body.

Syntax::

    # vigil: ignore                          every rule on this statement
    # vigil: ignore[INJ001, DES002]          the listed rules
    # vigil: ignore[INJ001] -- reason text   with a justification
    # vigil: ignore-file[SEC004]             the listed rules in the whole file
    # nosec / # nosec B602,B607              Bandit compatibility (via each rule's Bandit ids)
    # noqa: S602                             Ruff compatibility (via each rule's Ruff ids);
                                             a bare ``# noqa`` is a style waiver and is ignored
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import tree_sitter as ts

from vigil.engine import statements
from vigil.rules.model import Rule

_CANDIDATE = re.compile(rb"vigil\s*:|nosec|noqa", re.IGNORECASE)
_VIGIL = re.compile(
    r"vigil\s*:\s*(?P<kind>ignore-file|ignore)\b\s*(?:\[(?P<ids>[^\]]*)\])?\s*(?:--\s*(?P<reason>.*))?",
    re.IGNORECASE,
)
_NOSEC = re.compile(r"(?<![\w-])nosec\b:?\s*(?P<codes>(?:[A-Za-z]\d{3}\s*,?\s*)*)", re.IGNORECASE)
_NOQA = re.compile(r"(?<![\w-])noqa\s*:\s*(?P<codes>(?:[A-Z]+\d+\s*,?\s*)+)", re.IGNORECASE)
_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Suppression:
    """One directive inside a comment. ``ids is None`` means "every rule"."""

    start: int  # byte offset of the comment
    end: int
    kind: str  # "vigil" | "vigil-file" | "nosec" | "noqa"
    ids: frozenset[str] | None
    reason: str = ""
    text: str = ""

    def covers(self, rule: Rule) -> bool:
        if self.kind in ("vigil", "vigil-file"):
            return self.ids is None or rule.id in self.ids
        if self.kind == "nosec":
            return self.ids is None or bool(self.ids.intersection(c.upper() for c in rule.bandit))
        if self.kind == "noqa":
            return self.ids is not None and bool(self.ids.intersection(c.upper() for c in rule.ruff))
        return False


def _codes(text: str | None) -> frozenset[str] | None:
    if not text or not text.strip():
        return None
    return frozenset(c.upper() for c in _SPLIT.split(text.strip()) if c)


def parse_comment(text: str, start: int, end: int) -> list[Suppression]:
    """All directives in one comment's text (which includes the leading ``#``)."""
    found: list[Suppression] = []
    for match in _VIGIL.finditer(text):
        kind = "vigil-file" if match.group("kind").lower() == "ignore-file" else "vigil"
        ids = _codes(match.group("ids"))
        found.append(Suppression(start, end, kind, ids, (match.group("reason") or "").strip(), text))
    for match in _NOSEC.finditer(text):
        found.append(Suppression(start, end, "nosec", _codes(match.group("codes")), "", text))
    for match in _NOQA.finditer(text):
        found.append(Suppression(start, end, "noqa", _codes(match.group("codes")), "", text))
    return found


def comments_in(tree: ts.Tree, source: bytes, start: int, end: int) -> list[Suppression]:
    """Suppressions in comments that start inside [start, end).

    A fast byte regex finds candidates; the tree confirms each one is really a comment (and not,
    say, the text ``nosec`` inside a string).
    """
    out: list[Suppression] = []
    seen: set[int] = set()
    root = tree.root_node
    for match in _CANDIDATE.finditer(source, start, end):
        node = root.descendant_for_byte_range(match.start(), match.end())
        if node is None or node.type != "comment" or node.start_byte in seen:
            continue
        seen.add(node.start_byte)
        text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
        out.extend(parse_comment(text, node.start_byte, node.end_byte))
    return out


def line_start(source: bytes, pos: int) -> int:
    return max(source.rfind(b"\n", 0, pos), source.rfind(b"\r", 0, pos)) + 1


def line_end(source: bytes, pos: int) -> int:
    ends = [i for i in (source.find(b"\n", pos), source.find(b"\r", pos)) if i >= 0]
    return min(ends) if ends else len(source)


_BODY_FIELDS = ("body", "consequence")


def statement_span(node: ts.Node) -> tuple[int, int]:
    """Byte span of the statement (or compound-statement header) that contains ``node``.

    Python is handled here; other grammars (Dockerfile, YAML, HCL) in ``statements``.
    """
    root = statements.root_type(node)
    if root != "module":
        other = statements.statement_span(node, root)
        if other is not None:
            return other
    current = node
    while current.parent is not None and current.parent.type not in ("module", "block"):
        current = current.parent
    if current.parent is None:  # node is the module itself
        return node.start_byte, node.end_byte
    header_end = current.end_byte
    target = current
    if target.type == "decorated_definition":
        target = target.child_by_field_name("definition") or target
    for field_name in _BODY_FIELDS:
        body = target.child_by_field_name(field_name)
        if body is not None:
            # The header ends at the colon before the body.
            colon = body.prev_sibling
            header_end = colon.end_byte if colon is not None else body.start_byte
            break
    if node.start_byte >= header_end:
        # The finding sits inside a compound statement's body but not in a nested statement
        # (e.g. an else clause); fall back to the node's own lines.
        return node.start_byte, node.end_byte
    return current.start_byte, header_end


def statement_window(source: bytes, span: tuple[int, int], *, leading_comments: bool = False) -> tuple[int, int]:
    """The full lines that a statement span touches: where its suppression comments live.

    With ``leading_comments`` (Dockerfile, YAML, HCL), the comment-only lines directly above
    the statement count too: a Dockerfile comment cannot trail an instruction, and in YAML a
    comment above a key is the usual place for a note.
    """
    start = line_start(source, span[0])
    if leading_comments:
        start = _leading_comment_start(source, start)
    return start, line_end(source, span[1])


_COMMENT_PREFIXES = (b"#", b"//", b"/*")


def _leading_comment_start(source: bytes, start: int) -> int:
    """Extend ``start`` (a line start) upwards over lines that hold only a comment."""
    while start > 0:
        previous = line_start(source, start - 1)
        if start >= 2 and source[start - 2 : start] == b"\r\n":
            previous = line_start(source, start - 2)
        if not source[previous:start].strip().startswith(_COMMENT_PREFIXES):
            break
        start = previous
    return start


def file_suppressions(tree: ts.Tree, source: bytes) -> list[Suppression]:
    return [s for s in comments_in(tree, source, 0, len(source)) if s.kind == "vigil-file"]


def all_suppressions(tree: ts.Tree, source: bytes) -> list[Suppression]:
    return comments_in(tree, source, 0, len(source))


def first_covering(suppressions: Iterable[Suppression], rule: Rule) -> Suppression | None:
    for suppression in suppressions:
        if suppression.covers(rule):
            return suppression
    return None
