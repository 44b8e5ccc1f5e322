"""Re-analyse only what an edit can have changed, and prove it equals a full analysis.

Pure engine code (no LSP): the language server's document store feeds it byte edits, the
freshly re-parsed tree and ``changed_ranges``; it returns the new findings.

How the affected region is found:

1. *Raw ranges*: every edited byte range (mapped through the later edits of the same event)
   plus ``old_tree.changed_ranges(new_tree)``. Neither alone is enough: renaming ``eval`` to
   ``evalx`` changes no structure (``changed_ranges == []``), and deleting a quote re-parses
   code far from the keystroke.
2. *Widening*: each raw range grows to whole lines, then to the statements (compound
   statement headers) at its first and last non-blank byte, then to whole lines again, so the
   statement a suppression comment sits on is always re-checked. Rules with
   ``scope = "function"`` get the enclosing top-level function as well.
3. *Whole-file facts*: imports (anywhere), module-level names (def/class names, assignment
   targets, aliases and constant values), ``# vigil: ignore-file`` comments and the file
   header where fixes insert imports. If a raw range touches one of these, in the old tree or
   the new one, the whole file is re-analysed; so it is for rules with ``scope = "file"``.

Old findings that overlap an edit or intersect the region of their rule's scope are dropped;
the others are kept with every offset shifted. The rules then run with ``byte_range`` over the
region and the results are merged. ``tests/unit/test_incremental.py`` checks with hypothesis
that the outcome always equals a fresh full analysis of the final text.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

import tree_sitter as ts

from vigil.engine import suppressions as sup
from vigil.engine.constants import is_constant
from vigil.engine.findings import Edit, Finding, Fix, Related
from vigil.engine.names import Binding, ModuleNames, import_query
from vigil.engine.regions import Span, merge_spans, widen_to_functions, widen_to_statements
from vigil.engine.runner import Analyzer, ModuleContext, Policy, RunResult
from vigil.rules.model import Rule, Severity

log = logging.getLogger(__name__)

SCOPES = ("statement", "function", "file")

_IMPORT_TYPES = ("import_statement", "import_from_statement", "future_import_statement")
#: Containers whose module-level children still bind module-level names (as in names.py).
_COMPOUND = {
    "if_statement", "try_statement", "with_statement", "block", "else_clause", "elif_clause",
    "except_clause", "finally_clause", "decorated_definition",
}


@dataclass(frozen=True)
class ByteEdit:
    """``old[start:old_end]`` became ``new[start:new_end]`` (offsets of the buffer at that time)."""

    start: int
    old_end: int
    new_end: int

    @property
    def delta(self) -> int:
        return self.new_end - self.old_end


# -- mapping offsets through edits -------------------------------------------------------------
def map_point(pos: int, edits: Sequence[ByteEdit], *, is_end: bool = False) -> int:
    """Where an offset of the old text ends up; offsets inside a replaced region go to its start."""
    for edit in edits:
        if pos < edit.start or (is_end and pos == edit.start):
            continue
        pos = pos + edit.delta if pos >= edit.old_end else edit.start
    return pos


def map_span(start: int, end: int, edits: Sequence[ByteEdit], *, touching: bool = False) -> Span | None:
    """Map ``[start, end)`` through ``edits``; ``None`` when an edit overlaps it (or, with
    ``touching``, merely abuts it)."""
    for edit in edits:
        if touching:
            hit = start <= edit.old_end and edit.start <= end
        elif edit.old_end > edit.start:
            hit = start < edit.old_end and edit.start < end
        else:  # a pure insertion hits only strictly inside
            hit = start < edit.start < end
        if hit:
            return None
        if start >= edit.old_end:
            start += edit.delta
            end += edit.delta
    return start, end


def map_finding(finding: Finding, edits: Sequence[ByteEdit]) -> Finding | None:
    span = map_span(finding.start, finding.end, edits)
    if span is None:
        return None

    def point(pos: int, is_end: bool = False) -> int:
        return map_point(pos, edits, is_end=is_end)

    fix = finding.fix
    if fix is not None:
        fix = Fix(fix.title, fix.applicability,
                  tuple(Edit(point(e.start), point(e.end, True), e.text) for e in fix.edits))
    related = tuple(Related(point(r.start), point(r.end, True), r.message) for r in finding.related)
    return replace(finding, start=span[0], end=span[1], fix=fix, related=related,
                   stmt_start=point(finding.stmt_start), stmt_end=point(finding.stmt_end, True))


class OffsetMap:
    """Maps offsets of the current text back to the text of the last full analysis.

    Whole-file facts (name bindings, the spans listed by ``sensitive_spans``) keep the offsets
    of that analysis; instead of shifting hundreds of them on every keystroke, the few edited
    regions are recorded here and the *queries* are mapped back. A region is
    ``[new_start, new_end)`` of the current text that replaced ``[old_start, old_end)``.
    """

    __slots__ = ("regions",)

    def __init__(self, regions: list[tuple[int, int, int, int]] | None = None) -> None:
        self.regions = regions or []

    def copy(self) -> OffsetMap:
        return OffsetMap(list(self.regions))

    def to_old(self, pos: int, *, is_end: bool = False) -> int:
        shift = 0
        for new_start, new_end, old_start, old_end in self.regions:
            if pos < new_start:
                break
            if pos < new_end or (pos == new_end == new_start):
                return old_end if is_end else old_start
            shift = new_end - old_end
        return pos - shift

    def apply(self, edit: ByteEdit) -> None:
        """Record ``edit`` (in coordinates of the current text, before the edit)."""
        lo, hi = edit.start, edit.old_end
        kept_before: list[tuple[int, int, int, int]] = []
        kept_after: list[tuple[int, int, int, int]] = []
        merged: list[tuple[int, int, int, int]] = []
        for region in self.regions:
            if region[1] < edit.start:
                kept_before.append(region)
            elif region[0] > edit.old_end:
                kept_after.append(region)
            else:
                merged.append(region)
        for region in merged:
            lo, hi = min(lo, region[0]), max(hi, region[1])
        old_lo, old_hi = self.to_old(lo), self.to_old(hi, is_end=True)
        delta = edit.delta
        shifted = [(a + delta, b + delta, c, d) for a, b, c, d in kept_after]
        self.regions = [*kept_before, (lo, hi + delta, old_lo, old_hi), *shifted]


class MappedNames(ModuleNames):
    """The name table of the last full analysis, queried with offsets of the current text."""

    def __init__(self, base: ModuleNames, offsets: OffsetMap) -> None:
        # Every field, so a field added to ModuleNames is never silently dropped here (the
        # alias table once was, and region analyses then missed renamed imports).
        super().__init__(**{f.name: getattr(base, f.name) for f in fields(ModuleNames)})
        self.base = base
        self.offsets = offsets

    def binding_at(self, name: str, byte: int) -> Binding | None:
        return ModuleNames.binding_at(self, name, self.offsets.to_old(byte))


def raw_ranges(edits: Sequence[ByteEdit], changed: Iterable[Span]) -> list[Span]:
    """Edited ranges in final coordinates (each mapped through later edits) plus changed ranges."""
    ranges: list[Span] = []
    for edit in edits:
        mapped: list[Span] = []
        lo, hi = edit.start, edit.new_end
        for a, b in ranges:
            if b < edit.start:
                mapped.append((a, b))
            elif a > edit.old_end:
                mapped.append((a + edit.delta, b + edit.delta))
            else:  # overlaps the replaced text: merge into this edit's range
                lo = min(lo, a)
                hi = max(hi, edit.new_end, b + edit.delta if b > edit.old_end else edit.new_end)
        mapped.append((lo, hi))
        ranges = mapped
    ranges.extend(changed)
    return merge_spans(ranges)


def _touches(spans: Iterable[Span], ranges: Sequence[Span]) -> bool:
    return any(s <= hi and lo <= e for s, e in spans for lo, hi in ranges)


# -- whole-file facts --------------------------------------------------------------------------
def _header_span(root: ts.Node) -> Span:
    """From the start of the file to the first statement that is not an import, comment or
    module docstring: where fixes insert ``import`` lines."""
    first_statement = True
    for child in root.named_children:
        if child.type in _IMPORT_TYPES or child.type == "comment":
            continue
        if first_statement and child.type == "expression_statement" and child.named_child_count == 1 \
                and child.named_children[0].type == "string":
            first_statement = False
            continue
        return 0, child.start_byte
    return 0, root.end_byte


def _assignment_spans(statement: ts.Node) -> list[Span]:
    spans: list[Span] = []
    for expr in statement.named_children:
        if expr.type != "assignment":
            continue
        left = expr.child_by_field_name("left")
        right = expr.child_by_field_name("right")
        if left is None or left.type != "identifier":
            continue
        spans.append((statement.start_byte, left.end_byte))
        if right is not None and (right.type in ("identifier", "attribute") or is_constant(right, {})):
            spans.append((right.start_byte, right.end_byte))
    return spans


def _module_level_spans(root: ts.Node, lo: int, hi: int) -> list[Span]:
    spans: list[Span] = []
    stack: list[ts.Node] = []
    count = root.named_child_count
    # first_named_child_for_byte crashes (py-tree-sitter 0.26.1) when no child ends after lo.
    child = root.first_named_child_for_byte(lo) if count and root.named_child(count - 1).end_byte > lo else None
    while child is not None and child.start_byte <= hi:
        stack.append(child)
        child = child.next_named_sibling
    stack.reverse()
    while stack:
        node = stack.pop()
        if node.end_byte < lo or node.start_byte > hi:
            continue
        kind = node.type
        if kind in ("function_definition", "class_definition"):
            # From the keyword through the name: the binding's offset is the statement start.
            name = node.child_by_field_name("name")
            spans.append((node.start_byte, name.end_byte if name is not None else node.start_byte))
        elif kind == "expression_statement":
            spans.extend(_assignment_spans(node))
        elif kind in _COMPOUND:
            stack.extend(reversed(node.named_children))
    return spans


def sensitive_spans(tree: ts.Tree, source: bytes, lo: int = 0, hi: int | None = None, *,
                    header: bool = True) -> list[Span]:
    """Byte spans (within ``[lo, hi]``) that whole-file analysis depends on. The header span
    (where fixes insert imports) only moves when an edit touches the old one, so incremental
    checks skip recomputing it (``header=False``)."""
    root = tree.root_node
    hi = root.end_byte if hi is None else hi
    spans = [_header_span(root)] if header else []
    if root.type == "module":  # Python: imports and module-level names are whole-file facts
        cursor = ts.QueryCursor(import_query(tree.language))
        cursor.set_byte_range(lo, max(lo, hi))
        for node in cursor.captures(root).get("import", []):
            spans.append((node.start_byte, node.end_byte))
        spans.extend(_module_level_spans(root, lo, hi))
    # A line suppression silences findings of the statement it sits in, and widening an edit to
    # its statement re-checks them. In broken code, though, that "statement" can be an ERROR node
    # spanning the module, far beyond the edited region (found by the hypothesis invariant test),
    # so there every suppression comment is a whole-file fact.
    broken = root.has_error
    for suppression in sup.comments_in(tree, source, lo, hi):
        if broken or suppression.kind == "vigil-file":
            spans.append((suppression.start, suppression.end))
    return sorted(spans)


def _facts_near(tree: ts.Tree, source: bytes, lo: int, hi: int) -> list[Span]:
    """Fact spans of the current tree that may touch ``[lo, hi]``: every span comes from a node
    holding it, so asking for nodes intersecting one byte more on each side is enough. (Not
    the widened statements: in a broken tree that is an ERROR node running to the end of the
    file, 8-25 ms per keystroke on 10k lines.)"""
    return sensitive_spans(tree, source, max(0, lo - 1), hi + 1, header=False)


# -- the analysis state ------------------------------------------------------------------------
class _ScopePolicy(Policy):
    """Restricts a policy to rules of some scopes, so each scope runs on its own region."""

    def __init__(self, base: Policy, scopes: frozenset[str]) -> None:
        self.base = base
        self.scopes = scopes

    def enabled(self, rule: Rule, path: str | None) -> bool:
        return getattr(rule, "scope", "statement") in self.scopes and self.base.enabled(rule, path)

    def severity(self, rule: Rule, path: str | None, is_test: bool) -> Severity:
        return self.base.severity(rule, path, is_test)


@dataclass
class AnalysisState:
    """What one document's analysis remembers between edits (all offsets in bytes)."""

    source: bytes
    tree: ts.Tree
    context: ModuleContext
    findings: list[Finding]
    sensitive: list[Span]
    failures: list[str] = field(default_factory=list)
    #: How the last update was computed: "full" or "incremental" (for logs and tests).
    mode: str = "full"
    #: The region that was re-analysed by the last incremental update.
    regions: list[Span] = field(default_factory=list)
    #: Edits since the full analysis that ``context`` and ``sensitive`` (old offsets) describe.
    offsets: OffsetMap = field(default_factory=OffsetMap)
    #: ``sensitive_reach[i]`` = the furthest end among ``sensitive[:i + 1]`` (for bisecting).
    sensitive_reach: list[int] = field(default_factory=list)
    #: The text ``sensitive`` was computed on (the last full analysis's), to compare facts by text.
    facts_source: bytes = b""


