"""Shared fixtures: the bundled rule set is loaded once per test session."""

from __future__ import annotations

import pytest

from vigil.engine.runner import Analyzer
from vigil.rules.loader import RuleSet, load_rules


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    rules = load_rules()
    assert not rules.errors, "\n".join(str(e) for e in rules.errors)
    return rules


@pytest.fixture(scope="session")
def analyzer(ruleset: RuleSet) -> Analyzer:
    return Analyzer(ruleset)
