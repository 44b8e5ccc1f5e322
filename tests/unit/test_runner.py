"""Engine behaviour: modern syntax, broken code, byte ranges, failing rules."""

from __future__ import annotations

from pathlib import Path

from vigil.engine.runner import Analyzer, is_test_path
from vigil.rules.loader import RuleSet, load_rules


def _rules(analyzer: Analyzer, code: str, **kw: object) -> list[tuple[str, int]]:
    source = code.encode()
    analysis = analyzer.analyze(source, **kw)  # type: ignore[arg-type]
    return [(f.rule_id, source.count(b"\n", 0, f.start) + 1) for f in analysis.findings]


def test_modern_syntax_parses_and_runs(analyzer: Analyzer) -> None:
    code = (
        "import yaml\n"
        "type Config = dict[str, object]\n"
        'label = f"{cfg["name"]!r:>{width}} {f"{inner}"}"\n'
        "match command:\n"
        "    case {'action': 'load', 'path': p}:\n"
        "        data = yaml.load(open(p))\n"
        "    case _:\n"
        "        pass\n"
    )
    assert _rules(analyzer, code) == [("DES002", 6)]


def test_broken_code_still_analysed(analyzer: Analyzer) -> None:
    code = (
        "import yaml\n"
        "def half_typed(:\n"
        "    x = [1, 2\n"
        "data = yaml.load(stream)\n"
        "class Broken(\n"
        "other = yaml.unsafe_load(s)\n"
    )
    found = _rules(analyzer, code)
    assert ("DES002", 4) in found or ("DES002", 6) in found


def test_byte_range_restricts_matches(analyzer: Analyzer) -> None:
    source = b"import yaml\na = yaml.load(x)\nb = yaml.load(y)\n"
    analysis = analyzer.analyze(source)
    second = source.index(b"b = ")
    result = analyzer.run(analysis.tree, source, analysis.context, byte_range=(second, len(source)))
    assert [f.start for f in result.findings] == [source.index(b"yaml.load(y)")]


def test_a_failing_check_is_isolated(tmp_path: Path, ruleset: RuleSet) -> None:
    rule_dir = tmp_path / "python"
    rule_dir.mkdir()
    (rule_dir / "USR009-boom.toml").write_text(
        'check = "vigil.rules.checks.__init__:missing"\n', encoding="utf-8")
    rules = load_rules(extra_directories=[tmp_path])
    assert rules.errors and "USR009" in str(rules.errors[0].path)
    boom = load_rules()
    boom.checks["vigil.rules.checks.deserialization:yaml_safe_load_fix"] = _raise
    # Point DES002's fix function at something that raises: the finding survives without a fix.
    analysis = Analyzer(boom).analyze(b"import yaml\nyaml.load(x)\n")
    assert [f.rule_id for f in analysis.findings] == ["DES002"]


def _raise(*_: object) -> None:
    raise RuntimeError("boom")


def test_check_exception_is_reported_not_raised(ruleset: RuleSet) -> None:
    rules = load_rules()
    rule = rules.by_id("DES002")
    assert rule is not None
    object.__setattr__(rule, "check", "boom")
    rules.checks["boom"] = _raise
    try:
        analysis = Analyzer(rules).analyze(b"import yaml\nyaml.load(x)\n")
    finally:
        object.__setattr__(rule, "check", None)
    assert analysis.findings == []
    assert [f.rule_id for f in analysis.result.failures] == ["DES002"]
    assert "boom" in analysis.result.failures[0].message


def test_test_paths() -> None:
    assert is_test_path("tests/unit/x.py")
    assert is_test_path("pkg/test_api.py")
    assert is_test_path("conftest.py")
    assert is_test_path("api_test.py")
    assert not is_test_path("app/testimonials.py")
    assert not is_test_path("app/contest.py")
    assert not is_test_path(None)


def test_finding_json_round_trip(analyzer: Analyzer) -> None:
    from vigil.engine.findings import Finding

    analysis = analyzer.analyze(b"import yaml\nyaml.load(x)\n")
    for finding in analysis.findings:
        assert Finding.from_json(finding.to_json()) == finding


def test_time_budget_marks_timeout(ruleset: RuleSet) -> None:
    source = b"import yaml\n" + b"x = yaml.load(y)\n" * 20000
    analysis = Analyzer(ruleset, time_budget=0.0).analyze(source)
    assert analysis.result.timed_out
