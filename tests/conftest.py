"""Shared fixtures: the bundled rule set is loaded once per test session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vigil.engine.runner import Analysis, Analyzer
from vigil.rules.loader import RuleSet, load_rules


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    rules = load_rules()
    assert not rules.errors, "\n".join(str(e) for e in rules.errors)
    return rules


@pytest.fixture(scope="session")
def analyzer(ruleset: RuleSet) -> Analyzer:
    return Analyzer(ruleset)


@pytest.fixture
def undivided(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], Analysis]:
    """Analyse with one query of every pattern: no ``#match?`` prefilter, no callee dispatch
    and no alias pass. The fast paths must reproduce exactly this."""
    compiled = analyzer.ruleset.compiled["python"]

    def analyse(code: bytes) -> Analysis:
        with monkeypatch.context() as patch:
            patch.setattr(compiled, "query", compiled.unfiltered())
            patch.setattr(compiled, "query_patterns", list(range(len(compiled.all_pattern_rule))))
            patch.setattr(compiled, "dispatch", None)
            patch.setattr(compiled, "segments", None)
            return analyzer.analyze(code, "app.py")

    return analyse
