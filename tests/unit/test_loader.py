"""Rule loading: every broken rule is reported with file, line and reason; the others load."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.engine.runner import Analyzer
from vigil.rules.loader import load_rules

GOOD = '''
id = "USR001"
title = "No eval"
severity = "high"
cwe = [95]
message = "eval on {_arg}"
query = """
(call function: (identifier) @_fn arguments: (argument_list . (_) @_arg)
  (#qualified? @_fn "eval")) @finding
"""
[docs]
why = "Runs code."
fix = "Do not."
[[examples]]
kind = "vulnerable"
code = "eval(x)\\n"
lines = [1]
[[examples]]
kind = "safe"
code = "int(x)\\n"
'''


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / "python" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_extra_rule_directory_loads_and_runs(tmp_path: Path) -> None:
    _write(tmp_path, "USR001-no-eval.toml", GOOD)
    rules = load_rules(extra_directories=[tmp_path])
    assert not rules.errors
    assert rules.by_id("USR001") is not None and rules.by_id("DES002") is not None
    analysis = Analyzer(rules).analyze(b"eval(data)\n")
    assert [(f.rule_id, f.message) for f in analysis.findings] == [("USR001", "eval on data")]


@pytest.mark.parametrize(
    ("name", "text", "reason", "line"),
    [
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace('cwe = [95]', 'cwe = [95'),
         "invalid TOML", 6),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace("(#qualified?", "(#bogus?"),
         "unknown predicate(s) #bogus?", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace('(#qualified? @_fn "eval")',
                                                                         '(#set! provider "x")'),
         "unknown predicate(s) #set!", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace("@finding", "@other"),
         "must capture the flagged node as @finding", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace("(call function:", "(cal function:"),
         "invalid query", None),
        ("USR002-x.toml", GOOD, "the file name says 'USR002'", None),
        ("bad-name.toml", GOOD, "file name must be", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace('severity = "high"', 'severity = "urgent"'),
         "unknown severity", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"').replace("[[examples]]\nkind = \"safe\"", "[[examples]]\nkind = \"vulnerable\""),
         "at least one vulnerable and one safe example", None),
        ("USR002-x.toml", 'check = "evil_module:run"\n' + GOOD.replace('"USR001"', '"USR002"'),
         "not trusted", None),
        ("USR002-x.toml", GOOD.replace('"USR001"', '"USR002"') + 'chek = "typo"\n',
         "unknown key(s) in 'examples': chek", None),
    ],
)
def test_broken_rule_is_reported_and_others_survive(
    tmp_path: Path, name: str, text: str, reason: str, line: int | None
) -> None:
    _write(tmp_path, "USR001-no-eval.toml", GOOD)
    bad = _write(tmp_path, name, text)
    rules = load_rules(extra_directories=[tmp_path])
    assert len(rules.errors) == 1, rules.errors
    error = rules.errors[0]
    assert error.path == bad
    assert reason in error.reason
    if line is not None:
        assert error.line == line
    assert str(error).startswith(str(bad))
    assert rules.by_id("USR001") is not None and rules.by_id("DES002") is not None


def test_trusted_directory_may_load_python(tmp_path: Path) -> None:
    # Any importable callable will do: what matters is that trust unlocks Python references.
    _write(tmp_path, "USR001-no-eval.toml", 'check = "operator:truth"\n' + GOOD)
    assert "not trusted" in load_rules(extra_directories=[tmp_path]).errors[0].reason
    rules = load_rules(extra_directories=[tmp_path], trusted_directories=[tmp_path])
    assert not rules.errors
    assert [f.rule_id for f in Analyzer(rules).analyze(b"eval(x)\n").findings] == ["USR001"]


def test_missing_directory_is_an_error_not_a_crash(tmp_path: Path) -> None:
    rules = load_rules(extra_directories=[tmp_path / "nope"])
    assert [e.reason for e in rules.errors] == ["rule directory does not exist"]
    assert rules.rules


def test_later_directory_overrides_rule_id(tmp_path: Path) -> None:
    override = GOOD.replace('"USR001"', '"DES002"')
    _write(tmp_path, "DES002-my-yaml.toml", override)
    rules = load_rules(extra_directories=[tmp_path])
    assert rules.by_id("DES002").slug == "my-yaml"


def test_fingerprint_changes_with_rules(tmp_path: Path) -> None:
    base = load_rules().fingerprint
    _write(tmp_path, "USR001-no-eval.toml", GOOD)
    assert load_rules(extra_directories=[tmp_path]).fingerprint != base
