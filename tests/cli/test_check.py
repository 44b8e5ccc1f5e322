"""``vigil check``: exit codes, text output, selection, configuration errors, discovery."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.helpers import CLEAN, YAML_BAD, Runner, write


def test_exit_codes_follow_fail_on(project: Path, vigil: Runner) -> None:
    write(project / "clean.py", CLEAN)
    assert vigil("check").code == 0
    write(project / "app.py", YAML_BAD)
    assert vigil("check").code == 1
    assert vigil("check", "--fail-on", "critical").code == 0
    assert vigil("check", "--fail-on", "high").code == 1
    write(project / "pyproject.toml", '[tool.vigil]\nfail-on = "critical"\n')
    assert vigil("check").code == 0
    assert vigil("check", "--fail-on", "medium").code == 1  # the flag beats the file


def test_text_output_reads_like_a_linter(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    run = vigil("check", "--color", "never")
    lines = run.out.splitlines()
    assert lines[0].startswith("app.py:5:12: DES002 [high] `yaml.load` can construct")
    assert lines[1] == "  |"
    assert lines[2] == "5 |     return yaml.load(stream)"
    assert lines[3] == "  |            " + "^" * len("yaml.load(stream)")
    assert "  = fix available: Use yaml.safe_load / yaml.SafeLoader (safe)" in lines
    assert "Found 1 finding in 1 file (1 file checked): 1 high." in lines
    assert "1 fixable with --fix." in lines
    assert "\x1b[" not in run.out


def test_columns_count_code_points(project: Path, vigil: Runner) -> None:
    write(project / "app.py", 'import yaml\nx = {"é🙂": yaml.load(s)}\n')
    run = vigil("check", "--color", "never")
    # "x = {" is 5 characters, '"é🙂": ' 6 more: the call starts at character 12, column 12,
    # although it is byte 17 (é is 2 bytes, 🙂 is 4).
    assert run.out.startswith("app.py:2:12: DES002")
    frame = run.out.splitlines()
    caret_line = frame[3]
    # The emoji takes two terminal cells, so the caret is drawn one cell further right.
    assert caret_line.index("^") - len("  | ") == 12


def test_hidden_characters_are_escaped_in_the_frame(project: Path, vigil: Runner) -> None:
    write(project / "app.py", 'import yaml\nx = yaml.load("\u202e")\n')
    out = vigil("check", "--color", "never").out
    assert "<U+202E>" in out
    assert "\u202e" not in out


def test_show_source_quiet_and_color(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    bare = vigil("check", "--no-show-source", "--quiet").out
    assert bare.splitlines()[0].startswith("app.py:5:12: DES002")
    assert " |" not in bare and "Found" not in bare
    assert "\x1b[31m" in vigil("check", "--color", "always").out
    assert "\x1b[" not in vigil("check").out  # auto: a StringIO is not a terminal


def test_output_file(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    run = vigil("check", "--format", "json", "--output", "report.json")
    assert run.code == 1 and run.out == ""
    assert '"rule": "DES002"' in (project / "report.json").read_text(encoding="utf-8")


def test_select_and_ignore(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    assert vigil("check", "--ignore", "DES002").code == 0
    assert vigil("check", "--ignore", "SEC,DES").code == 0
    assert vigil("check", "--select", "SEC001").code == 0
    assert vigil("check", "--select", "SEC001,DES002").code == 1
    write(project / "pyproject.toml", '[tool.vigil]\nignore = ["DES002"]\n')
    assert vigil("check").code == 0
    assert vigil("check", "--no-config").code == 1


def test_unknown_selector_is_a_usage_error(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    run = vigil("check", "--select", "NOPE999")
    assert run.code == 2
    assert "--select: 'NOPE999' matches no rule" in run.err
    write(project / "pyproject.toml", '[tool.vigil]\nignore = ["ZZZ"]\n')
    run = vigil("check")
    assert run.code == 2
    assert f"{project / 'pyproject.toml'}: ignore: 'ZZZ' matches no rule" in run.err


def test_broken_config_exits_2_naming_file_key_problem(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    write(project / "pyproject.toml", '[tool.vigil]\nseverity = { DES002 = "urgent" }\n')
    run = vigil("check")
    assert run.code == 2
    assert str(project / "pyproject.toml") in run.err
    assert "severity.DES002" in run.err and "unknown severity 'urgent'" in run.err
    assert run.out == ""


def test_config_flag(project: Path, vigil: Runner, tmp_path_factory) -> None:
    write(project / "app.py", YAML_BAD)
    elsewhere = tmp_path_factory.mktemp("conf") / "vigil.toml"
    elsewhere.write_text('ignore = ["DES002"]\n', encoding="utf-8")
    assert vigil("check", "--config", str(elsewhere)).code == 0
    run = vigil("check", "--config", "missing.toml")
    assert run.code == 2 and "configuration file not found" in run.err


def test_broken_rule_dir_exits_2_with_location(project: Path, vigil: Runner, tmp_path_factory) -> None:
    rules = tmp_path_factory.mktemp("badrules")
    write(rules / "python" / "BAD001-broken.toml", 'id = "BAD001"\ntitle = "x"\nseverity = \n')
    write(project / "app.py", CLEAN)
    run = vigil("check", "--rule-dir", str(rules))
    assert run.code == 2
    assert f"{rules / 'python' / 'BAD001-broken.toml'}:3: invalid TOML" in run.err


def test_rule_dir_rules_run(project: Path, vigil: Runner, review_rule_dir: Path) -> None:
    write(project / "app.py", "dangerous(1)\n")
    run = vigil("check", "--rule-dir", str(review_rule_dir), "--color", "never")
    assert run.code == 1
    assert "app.py:1:1: TST001 [medium] `dangerous` is dangerous" in run.out
    assert "fix available: Call careful() instead (review)" in run.out
    assert "1 fixable with --fix --unsafe-fixes." in run.out


def test_missing_path_and_bad_flag_combinations(project: Path, vigil: Runner) -> None:
    run = vigil("check", "nowhere.py")
    assert run.code == 2 and "nowhere.py: no such file or directory" in run.err
    assert vigil("check", "--unsafe-fixes").code == 2
    assert vigil("check", "--fix", "--diff").code == 2
    assert vigil("check", "--format", "xml").code == 2
    assert vigil().code == 2
    assert vigil("--version").out.startswith("vigil ")


def test_gitignore_root_nested_and_negated(project: Path, vigil: Runner) -> None:
    write(project / ".gitignore", "generated/\n*_pb2.py\n")
    write(project / "generated" / "a.py", YAML_BAD)
    write(project / "api_pb2.py", YAML_BAD)
    write(project / "pkg" / ".gitignore", "vendored.py\n!keep_pb2.py\n")
    write(project / "pkg" / "vendored.py", YAML_BAD)
    write(project / "pkg" / "keep_pb2.py", YAML_BAD)
    write(project / "pkg" / "real.py", YAML_BAD)
    write(project / "other" / "vendored.py", YAML_BAD)  # the nested .gitignore does not reach here
    out = vigil("check", "--no-show-source", "--quiet").out
    reported = sorted({line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")})
    assert reported == ["other/vendored.py", "pkg/keep_pb2.py", "pkg/real.py"]


def test_gitignore_of_parent_folders_applies_to_a_subfolder_scan(project: Path, vigil: Runner) -> None:
    (project / ".git").mkdir()
    write(project / ".gitignore", "ignored.py\n")
    write(project / "pkg" / "ignored.py", YAML_BAD)
    write(project / "pkg" / "real.py", YAML_BAD)
    out = vigil("check", "pkg", "--no-show-source", "--quiet").out
    assert "pkg/real.py" in out and "ignored.py" not in out


def test_default_excluded_folders_and_virtualenvs(project: Path, vigil: Runner) -> None:
    write(project / "node_modules" / "x.py", YAML_BAD)
    write(project / ".venv" / "lib" / "x.py", YAML_BAD)
    write(project / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(project / "env" / "lib" / "x.py", YAML_BAD)
    write(project / "__pycache__" / "x.py", YAML_BAD)
    run = vigil("check")
    assert run.code == 0, run.out
    assert "No findings in 0 files checked." in run.out


def test_config_exclude_and_explicit_paths(project: Path, vigil: Runner) -> None:
    write(project / "pyproject.toml", '[tool.vigil]\nexclude = ["examples/", "legacy.py"]\n')
    write(project / "examples" / "demo.py", YAML_BAD)
    write(project / "examples" / "sub" / "legacy.py", YAML_BAD)
    write(project / "legacy.py", YAML_BAD)
    write(project / "app.py", CLEAN)
    assert vigil("check").code == 0  # everything with findings is excluded
    # Named paths are checked anyway; patterns still apply inside a named folder.
    out = vigil("check", "examples", "--quiet", "--no-show-source").out
    assert "examples/demo.py:5:12: DES002" in out
    assert "legacy.py" not in out
    assert vigil("check", "legacy.py").code == 1
    assert vigil("check", "examples/sub/legacy.py").code == 1


def test_bad_inputs_are_reported_and_skipped(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    write(project / "latin1.py", b"name = 'caf\xe9'\n")
    write(project / "binary.py", b"x = 1\x00\x01\x02")
    write(project / "huge.py", "x = 1\n" * 50)
    write(project / "pyproject.toml", "[tool.vigil]\nmax-file-size = 200\n")
    os.symlink(project / "gone.py", project / "dangling.py")
    (project / "folder.py").mkdir()  # a directory named like a module: walked, not read
    write(project / "folder.py" / "inner.py", CLEAN)
    run = vigil("check", "--color", "never")
    assert run.code == 1
    assert "app.py:5:12: DES002" in run.out
    assert "vigil: latin1.py: not valid UTF-8 (byte 0xe9 at line 1); skipped" in run.err
    assert "vigil: binary.py: binary file (contains NUL bytes); skipped" in run.err
    assert "vigil: huge.py: 300 bytes, over the max-file-size limit of 200 bytes; skipped" in run.err
    assert "vigil: dangling.py: cannot read: broken symbolic link" in run.err
    assert "Found 1 finding in 1 file (2 files checked)" in run.out
    assert "Skipped 4 files (see messages above)." in run.out


def test_explicit_unreadable_paths(project: Path, vigil: Runner) -> None:
    os.symlink(project / "gone.py", project / "dangling.py")
    run = vigil("check", "dangling.py")
    assert run.code == 0
    assert "dangling.py: cannot read: broken symbolic link" in run.err
    write(project / "notes.txt", "hello")
    run = vigil("check", "notes.txt")
    assert "notes.txt: not a file type Vigil analyses; skipped" in run.err


def test_report_unused_ignores(project: Path, vigil: Runner) -> None:
    write(project / "app.py", (
        "import yaml\n"
        "a = yaml.load(s)  # vigil: ignore[DES002] -- trusted input\n"
        "b = 1  # vigil: ignore[DES002]\n"
        "c = 2  # nosec\n"
    ))
    assert vigil("check").code == 0
    run = vigil("check", "--report-unused-ignores", "--color", "never")
    assert run.code == 1
    assert "app.py:3:8: unused suppression: # vigil: ignore[DES002]" in run.out
    assert "app.py:2:" not in run.out  # that one is used
    assert "app.py:4:" not in run.out  # a bare nosec may be there for Bandit
    assert "1 unused suppression." in run.out
    # A suppression for a rule that is switched off could not have been used.
    assert vigil("check", "--report-unused-ignores", "--ignore", "DES002").code == 0
