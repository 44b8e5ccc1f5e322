"""``--fix``, ``--unsafe-fixes`` and ``--diff`` on temporary copies."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.cli.helpers import CLEAN, YAML_BAD, Runner, write
from vigil.cli.fixing import choose
from vigil.engine.findings import Edit, Fix
from vigil.rules.model import Applicability

FIXED = YAML_BAD.replace("yaml.load(", "yaml.safe_load(")


def test_fix_writes_safe_fixes_and_reports_counts(project: Path, vigil: Runner) -> None:
    app = write(project / "app.py", YAML_BAD + "\n\nconfig = yaml.load(open('c.yml'))\n")
    run = vigil("check", "--fix", "--color", "never")
    assert run.code == 0
    assert app.read_text(encoding="utf-8") == FIXED + "\n\nconfig = yaml.safe_load(open('c.yml'))\n"
    assert "Fixed 2 findings in 1 file; 0 remaining." in run.out
    assert "No findings in 1 file checked." in run.out
    assert vigil("check").code == 0


def test_files_without_fixes_are_never_touched(project: Path, vigil: Runner) -> None:
    clean = write(project / "clean.py", CLEAN)
    write(project / "app.py", YAML_BAD)
    os.utime(clean, (1_000_000, 1_000_000))
    before = clean.stat()
    vigil("check", "--fix")
    after = clean.stat()
    assert (after.st_ino, after.st_mtime) == (before.st_ino, before.st_mtime)


def test_fix_preserves_crlf_bom_and_permissions(project: Path, vigil: Runner) -> None:
    crlf = YAML_BAD.replace("\n", "\r\n").encode()
    app = write(project / "app.py", b"\xef\xbb\xbf" + crlf)
    os.chmod(app, 0o640)
    run = vigil("check", "--fix")
    assert run.code == 0, run.out + run.err
    data = app.read_bytes()
    assert data == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(app.stat().st_mode) == 0o640
    assert not [p for p in project.iterdir() if p.name.endswith(".vigil-tmp")]


def test_fix_follows_symlinks(project: Path, vigil: Runner) -> None:
    real = write(project / "real" / "app.py", YAML_BAD)
    link = project / "link.py"
    os.symlink(real, link)
    assert vigil("check", "link.py", "--fix").code == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == FIXED


def test_unsafe_fixes_need_the_flag(project: Path, vigil: Runner, review_rule_dir: Path) -> None:
    app = write(project / "app.py", "dangerous(1)\n")
    run = vigil("check", "--rule-dir", str(review_rule_dir), "--fix")
    assert run.code == 1
    assert app.read_text(encoding="utf-8") == "dangerous(1)\n"
    run = vigil("check", "--rule-dir", str(review_rule_dir), "--fix", "--unsafe-fixes")
    assert run.code == 0
    assert app.read_text(encoding="utf-8") == "careful(1)\n"


def test_diff_prints_without_writing_and_applies_with_patch(project: Path, vigil: Runner,
                                                            review_rule_dir: Path) -> None:
    source = YAML_BAD + "dangerous(2)\n"
    app = write(project / "app.py", source)
    run = vigil("check", "--diff", "--rule-dir", str(review_rule_dir))
    assert run.code == 1  # nothing was written, so the findings still stand
    assert app.read_text(encoding="utf-8") == source
    assert run.out.startswith("--- a/app.py\n+++ b/app.py\n")
    assert "-    return yaml.load(stream)\n+    return yaml.safe_load(stream)\n" in run.out
    assert "careful" not in run.out
    assert "Would fix 1 finding in 1 file." in run.err
    unsafe = vigil("check", "--diff", "--unsafe-fixes", "--rule-dir", str(review_rule_dir)).out
    assert "+careful(2)\n" in unsafe
    subprocess.run(["patch", "-p1", "--quiet"], input=unsafe, text=True, cwd=project, check=True)
    assert app.read_text(encoding="utf-8") == FIXED + "careful(2)\n"


def test_diff_marks_a_missing_final_newline(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD.rstrip("\n"))
    out = vigil("check", "--diff").out
    assert out.endswith("+    return yaml.safe_load(stream)\n\\ No newline at end of file\n")


def _fix(title: str, *edits: tuple[int, int, str]) -> Fix:
    return Fix(title, Applicability.SAFE, tuple(Edit(*e) for e in edits))


def test_choose_skips_overlapping_fixes_and_shares_identical_edits() -> None:
    imports = (0, 0, "import os\n")
    first = _fix("a", (10, 20, "x"), imports)
    overlapping = _fix("b", (15, 25, "y"))
    same_import = _fix("c", (30, 35, "z"), imports)
    same_point = _fix("d", (40, 40, "p"))
    same_point_again = _fix("e", (40, 40, "q"))
    chosen, edits = choose([first, overlapping, same_import, same_point, same_point_again])
    assert [f.title for f in chosen] == ["a", "c", "d"]
    assert sorted(edits) == sorted([Edit(10, 20, "x"), Edit(0, 0, "import os\n"), Edit(30, 35, "z"),
                                    Edit(40, 40, "p")])


def test_overlapping_fixes_are_applied_over_several_rounds(project: Path, vigil: Runner,
                                                          tmp_path_factory) -> None:
    # Two rules whose fixes touch the same node: the second applies in a later round, against
    # the re-analysed text.
    rules = tmp_path_factory.mktemp("overlap")
    write(rules / "python" / "TST002-wrap.toml", '''
id = "TST002"
title = "risky() call"
severity = "low"
cwe = [20]
message = "risky"
query = """(call function: (identifier) @_fn (#eq? @_fn "risky")) @finding"""
[fix]
title = "rename"
applicability = "safe"
edits = [{ op = "replace", capture = "finding", text = "dangerous(0)" }]
[docs]
why = "w"
fix = "f"
[[examples]]
kind = "vulnerable"
code = "risky()\\n"
fixed = "dangerous(0)\\n"
[[examples]]
kind = "safe"
code = "fine()\\n"
''')
    write(rules / "python" / "TST003-wrap.toml", '''
id = "TST003"
title = "dangerous() call"
severity = "low"
cwe = [20]
message = "dangerous"
query = """(call function: (identifier) @_fn (#eq? @_fn "dangerous")) @finding"""
[fix]
title = "rename"
applicability = "safe"
edits = [{ op = "replace", capture = "_fn", text = "careful" }]
[docs]
why = "w"
fix = "f"
[[examples]]
kind = "vulnerable"
code = "dangerous()\\n"
fixed = "careful()\\n"
[[examples]]
kind = "safe"
code = "fine()\\n"
''')
    app = write(project / "app.py", "risky()\n")
    run = vigil("check", "--rule-dir", str(rules), "--fix", "--color", "never")
    assert app.read_text(encoding="utf-8") == "careful(0)\n"
    assert "Fixed 2 findings in 1 file; 0 remaining." in run.out


BREAKING_RULE = '''
id = "TST004"
title = "oops() call"
severity = "low"
cwe = [20]
message = "oops"
query = """(call function: (identifier) @_fn (#eq? @_fn "oops")) @finding"""
[fix]
title = "a broken fix"
applicability = "safe"
edits = [{ op = "replace", capture = "finding", text = "oops((" }]
[docs]
why = "w"
fix = "f"
[[examples]]
kind = "vulnerable"
code = "oops()\\n"
[[examples]]
kind = "safe"
code = "fine()\\n"
'''


def test_a_fix_that_breaks_the_syntax_is_not_applied(project: Path, vigil: Runner, tmp_path_factory) -> None:
    rules = tmp_path_factory.mktemp("breaking")
    write(rules / "python" / "TST004-oops.toml", BREAKING_RULE)
    app = write(project / "app.py", YAML_BAD + "oops()\n")
    run = vigil("check", "--rule-dir", str(rules), "--fix", "--color", "never")
    assert app.read_text(encoding="utf-8") == FIXED + "oops()\n"  # the good fix still applied
    assert "app.py: a fix would have broken the syntax; not applied" in run.err
    assert "Fixed 1 finding in 1 file; 1 remaining." in run.out
    assert run.code == 1
