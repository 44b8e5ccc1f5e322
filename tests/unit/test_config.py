"""``[tool.vigil]`` parsing, validation, merging with editor settings, and the engine policy."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vigil.config import Config, ConfigError, load_config, load_config_file
from vigil.engine.runner import Analyzer
from vigil.rules.loader import RuleSet
from vigil.rules.model import Severity

YAML_BAD = "import yaml\nx = yaml.load(open('f'))\n"


def write_pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.root is None
    assert config.fail_on is Severity.LOW
    assert config.test_severity is Severity.LOW
    assert config.max_file_size == 2_000_000


def test_every_key_is_parsed(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, """
        [tool.vigil]
        select = ["inj", "DES002"]
        ignore = ["WEB002"]
        exclude = ["build/", "migrations/*.py"]
        per-path-ignores = { "tests/**" = ["WEB010", "SEC"] }
        severity = { "WEB002" = "low" }
        test-severity = "same"
        rule-dirs = ["./security-rules"]
        fail-on = "high"
        max-file-size = 1000
    """)
    config = load_config(tmp_path / "src" / "app.py")
    assert config.select == ("INJ", "DES002")
    assert config.ignore == ("WEB002",)
    assert config.exclude == ("build/", "migrations/*.py")
    assert config.per_path_ignores == {"tests/**": ("WEB010", "SEC")}
    assert config.severity == {"WEB002": Severity.LOW}
    assert config.test_severity is None
    assert config.rule_dirs == (tmp_path / "security-rules",)
    assert config.fail_on is Severity.HIGH
    assert config.max_file_size == 1000
    assert config.root == tmp_path
    assert config.source == path


def test_nearest_pyproject_with_a_vigil_table_wins(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.vigil]\nignore = ["DES"]\n')
    write_pyproject(tmp_path / "pkg", '[project]\nname = "pkg"\n')  # no [tool.vigil]: skipped
    write_pyproject(tmp_path / "pkg" / "sub", '[tool.vigil]\nfail-on = "critical"\n')
    assert load_config(tmp_path / "pkg").ignore == ("DES",)
    sub = load_config(tmp_path / "pkg" / "sub" / "x.py")
    assert sub.fail_on is Severity.CRITICAL and sub.ignore == ()


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ('selec = ["INJ"]', "selec", "unknown key"),
        ('select = "INJ"', "select", "expected a list"),
        ('ignore = ["not an id"]', "ignore", "is not a rule id"),
        ('severity = { DES002 = "urgent" }', "severity.DES002", "unknown severity"),
        ('fail-on = 3', "fail-on", "expected a severity"),
        ("max-file-size = -1", "max-file-size", "positive number"),
        ("max-file-size = true", "max-file-size", "positive number"),
        ('per-path-ignores = ["tests/"]', "per-path-ignores", "expected a table"),
        ('rule-dirs = "rules"', "rule-dirs", "list of directory paths"),
        ('test-severity = "lowest"', "test-severity", "unknown severity"),
    ],
)
def test_errors_name_file_key_and_problem(tmp_path: Path, body: str, key: str, problem: str) -> None:
    path = write_pyproject(tmp_path, f"[tool.vigil]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert problem in message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, "[tool.vigil\nselect = [\n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_config(tmp_path)
    assert str(path) in str(info.value)


def test_explicit_config_file_forms(tmp_path: Path) -> None:
    bare = tmp_path / "vigil.toml"
    bare.write_text('ignore = ["DES002"]\n', encoding="utf-8")
    assert load_config_file(bare).ignore == ("DES002",)
    nested = tmp_path / "other.toml"
    nested.write_text('[tool.vigil]\nignore = ["SEC"]\n', encoding="utf-8")
    assert load_config_file(nested).ignore == ("SEC",)
    with pytest.raises(ConfigError, match="not found"):
        load_config_file(tmp_path / "missing.toml")
    write_pyproject(tmp_path / "p", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool.vigil\] table"):
        load_config_file(tmp_path / "p" / "pyproject.toml")


def test_select_ignore_precedence_most_specific_wins() -> None:
    config = Config(select=("DES",), ignore=("DES002",))
    assert config.rule_enabled("DES001")
    assert not config.rule_enabled("DES002")
    assert not config.rule_enabled("INJ001")  # not selected
    specific_select = Config(select=("DES002",), ignore=("DES",))
    assert specific_select.rule_enabled("DES002")
    assert not specific_select.rule_enabled("DES001")
    tie = Config(select=("DES",), ignore=("DES",))
    assert not tie.rule_enabled("DES001")
    assert Config(select=("",)).rule_enabled("ANY001")  # "ALL" is stored as the empty prefix


def test_per_path_ignores_are_relative_to_the_config_root(tmp_path: Path) -> None:
    config = Config(per_path_ignores={"tests/**": ("DES",)}, root=tmp_path)
    assert not config.rule_enabled("DES002", tmp_path / "tests" / "unit" / "test_x.py")
    assert config.rule_enabled("DES002", tmp_path / "src" / "tests.py")
    assert config.rule_enabled("SEC001", tmp_path / "tests" / "test_x.py")


def test_per_path_ignores_accept_cwd_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(per_path_ignores={"pkg/legacy/*.py": ("DES002",)}, root=tmp_path)
    monkeypatch.chdir(tmp_path)
    assert not config.rule_enabled("DES002", "pkg/legacy/old.py")
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path / "pkg")
    assert not config.rule_enabled("DES002", "legacy/old.py")


def test_exclude_matches_directories_and_files(tmp_path: Path) -> None:
    config = Config(exclude=("build/", "migrations/*.py"), root=tmp_path)
    assert config.excluded(tmp_path / "build", is_dir=True)
    assert config.excluded(tmp_path / "build" / "x.py")
    assert config.excluded(tmp_path / "migrations" / "0001.py")
    assert not config.excluded(tmp_path / "src" / "build.py")
    assert not Config().excluded(tmp_path / "build", is_dir=True)


def test_severity_override_and_test_ceiling(ruleset: RuleSet) -> None:
    rule = ruleset.by_id("DES002")
    assert rule is not None and rule.severity is Severity.HIGH
    assert Config().rule_severity(rule, is_test=False) is Severity.HIGH
    assert Config().rule_severity(rule, is_test=True) is Severity.LOW
    assert Config(test_severity=None).rule_severity(rule, is_test=True) is Severity.HIGH
    assert Config(severity={"DES": Severity.MEDIUM, "DES002": Severity.CRITICAL}).rule_severity(
        rule, is_test=False) is Severity.CRITICAL
    assert Config(severity={"DES": Severity.MEDIUM}).rule_severity(rule, is_test=False) is Severity.MEDIUM


def test_policy_drives_the_analyzer(ruleset: RuleSet) -> None:
    source = YAML_BAD.encode()
    findings = Analyzer(ruleset, Config().policy()).analyze(source, "app.py").findings
    assert [f.rule_id for f in findings] == ["DES002"]
    assert findings[0].severity is Severity.HIGH
    ignored = Analyzer(ruleset, Config(ignore=("DES",)).policy()).analyze(source, "app.py").findings
    assert ignored == []
    lowered = Analyzer(ruleset, Config(severity={"DES002": Severity.LOW}).policy()).analyze(source, "app.py")
    assert [f.severity for f in lowered.findings] == [Severity.LOW]
    in_tests = Analyzer(ruleset, Config().policy()).analyze(source, "tests/test_app.py")
    assert [f.severity for f in in_tests.findings] == [Severity.LOW]


def test_merged_overlays_editor_settings(tmp_path: Path) -> None:
    base = Config(select=("DES",), severity={"DES001": Severity.LOW}, per_path_ignores={"a/**": ("DES",)},
                  root=tmp_path)
    merged = base.merged({
        "enable": True, "run": "onType", "workspaceScan": "workspace", "logLevel": "debug",
        "select": [],  # the editor default: must not wipe the project's select
        "ignore": ["DES003"],
        "severityOverrides": {"DES002": "critical"},
        "perPathIgnores": {"b/**": ["DES002"]},
        "ruleDirs": ["extra-rules"],
    })
    assert merged.select == ("DES",)
    assert merged.ignore == ("DES003",)
    assert merged.severity == {"DES001": Severity.LOW, "DES002": Severity.CRITICAL}
    assert merged.per_path_ignores == {"a/**": ("DES",), "b/**": ("DES002",)}
    assert merged.rule_dirs == (tmp_path / "extra-rules",)
    assert merged.root == tmp_path
    assert base.select == ("DES",) and base.ignore == ()  # frozen: the original is unchanged
    assert hash(merged) != hash(base)
    assert hash(base.merged({})) == hash(base) and base.merged({}) == base


def test_merged_rejects_unknown_and_invalid_settings() -> None:
    with pytest.raises(ConfigError, match=r"editor settings: vigil.bogus: unknown key"):
        Config().merged({"bogus": 1})
    with pytest.raises(ConfigError, match=r"vigil.severity.DES002: unknown severity"):
        Config().merged({"severityOverrides": {"DES002": "severe"}})
