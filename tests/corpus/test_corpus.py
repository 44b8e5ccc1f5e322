"""The rule corpus: realistic code snippets with the weaknesses they must (or must not) trigger.

Every ``*.py`` file under ``tests/corpus/python/`` (any depth) is one test case. Its first line
states the expectation:

* ``# expect: CWE-502 CWE-494`` — a vulnerable snippet: each listed CWE must appear among the
  CWEs of the rules that fire on the file (other findings are allowed);
* ``# expect: none`` — a safe look-alike: no rule at all may fire.

Files are analysed under their real path, so rules that read project facts (supply-chain rules
read ``pyproject.toml``/``requirements*.txt`` next to the file) see the corpus as a project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vigil.engine.runner import Analysis, Analyzer

CORPUS = Path(__file__).resolve().parent / "python"
_EXPECT = re.compile(r"^#\s*expect:\s*(?P<spec>.+?)\s*$")
_CWE = re.compile(r"^CWE-(\d+)$")


def _files() -> list[Path]:
    return sorted(CORPUS.rglob("*.py")) if CORPUS.is_dir() else []


def parse_expectation(first_line: str) -> set[int] | None:
    """``None`` for ``# expect: none``, else the set of CWE numbers; ValueError if malformed."""
    found = _EXPECT.match(first_line)
    if not found:
        raise ValueError("first line must be '# expect: none' or '# expect: CWE-<n> [CWE-<m> ...]'")
    spec = found.group("spec")
    if spec.lower() == "none":
        return None
    cwes: set[int] = set()
    for token in spec.replace(",", " ").split():
        number = _CWE.match(token.upper())
        if not number:
            raise ValueError(f"not a CWE id: {token!r}")
        cwes.add(int(number.group(1)))
    return cwes


def test_corpus_is_not_empty() -> None:
    assert _files(), f"no corpus files under {CORPUS}"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_corpus_file(analyzer: Analyzer, path: Path) -> None:
    source = path.read_bytes()
    assert_expectation(analyzer, source, path)


def assert_expectation(analyzer: Analyzer, source: bytes, path: Path) -> Analysis:
    """Check one corpus file against its ``# expect:`` line (shared with the IaC corpus)."""
    expected = parse_expectation(source.split(b"\n", 1)[0].decode("utf-8"))
    analysis = analyzer.analyze(source, path=str(path))
    assert not analysis.result.failures, analysis.result.failures
    rules = {r.id: r for r in analyzer.ruleset.rules}
    lines = {f: source.count(b"\n", 0, f.start) + 1 for f in analysis.findings}
    described = [f"{f.rule_id} line {lines[f]}: {f.message}" for f in analysis.findings]
    if expected is None:
        assert not analysis.findings, "safe corpus file triggered:\n" + "\n".join(described)
        return analysis
    fired = {cwe for f in analysis.findings for cwe in rules[f.rule_id].cwe}
    missing = sorted(expected - fired)
    assert not missing, (
        f"expected CWE(s) {', '.join(f'CWE-{n}' for n in missing)} not reported; findings:\n"
        + ("\n".join(described) or "(none)")
    )
    return analysis