class IncrementalAnalyzer:
    """Runs an ``Analyzer`` on whole files and on the regions edits affect."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        rules = analyzer.ruleset.rules
        self._rule_scope = {r.id: getattr(r, "scope", "statement") for r in rules}
        self._scopes = set(self._rule_scope.values())
        self._by_scope: dict[str, Analyzer] = {}
        for scope in SCOPES:
            self._by_scope[scope] = Analyzer(
                analyzer.ruleset,
                _ScopePolicy(analyzer.policy, frozenset({scope})),
                time_budget=analyzer.time_budget,
                match_limit=analyzer.match_limit,
            )

    def full(self, source: bytes, tree: ts.Tree, path: str | None) -> AnalysisState:
        analysis = self.analyzer.analyze(source, path, tree=tree)
        sensitive = sensitive_spans(tree, source)
        reach: list[int] = []
        for _, end in sensitive:
            reach.append(max(end, reach[-1]) if reach else end)
        return AnalysisState(
            source=source,
            tree=tree,
            context=analysis.context,
            findings=list(analysis.findings),
            sensitive=sensitive,
            sensitive_reach=reach,
            facts_source=source,
            failures=[f"{f.rule_id}: {f.message}" for f in analysis.result.failures],
        )

    def needs_full(self, state: AnalysisState, source: bytes, tree: ts.Tree,
                   edits: Sequence[ByteEdit], changed: Sequence[Span], *,
                   keep_facts_while_broken: bool = False) -> bool:
        """Whether these edits touch what whole-file analysis depends on (or the language or
        a ``scope = "file"`` rule rules out region analysis).

        ``keep_facts_while_broken`` (the language server): when the new tree has syntax errors
        and only tree-sitter's error recovery (not the edit) changed whole-file facts, e.g. an
        unclosed ``(`` in a function turning its body into module-level statements, keep the
        facts of the last full analysis instead of re-analysing the file on every keystroke.
        The server re-parses from scratch and analyses the whole file once typing pauses on a
        broken tree, and error-free trees are always compared exactly."""
        ranges = raw_ranges(edits, changed)
        if not ranges:
            return False
        language = state.context.language or "python"
        if language != "python" or "file" in self._scopes:
            return True
        offsets = state.offsets.copy()
        for edit in edits:
            offsets.apply(edit)
        broken = tree.root_node.has_error
        if broken and self._import_text_edited(source, edits):
            return True
        if not self._touches_file_facts(state, source, tree, offsets, ranges):
            return False
        # Touched is not changed: error recovery re-parses a whole class when a keystroke in
        # one of its methods breaks or mends it, and ``changed_ranges`` then covers the class
        # line although its name binds exactly what it bound before (measured: one full
        # analysis of 50k lines, seconds, per mended statement in bench/keystroke.py). Only
        # for error-free trees: in a broken one a finding's "statement" can be an ERROR node
        # that grows with an edit far away (found by the hypothesis invariant test).
        if not broken and not self._facts_differ(state, source, tree, offsets, ranges):
            return False
        # Error recovery re-parses whole functions: ``changed_ranges`` then covers a ``def``
        # line although only its body was typed in. An edit that touches a fact still means a
        # full analysis; while the tree is broken, facts reached only by the re-parse do not.
        if self._touches_file_facts(state, source, tree, offsets, raw_ranges(edits, ())):
            return True
        return not (keep_facts_while_broken and tree.root_node.has_error)

    @staticmethod
    def _import_text_edited(source: bytes, edits: Sequence[ByteEdit]) -> bool:
        """Whether an edit's lines hold the word ``import``. In a broken tree error recovery
        decides whether such text is an import statement, and the fact spans of the last full
        analysis may not show one that the names table depends on (a hypothesis
        counterexample: ``import yaml`` typed inside ``from yaml import load, FullLoader``)."""
        for lo, hi in raw_ranges(edits, ()):
            if b"import" in source[sup.line_start(source, lo):sup.line_end(source, max(lo, hi))]:
                return True
        return False

    def update(self, state: AnalysisState, source: bytes, tree: ts.Tree, edits: Sequence[ByteEdit],
               changed: Sequence[Span]) -> AnalysisState:
        """Findings for ``source``/``tree`` (freshly parsed) after ``edits`` to ``state.source``."""
        if self.needs_full(state, source, tree, edits, changed):
            return self.full(source, tree, state.context.path)
        return self.incremental(state, source, tree, edits, changed)

    def incremental(self, state: AnalysisState, source: bytes, tree: ts.Tree, edits: Sequence[ByteEdit],
                    changed: Sequence[Span], *, edited_lines_only: bool = False) -> AnalysisState:
        """Re-run rules on the affected regions only; the caller checked ``needs_full``.

        ``edited_lines_only`` (the language server, while the tree has syntax errors): re-run
        only the edited lines, not ``changed_ranges`` nor the enclosing statement. An unclosed
        ``(`` at module level turns the rest of the file into one ERROR node, and re-analysing
        it on every keystroke cost as much as a full analysis (seconds on 10k lines, measured
        with bench/keystroke.py). Findings elsewhere are kept, shifted, until the tree is valid
        again (its changed ranges then cover the region) or the server's settle re-analysis.
        """
        ranges = raw_ranges(edits, () if edited_lines_only else changed)
        if not ranges:
            return replace(state, source=source, tree=tree, mode="incremental", regions=[])
        if edited_lines_only:
            statement_regions = merge_spans((sup.line_start(source, lo), sup.line_end(source, max(lo, hi)))
                                            for lo, hi in ranges)
        mapped_findings = [m for m in (map_finding(f, edits) for f in state.findings) if m is not None]
        if not edited_lines_only:
            widened = [widen_to_statements(tree, source, r) for r in ranges]
            # A finding's statement can reach the edit although the finding does not: in broken
            # code it is an ERROR node that grows with an insertion at its end (found by the
            # hypothesis invariant test). Re-check those statements as they are now.
            widened += [widen_to_statements(tree, source, (m.start, m.end)) for m in mapped_findings
                        if _touches([(m.stmt_start, m.stmt_end)], ranges)]
            statement_regions = merge_spans(widened)
        regions: dict[str, list[Span]] = {"statement": statement_regions}
        if "function" in self._scopes:
            regions["function"] = merge_spans(widen_to_functions(tree, r) for r in statement_regions)
        offsets = state.offsets.copy()
        for edit in edits:
            offsets.apply(edit)
        names = state.context.names
        base = names.base if isinstance(names, MappedNames) else names
        context = replace(state.context, names=MappedNames(base, offsets))
        kept: list[Finding] = []
        for mapped in mapped_findings:
            scope_regions = regions.get(self._scope_of(mapped.rule_id), statement_regions)
            if any(mapped.start < hi and lo < mapped.end or mapped.start == mapped.end == lo
                   for lo, hi in scope_regions):
                continue
            kept.append(mapped)
        failures: list[str] = []
        fresh: list[Finding] = []
        for scope, spans in regions.items():
            for lo, hi in spans:
                result: RunResult = self._by_scope[scope].run(tree, source, context, byte_range=(lo, hi))
                fresh.extend(result.findings)
                failures.extend(f"{f.rule_id}: {f.message}" for f in result.failures)
        by_key = {f.key: f for f in kept}
        by_key.update({f.key: f for f in fresh})
        findings = sorted(by_key.values(), key=lambda f: (f.start, f.end, f.rule_id))
        return AnalysisState(source, tree, context, findings, state.sensitive, failures, "incremental",
                             [r for spans in regions.values() for r in spans], offsets,
                             state.sensitive_reach, state.facts_source)

    def _scope_of(self, rule_id: str) -> str:
        return self._rule_scope.get(rule_id, "statement")

    def _facts_differ(self, state: AnalysisState, source: bytes, tree: ts.Tree, offsets: OffsetMap,
                      ranges: Sequence[Span]) -> bool:
        """Whether the whole-file facts around ``ranges`` differ from the last full analysis's.

        Compares the fact spans touching the ranges, old (offsets and text of the analysed
        text) against new (mapped back to those offsets, text of ``source``). Outside
        ``ranges`` the tree did not change, so equal sets here mean equal facts everywhere.
        Spans an edit cut into map to the edit's bounds and so compare unequal: conservative."""
        spans, reach = state.sensitive, state.sensitive_reach
        old_facts: set[tuple[int, int, bytes]] = set()
        old_ranges: list[Span] = []
        for lo, hi in ranges:
            old_lo, old_hi = offsets.to_old(lo), offsets.to_old(hi, is_end=True)
            old_ranges.append((old_lo, old_hi))
            index = bisect.bisect_left(reach, old_lo)
            while index < len(spans) and spans[index][0] <= old_hi:
                start, end = spans[index]
                if end >= old_lo:
                    old_facts.add((start, end, state.facts_source[start:end]))
                index += 1
        new_spans: list[Span] = []
        for lo, hi in ranges:
            new_spans.extend(_facts_near(tree, source, lo, hi))
        new_spans.append(_header_span(tree.root_node))
        new_facts = {(offsets.to_old(start), offsets.to_old(end, is_end=True), source[start:end])
                     for start, end in new_spans if _touches([(start, end)], ranges)}
        return old_facts != new_facts

    def _touches_file_facts(self, state: AnalysisState, source: bytes, tree: ts.Tree,
                            offsets: OffsetMap, ranges: Sequence[Span]) -> bool:
        # Old facts: map the touched ranges back to the analysed text (spans are sorted there).
        spans = state.sensitive
        for lo, hi in ranges:
            old_lo, old_hi = offsets.to_old(lo), offsets.to_old(hi, is_end=True)
            index = bisect.bisect_left(spans, (old_lo,))
            if index and state.sensitive_reach[index - 1] >= old_lo:
                return True  # a span starting before the range reaches into it
            if index < len(spans) and spans[index][0] <= old_hi:
                return True
        # New facts: anything the edit created inside the widened statements.
        for lo, hi in ranges:
            if _touches(_facts_near(tree, source, lo, hi), ranges):
                return True
        return False


__all__ = [
    "AnalysisState", "ByteEdit", "IncrementalAnalyzer", "MappedNames", "OffsetMap", "map_finding", "map_point",
    "map_span", "merge_spans", "raw_ranges", "sensitive_spans", "widen_to_functions",
    "widen_to_statements",
]
