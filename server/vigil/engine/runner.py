"""Run a rule set over a tree (whole file or a byte range) and produce findings.

The same code serves the CLI (whole files), the language server's keystroke path (a byte
range around the edit) and background scans. It never touches LSP types or the disk.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import tree_sitter as ts

from vigil.engine import suppressions as sup
from vigil.engine.constants import is_constant, string_value
from vigil.engine.findings import Edit, Finding, Fix, Related, RuleFailure
from vigil.engine.fixes import FixError, build_fix, import_edit, node_text
from vigil.engine.languages import (
    LANGUAGES,
    has_python_facts,
    language_for_path,
    language_of_tree,
    parse,
    refine_language,
    same_family,
)
from vigil.engine.names import ModuleNames, collect_names
from vigil.engine.regions import name_regions
from vigil.rules.dispatch import CallDispatch
from vigil.rules.loader import CompiledLanguage, RuleSet
from vigil.rules.model import Rule, Severity
from vigil.rules.predicates import make_predicate
from vigil.rules.prefilter import hidden_aliases

log = logging.getLogger(__name__)

Captures = Mapping[str, Sequence[ts.Node]]

_TEST_PARTS = {"tests", "test", "testing"}


def is_test_path(path: str | PurePath | None) -> bool:
    """Tests get a lower severity: asserts and fixtures with fake secrets are expected there."""
    if path is None:
        return False
    pure = PurePath(path)
    name = pure.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in _TEST_PARTS for part in pure.parts[:-1])


class Policy:
    """Which rules apply to a file and at what severity. The default enables everything."""

    def enabled(self, rule: Rule, path: str | None) -> bool:  # noqa: ARG002 - interface
        return True

    def severity(self, rule: Rule, path: str | None, is_test: bool) -> Severity:
        if is_test and rule.test_severity is not None:
            return min(rule.severity, rule.test_severity)
        return rule.severity


@dataclass
class CheckResult:
    """What a Python check may return instead of ``True`` to refine a finding."""

    message: str | None = None
    node: ts.Node | None = None
    severity: Severity | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    drop_fix: bool = False
    #: Exact byte span to report, when it is not a node of the tree (e.g. a command inside
    #: the shell text of a Dockerfile ``RUN``, parsed separately and mapped back).
    span: tuple[int, int] | None = None


@dataclass
class Match:
    """Everything a Python check or fix function can see about one query match."""

    rule: Rule
    captures: Captures
    source: bytes
    tree: ts.Tree
    names: ModuleNames
    path: str | None
    #: The rule set being run (checks read shared data such as ``data_dirs`` from it).
    ruleset: RuleSet | None = None

    def node(self, name: str) -> ts.Node | None:
        nodes = self.captures.get(name)
        return nodes[0] if nodes else None

    def text(self, name_or_node: str | ts.Node | None) -> str:
        node = self.node(name_or_node) if isinstance(name_or_node, str) else name_or_node
        return node_text(self.source, node) if node is not None else ""

    def qualify(self, node: ts.Node | None) -> str | None:
        return self.names.qualify(node)

    def is_constant(self, node: ts.Node | None) -> bool:
        return is_constant(node, self.names.constants)

    def string_value(self, node: ts.Node | None) -> str | None:
        return string_value(node)

    def module_alias(self, module: str) -> str | None:
        """The local name bound to ``module`` by ``import module [as alias]``, if any."""
        for name, bindings in self.names.bindings.items():
            if any(b.qualified == module for b in bindings):
                return name
        return None

    def replace_name(self, node: ts.Node, qualified: str) -> list[Edit]:
        """Edits pointing the name at ``node`` to ``qualified`` (e.g. ``yaml.load`` ->
        ``yaml.safe_load``): an attribute keeps its module spelling and swaps its last segment;
        a bare name is replaced by ``qualified`` as spelled here, plus any import it needs."""
        if node.type == "attribute":
            attr = node.child_by_field_name("attribute")
            if attr is not None:
                return [Edit(attr.start_byte, attr.end_byte, qualified.rpartition(".")[2])]
        spelled, edits = self.reference(qualified)
        return [Edit(node.start_byte, node.end_byte, spelled), *edits]

    def reference(self, qualified: str) -> tuple[str, list[Edit]]:
        """How to spell ``qualified`` (e.g. ``yaml.safe_load``) at this point of the file,
        plus the import edit needed when its module is not imported yet."""
        module, _, attr = qualified.rpartition(".")
        alias = self.module_alias(module) if module else None
        if alias is not None:
            return f"{alias}.{attr}", []
        edit = import_edit(module, self.tree, self.source, self.names) if module else None
        return qualified, [edit] if edit is not None else []


@dataclass
class ModuleContext:
    """Whole-file facts computed on a full analysis and reused for range analyses."""

    names: ModuleNames
    file_suppressions: list[sup.Suppression]
    is_test: bool
    path: str | None
    #: The file's language after content sniffing (``kubernetes`` for a ``yaml`` manifest);
    #: None for contexts built by older callers, which means "whatever ``run`` is told".
    language: str | None = None


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    #: (finding, the suppression that silenced it)
    suppressed: list[tuple[Finding, sup.Suppression]] = field(default_factory=list)
    failures: list[RuleFailure] = field(default_factory=list)
    timed_out: bool = False


@dataclass
class Analysis:
    """A full analysis of one file."""

    source: bytes
    tree: ts.Tree
    context: ModuleContext
    result: RunResult

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings


_WS = re.compile(rb"\s+")


def snippet_hash(rule_id: str, source: bytes, start: int, end: int) -> str:
    """A fingerprint of the flagged code that survives moving it to another line."""
    digest = hashlib.sha1(rule_id.encode(), usedforsecurity=False)
    digest.update(_WS.sub(b" ", source[start:end]).strip())
    return digest.hexdigest()[:16]


def _message(template: str, captures: Captures, source: bytes) -> str:
    if "{" not in template:
        return template

    def substitute(match: re.Match[str]) -> str:
        nodes = captures.get(match.group(1))
        if not nodes:
            return match.group(0)
        text = " ".join(node_text(source, nodes[0]).split())
        return text if len(text) <= 60 else text[:57] + "..."

    return re.sub(r"\{([A-Za-z_][\w.]*)\}", substitute, template)


_CHUNK_BYTES = 32 * 1024

#: Query patterns may only start matching this deep in the tree. Without a bound, the query
#: engine is quadratic in nesting depth: 2,000 nested calls ``f(f(f(...)))`` took 9.7 s in
#: ``QueryCursor.matches``; with 256, 0.12 s (5,000 nested: 0.15 s). CPython itself rejects
#: more than 200 nested parentheses and 100 indentation levels, so real code stays far above
#: this depth (tests/robustness/test_bad_text.py).
MAX_START_DEPTH = 256
#: Seconds one rule's Python code (check and fix functions) may spend on one file before the
#: rule is skipped for the rest of that file and named in the log. Progress callbacks crash
#: py-tree-sitter 0.26.1, so the query itself cannot be interrupted; Python checks can be timed.
RULE_TIME_BUDGET = 5.0


def _chunks(root: ts.Node, lo: int, hi: int) -> list[tuple[int, int]]:
    """Split [lo, hi) at top-level statement boundaries into pieces of about 32 KiB."""
    chunks: list[tuple[int, int]] = []
    start = lo
    for child in root.children:
        if child.end_byte <= start:
            continue
        if child.start_byte >= hi:
            break
        if child.end_byte - start >= _CHUNK_BYTES:
            chunks.append((start, min(child.end_byte, hi)))
            start = min(child.end_byte, hi)
    if start < hi or not chunks:
        chunks.append((start, hi))
    return chunks


class Analyzer:
    """Applies a ``RuleSet`` under a ``Policy``. Stateless between calls; safe to share."""

    def __init__(
        self,
        ruleset: RuleSet,
        policy: Policy | None = None,
        *,
        time_budget: float | None = None,
        match_limit: int = 1 << 16,
        rule_budget: float | None = RULE_TIME_BUDGET,
    ) -> None:
        self.ruleset = ruleset
        self.policy = policy or Policy()
        self.time_budget = time_budget
        self.match_limit = match_limit
        self.rule_budget = rule_budget

    # -- whole-file facts ---------------------------------------------------------------
    def context(self, tree: ts.Tree, source: bytes, path: str | None,
                language: str | None = None) -> ModuleContext:
        """Whole-file facts. Import names only exist for Python; other languages get an
        empty name table (their rules do not use ``#qualified?``)."""
        if language is None:
            language = language_of_tree(tree)
            by_path = language_for_path(PurePath(path)) if path else None
            if by_path is not None and same_family(by_path, language):
                language = by_path
        language = refine_language(language, path, tree, source)
        return ModuleContext(
            names=collect_names(tree) if has_python_facts(language) else ModuleNames(),
            file_suppressions=sup.file_suppressions(tree, source),
            is_test=is_test_path(path),
            path=path,
            language=language,
        )

    def analyze(self, source: bytes, path: str | None = None, language: str | None = None,
                tree: ts.Tree | None = None) -> Analysis:
        """Parse (unless a fresh tree is given) and run every enabled rule on the whole file.

        Without ``language``, the path decides (Python when the path says nothing), so callers
        written for Python files analyse a ``Dockerfile`` or a manifest correctly too.
        """
        if language is None:
            language = (language_for_path(PurePath(path)) if path else None) or "python"
        tree = tree if tree is not None else parse(source, language)
        context = self.context(tree, source, path, language)
        result = self.run(tree, source, context, language=language)
        return Analysis(source, tree, context, result)

    # -- rule execution -----------------------------------------------------------------
    def run(
        self,
        tree: ts.Tree,
        source: bytes,
        context: ModuleContext,
        byte_range: tuple[int, int] | None = None,
        language: str | None = None,
    ) -> RunResult:
        """Run rules on ``tree`` (which must be freshly parsed from ``source``: text predicates
        are silently true on an edited tree). With ``byte_range``, only matches intersecting it.

        ``language`` defaults to the context's; a generic family member (``yaml``) is replaced
        by the dialect the context sniffed (``kubernetes``), so callers may pass either.
        """
        result = RunResult()
        language = self._run_language(language, context)
        compiled = self.ruleset.compiled.get(language)
        if compiled is None:
            return result
        predicate = make_predicate(context.names)
        cursor = self._cursor(compiled.query)
        if byte_range is not None:
            cursor.set_byte_range(max(0, byte_range[0]), max(0, byte_range[1]))
        numbers = compiled.query_patterns
        matches = [(numbers[i], captures) for i, captures in
                   self._matches(cursor, tree, predicate, result, byte_range)]
        if compiled.dispatch is not None:
            matches.extend(self._dispatched(compiled.dispatch, tree, predicate, result, byte_range))
        hidden = hidden_aliases(context.names.aliases, compiled.segments)
        if hidden:
            # ``L(data)`` after ``from yaml import load as L`` fails the prefilter's ``#match?``
            # and the callee dispatch: re-match the statements using such aliases with the
            # query that has neither. Duplicates are dropped below (``seen``).
            span = byte_range if byte_range is not None else (0, tree.root_node.end_byte)
            alias_cursor = self._cursor(compiled.unfiltered())
            for region in name_regions(tree, source, hidden, span):
                alias_cursor.set_byte_range(*region)
                matches.extend(self._matches(alias_cursor, tree, predicate, result, region))
        # One order whatever pass found a match: by position, then pattern number, so the
        # first pattern of a rule wins when two report the same span.
        matches.sort(key=_match_order)
        # The query and the Python checks each get the budget (at most twice it in all), so the
        # matches found before a query timeout still become findings.
        deadline = time.monotonic() + self.time_budget if self.time_budget is not None else None
        if cursor.did_exceed_match_limit:
            log.warning("%s: query match limit exceeded; some findings may be missing", context.path)
        seen: set[tuple[str, int, int]] = set()
        spent: dict[str, float] = {}
        over_budget: set[str] = set()
        for pattern_index, captures in matches:
            if deadline is not None and time.monotonic() > deadline:
                # Python checks cost more than the query on sink-dense files (a 2 MB file of
                # generated code: minutes); the budget covers them too.
                result.timed_out = True
                log.warning("%s: analysis time budget (%g s) exhausted; remaining matches skipped",
                            context.path, self.time_budget)
                break
            rule = compiled.rules[compiled.all_pattern_rule[pattern_index]]
            if not self.policy.enabled(rule, context.path) or rule.id in over_budget:
                continue
            started = time.perf_counter()
            try:
                finding = self._finding(rule, captures, tree, source, context)
            except Exception as exc:  # a broken rule must never take the others down
                log.exception("rule %s failed", rule.id)
                result.failures.append(RuleFailure(rule.id, f"{type(exc).__name__}: {exc}"))
                continue
            finally:
                spent[rule.id] = spent.get(rule.id, 0.0) + time.perf_counter() - started
                if self.rule_budget is not None and spent[rule.id] > self.rule_budget:
                    over_budget.add(rule.id)
                    log.warning("rule %s exceeded its time budget (%.1f s) on %s; its other matches "
                                "in this file are skipped", rule.id, self.rule_budget, context.path)
                    result.failures.append(RuleFailure(
                        rule.id, f"exceeded its time budget of {self.rule_budget:g} s on this file; "
                        "remaining matches skipped"))
            if finding is None or finding.key in seen:
                continue
            seen.add(finding.key)
            suppression = self._suppression(rule, finding, tree, source, context)
            if suppression is not None:
                result.suppressed.append((finding, suppression))
            else:
                result.findings.append(finding)
        result.findings.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return result

    @staticmethod
    def _run_language(language: str | None, context: ModuleContext) -> str:
        if language is None:
            return context.language or "python"
        if context.language is not None and context.language != language and same_family(
                language, context.language) and LANGUAGES[language].refine is not None:
            return context.language
        return language

    def _dispatched(self, dispatch: CallDispatch, tree: ts.Tree, predicate: Callable[..., Any],
                    result: RunResult, byte_range: tuple[int, int] | None
                    ) -> list[tuple[int, dict[str, list[ts.Node]]]]:
        """Matches of the callee-keyed patterns: each runs only on the calls it can match."""
        calls = self._cursor(dispatch.calls)
        if byte_range is not None:
            calls.set_byte_range(max(0, byte_range[0]), max(0, byte_range[1]))
        cursors: dict[int, ts.QueryCursor] = {}
        out: list[tuple[int, dict[str, list[ts.Node]]]] = []
        for _, found in self._matches(calls, tree, predicate, result, byte_range):
            call = found["call"][0]
            for keyed in dispatch.rules_for(found["fn"][0].text or b""):
                cursor = cursors.get(keyed.rule_index)
                if cursor is None:
                    cursor = cursors[keyed.rule_index] = self._cursor(keyed.query)
                    cursor.set_max_start_depth(0)  # patterns rooted at this very call
                for index, captures in cursor.matches(call, predicate):
                    out.append((keyed.patterns[index], captures))
        return out

    def _cursor(self, query: ts.Query) -> ts.QueryCursor:
        cursor = ts.QueryCursor(query, match_limit=self.match_limit)
        cursor.set_max_start_depth(MAX_START_DEPTH)
        return cursor

    def _matches(self, cursor: ts.QueryCursor, tree: ts.Tree, predicate: Callable[..., Any],
                 result: RunResult, byte_range: tuple[int, int] | None
                 ) -> list[tuple[int, dict[str, list[ts.Node]]]]:
        """Run the combined query, within the time budget if there is one.

        py-tree-sitter 0.26.1 crashes (SIGSEGV) whenever ``matches``/``captures`` get a
        progress callback, so the budget is enforced between chunks of top-level statements
        instead: each chunk is one ``set_byte_range`` pass, and the deadline is checked in
        between. Matches spanning two chunks are returned twice and de-duplicated later.
        """
        if self.time_budget is None:
            return cursor.matches(tree.root_node, predicate)
        deadline = time.monotonic() + self.time_budget
        lo, hi = byte_range if byte_range is not None else (0, tree.root_node.end_byte)
        out: list[tuple[int, dict[str, list[ts.Node]]]] = []
        for start, end in _chunks(tree.root_node, lo, hi):
            if time.monotonic() > deadline:
                result.timed_out = True
                log.warning("analysis time budget (%g s) exhausted; bytes %d-%d not analysed",
                            self.time_budget, start, hi)
                break
            cursor.set_byte_range(start, end)
            out.extend(cursor.matches(tree.root_node, predicate))
        return out

    def _finding(self, rule: Rule, captures: Captures, tree: ts.Tree, source: bytes,
                 context: ModuleContext) -> Finding | None:
        nodes = captures.get("finding")
        if not nodes:
            return None
        node = nodes[0]
        message = _message(rule.message, captures, source)
        severity = self.policy.severity(rule, context.path, context.is_test)
        related: tuple[Related, ...] = ()
        fix: Fix | None = None
        drop_fix = False
        exact: tuple[int, int] | None = None
        match = Match(rule, captures, source, tree, context.names, context.path, self.ruleset)
        if rule.check:
            outcome = self.ruleset.checks[rule.check](match)
            if not outcome:
                return None
            if isinstance(outcome, CheckResult):
                node = outcome.node or node
                message = outcome.message or message
                if outcome.severity is not None:
                    severity = min(severity, outcome.severity) if context.is_test else outcome.severity
                related = outcome.related
                fix = outcome.fix
                drop_fix = outcome.drop_fix
                exact = outcome.span
        if fix is None and rule.fix is not None and not drop_fix:
            fix = self._fix(rule, match, tree, source, context)
        span = sup.statement_span(node)
        start, end = exact if exact is not None else (node.start_byte, node.end_byte)
        return Finding(
            rule_id=rule.id,
            start=start,
            end=end,
            message=message,
            severity=severity,
            fix=fix,
            related=related,
            stmt_start=span[0],
            stmt_end=span[1],
            snippet_hash=snippet_hash(rule.id, source, start, end),
        )

    def _fix(self, rule: Rule, match: Match, tree: ts.Tree, source: bytes,
             context: ModuleContext) -> Fix | None:
        assert rule.fix is not None
        extra: list[Edit] = []
        if rule.fix.function:
            produced = self.ruleset.fix_functions[rule.fix.function](match)
            if produced is None:
                return None
            extra = list(produced)
        try:
            return build_fix(rule.fix, match.captures, tree, source, context.names, extra)
        except FixError as exc:
            log.debug("rule %s: no fix here: %s", rule.id, exc)
            return None

    def _suppression(self, rule: Rule, finding: Finding, tree: ts.Tree, source: bytes,
                     context: ModuleContext) -> sup.Suppression | None:
        covering = sup.first_covering(context.file_suppressions, rule)
        if covering is not None:
            return covering
        spec = LANGUAGES.get(context.language or "python")
        leading = spec is not None and spec.leading_comments
        start, end = sup.statement_window(source, (finding.stmt_start, finding.stmt_end), leading_comments=leading)
        return sup.first_covering(sup.comments_in(tree, source, start, end), rule)


def _match_order(match: tuple[int, dict[str, list[ts.Node]]]) -> tuple[int, int]:
    nodes = match[1].get("finding")
    return (nodes[0].start_byte if nodes else -1, match[0])


def unused_suppressions(analysis: Analysis, ruleset: RuleSet) -> list[sup.Suppression]:
    """Suppressions that silenced nothing (``--report-unused-ignores``).

    Bare ``# nosec`` and codes that map to no Vigil rule are left alone: they may be there for
    Bandit or Ruff, which Vigil cannot judge.
    """
    used = {(s.start, s.kind) for _, s in analysis.result.suppressed}
    bandit = {c.upper() for r in ruleset.rules for c in r.bandit}
    ruff = {c.upper() for r in ruleset.rules for c in r.ruff}
    unused: list[sup.Suppression] = []
    for suppression in sup.all_suppressions(analysis.tree, analysis.source):
        if (suppression.start, suppression.kind) in used:
            continue
        if suppression.kind == "nosec" and (suppression.ids is None or not suppression.ids & bandit):
            continue
        if suppression.kind == "noqa" and (suppression.ids is None or not suppression.ids & ruff):
            continue
        unused.append(suppression)
    return unused


__all__ = [
    "Analysis", "Analyzer", "CheckResult", "CompiledLanguage", "Match", "ModuleContext", "Policy",
    "RunResult", "is_test_path", "unused_suppressions",
]
