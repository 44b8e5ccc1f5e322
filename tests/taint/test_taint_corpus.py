"""The paired taint corpus: every class reaches the issue's goal (>= 90 % TPR, <= 10 % FPR)
and has at least ten vulnerable/safe pairs of the same shape."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from vigil.engine.runner import Analyzer

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("taint_scores", ROOT / "scripts" / "taint_scores.py")
assert _spec is not None and _spec.loader is not None
scores_module = importlib.util.module_from_spec(_spec)
sys.modules["taint_scores"] = scores_module
_spec.loader.exec_module(scores_module)

CASES = scores_module.load_corpus()
CLASSES = sorted({case.vuln_class for case in CASES})
#: The classes the issue lists, each of which must have a corpus file.
REQUIRED = {"sql", "command", "path", "xpath", "ldap", "ssrf", "redirect", "xss", "template",
            "deserialization", "trust_boundary", "cookie", "header", "log", "llm"}


def test_every_required_class_has_ten_pairs() -> None:
    pairs = scores_module.pairs_per_class(CASES)
    missing = REQUIRED - set(pairs)
    assert not missing, f"no corpus for {sorted(missing)}"
    thin = {cls: n for cls, n in pairs.items() if n < 10}
    assert not thin, f"fewer than 10 pairs: {thin}"


def test_corpus_rule_ids_exist(ruleset) -> None:
    known = {rule.id for rule in ruleset.rules}
    for case in CASES:
        assert case.rules <= known, f"{case.file.name}: unknown rule ids {sorted(case.rules - known)}"


@pytest.mark.parametrize("vuln_class", CLASSES)
def test_class_meets_goal(analyzer: Analyzer, vuln_class: str) -> None:
    cases = [c for c in CASES if c.vuln_class == vuln_class]
    detects = {i: scores_module.vigil_detects(analyzer, case) for i, case in enumerate(cases)}
    score = scores_module.score(cases, detects)[vuln_class]
    assert score.tpr >= 0.9 and score.fpr <= 0.1, "\n".join(score.misses)
