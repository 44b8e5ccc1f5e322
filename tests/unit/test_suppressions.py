"""Suppression comments: vigil, nosec and noqa; any line of a multi-line statement."""

from __future__ import annotations

import pytest

from vigil.engine.runner import Analyzer, unused_suppressions
from vigil.engine.suppressions import parse_comment
from vigil.rules.loader import RuleSet


def _des002(analyzer: Analyzer, code: str) -> tuple[int, int]:
    analysis = analyzer.analyze(code.encode(), path="app/x.py")
    active = [f for f in analysis.findings if f.rule_id == "DES002"]
    silenced = [f for f, _ in analysis.result.suppressed if f.rule_id == "DES002"]
    return len(active), len(silenced)


@pytest.mark.parametrize(
    "comment",
    [
        "# vigil: ignore",
        "# vigil: ignore[DES002]",
        "# vigil: ignore[INJ001, DES002] -- config is shipped with the image",
        "# nosec",
        "# nosec B506",
        "# nosec: B506, B602",
        "# noqa: S506",
        "# type: ignore  # noqa: E501,S506",
    ],
)
def test_suppression_forms(analyzer: Analyzer, comment: str) -> None:
    code = f"import yaml\ndata = yaml.load(stream)  {comment}\n"
    assert _des002(analyzer, code) == (0, 1)


@pytest.mark.parametrize(
    "comment",
    ["# vigil: ignore[INJ001]", "# nosec B602", "# noqa: S602", "# noqa", "# noqa: E501", "# a comment"],
)
def test_non_matching_suppressions(analyzer: Analyzer, comment: str) -> None:
    code = f"import yaml\ndata = yaml.load(stream)  {comment}\n"
    assert _des002(analyzer, code) == (1, 0)


@pytest.mark.parametrize("line", [1, 2, 3, 4])
def test_any_line_of_multiline_statement(analyzer: Analyzer, line: int) -> None:
    lines = ["data = yaml.load(", "    stream,", "    # filler", ")"]
    lines[line - 1] += "  # vigil: ignore[DES002]"
    code = "import yaml\n" + "\n".join(lines) + "\n"
    assert _des002(analyzer, code) == (0, 1)


def test_compound_statement_header_only(analyzer: Analyzer) -> None:
    code = (
        "import yaml\n"
        "with open(p) as fh:  # vigil: ignore\n"
        "    data = yaml.load(fh)\n"
    )
    assert _des002(analyzer, code) == (1, 0)
    code = "import yaml\nif yaml.load(fh):  # nosec\n    pass\n"
    assert _des002(analyzer, code) == (0, 1)


def test_suppression_inside_string_is_not_a_comment(analyzer: Analyzer) -> None:
    code = 'import yaml\ndata = yaml.load("# nosec")\n'
    assert _des002(analyzer, code) == (1, 0)


def test_file_level_suppression(analyzer: Analyzer) -> None:
    code = "# vigil: ignore-file[DES002] -- fixtures\nimport yaml\na = yaml.load(x)\nb = yaml.load(y)\n"
    assert _des002(analyzer, code) == (0, 2)


def test_crlf_and_lone_cr_lines(analyzer: Analyzer) -> None:
    code = "import yaml\r\ndata = yaml.load(s)  # nosec\r\nother = yaml.load(t)\r\n"
    assert _des002(analyzer, code) == (1, 1)
    code = "import yaml\rdata = yaml.load(s)  # nosec\rother = yaml.load(t)\r"
    assert _des002(analyzer, code) == (1, 1)


def test_reason_is_parsed() -> None:
    (s,) = parse_comment("# vigil: ignore[DES002, INJ001] -- trusted input", 0, 10)
    assert s.kind == "vigil" and s.ids == frozenset({"DES002", "INJ001"})
    assert s.reason == "trusted input"


def test_unused_suppressions(analyzer: Analyzer, ruleset: RuleSet) -> None:
    code = (
        "import yaml\n"
        "a = yaml.load(x)  # vigil: ignore[DES002]\n"
        "b = 1  # vigil: ignore[DES002]\n"
        "c = 2  # nosec\n"
        "d = 3  # noqa: E501\n"
        "e = 4  # nosec B506\n"
    )
    analysis = analyzer.analyze(code.encode(), path="app/x.py")
    unused = unused_suppressions(analysis, ruleset)
    lines = sorted(code.encode().count(b"\n", 0, s.start) + 1 for s in unused)
    # Bare nosec and non-Vigil noqa codes are left for Bandit/Ruff to judge.
    assert lines == [3, 6]
