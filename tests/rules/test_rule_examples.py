"""Every rule's own examples, run automatically.

For each vulnerable example: the rule fires exactly on the stated lines; when the rule has a
fix, applying it yields code that parses without ERROR nodes, no longer triggers the rule, and
equals the stated fixed text. For each safe example: the rule does not fire at all.
"""

from __future__ import annotations

import pytest

from vigil.engine.fixes import apply_edits
from vigil.engine.languages import parse
from vigil.engine.runner import Analyzer
from vigil.rules.loader import load_rules
from vigil.rules.model import Example, Rule

_RULES = load_rules()


def _cases(kind: str) -> list[tuple[Rule, int, Example]]:
    return [
        pytest.param(rule, i, ex, id=f"{rule.id}-{kind}-{i}")
        for rule in _RULES.rules
        for i, ex in enumerate(rule.examples)
        if ex.kind == kind
    ]


def _lines(source: bytes, offsets: list[int]) -> list[int]:
    return sorted({source.count(b"\n", 0, o) + 1 for o in offsets})


def _findings(analyzer: Analyzer, rule: Rule, example: Example, code: str):
    source = code.encode("utf-8")
    analysis = analyzer.analyze(source, path=example.path or "app/module.py", language=rule.language)
    assert not analysis.result.failures, analysis.result.failures
    return source, analysis, [f for f in analysis.findings if f.rule_id == rule.id]


def _has_error(source: bytes, language: str) -> bool:
    return parse(source, language).root_node.has_error


def test_rules_loaded() -> None:
    assert not _RULES.errors, "\n".join(str(e) for e in _RULES.errors)
    assert _RULES.rules


@pytest.mark.parametrize(("rule", "index", "example"), _cases("vulnerable"))
def test_vulnerable_example_fires(analyzer: Analyzer, rule: Rule, index: int, example: Example) -> None:
    source, _, found = _findings(analyzer, rule, example, example.code)
    assert found, f"{rule.id} did not fire on its vulnerable example #{index}"
    if example.lines:
        assert _lines(source, [f.start for f in found]) == sorted(example.lines)


@pytest.mark.parametrize(("rule", "index", "example"), _cases("safe"))
def test_safe_example_is_quiet(analyzer: Analyzer, rule: Rule, index: int, example: Example) -> None:
    _, _, found = _findings(analyzer, rule, example, example.code)
    assert not found, f"{rule.id} fired on its safe example #{index}: {[f.message for f in found]}"


@pytest.mark.parametrize(("rule", "index", "example"), _cases("vulnerable"))
def test_fix_clears_finding(analyzer: Analyzer, rule: Rule, index: int, example: Example) -> None:
    if rule.fix is None:
        assert example.fixed is None, f"{rule.id} example #{index} states a fixed text but has no fix"
        return
    source, _, found = _findings(analyzer, rule, example, example.code)
    fixes = [f.fix for f in found if f.fix is not None]
    if example.fixed is None:
        assert not fixes, f"{rule.id} example #{index} produced a fix but states no fixed text"
        return
    assert fixes, f"{rule.id} produced no fix on example #{index}"
    fixed = source
    # Apply fixes one at a time, re-analysing in between, as a user clicking would.
    for _ in range(len(found) + 5):
        _, _, current = _findings(analyzer, rule, example, fixed.decode())
        pending = [f.fix for f in current if f.fix is not None]
        if not pending:
            break
        fixed = apply_edits(fixed, pending[0].edits)
    assert not _has_error(fixed, rule.language), f"fix left a syntax error:\n{fixed.decode()}"
    _, _, remaining = _findings(analyzer, rule, example, fixed.decode())
    assert not remaining, f"fix did not clear {rule.id}:\n{fixed.decode()}"
    assert fixed.decode() == example.fixed
