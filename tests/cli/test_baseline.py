"""``--write-baseline`` / ``--baseline``: only new findings, matched across code moves."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from tests.cli.helpers import Runner, write

TWO = textwrap.dedent("""\
    import pickle
    import yaml


    def read(stream):
        return yaml.load(stream)


    def restore(blob):
        return pickle.loads(blob)
    """)

#: The same two findings, moved: new code above them, the functions swapped and re-indented
#: into a class.
MOVED = textwrap.dedent("""\
    import pickle
    import yaml

    VERSION = 3
    NAMES = ["a", "b"]


    class Store:
        def restore(self, blob):
            return pickle.loads(blob)

        def read(self, stream):
            return yaml.load(stream)
    """)


def _rules(out: str) -> list[tuple[str, int]]:
    return [(f["rule"], f["line"]) for f in json.loads(out)["findings"]]


def test_write_then_compare(project: Path, vigil: Runner) -> None:
    write(project / "src" / "app.py", TWO)
    wrote = vigil("check", "--write-baseline", "vigil-baseline.json")
    assert wrote.code == 0
    assert "wrote 2 findings to the baseline" in wrote.err
    data = json.loads((project / "vigil-baseline.json").read_text())
    assert data["format"] == "vigil-baseline"
    assert {(f["rule"], f["path"]) for f in data["findings"]} == {("DES002", "src/app.py"),
                                                                   ("DES001", "src/app.py")}
    same = vigil("check", "--baseline", "vigil-baseline.json")
    assert same.code == 0
    assert "2 findings already in the baseline (not shown)." in same.out


def test_findings_survive_code_moves(project: Path, vigil: Runner) -> None:
    write(project / "src" / "app.py", TWO)
    assert vigil("check", "--write-baseline", "base.json").code == 0
    write(project / "src" / "app.py", MOVED)
    moved = vigil("check", "--baseline", "base.json", "--format", "json")
    assert moved.code == 0, moved.out
    assert _rules(moved.out) == []


def test_new_findings_are_reported(project: Path, vigil: Runner) -> None:
    write(project / "src" / "app.py", TWO)
    assert vigil("check", "--write-baseline", "base.json").code == 0
    write(project / "src" / "app.py", TWO + "\n\ndef again(s):\n    return yaml.load(s, Loader=yaml.Loader)\n")
    write(project / "src" / "other.py", "import yaml\n\ndef read(stream):\n    return yaml.load(stream)\n")
    run = vigil("check", "--baseline", "base.json", "--format", "json")
    assert run.code == 1
    found = json.loads(run.out)["findings"]
    assert sorted((f["path"], f["rule"]) for f in found) == [("src/app.py", "DES002"), ("src/other.py", "DES002")]


def test_identical_findings_are_counted(project: Path, vigil: Runner) -> None:
    one = "import yaml\n\ndef a(s):\n    return yaml.load(s)\n"
    write(project / "app.py", one)
    assert vigil("check", "--write-baseline", "base.json").code == 0
    write(project / "app.py", one + "\ndef b(s):\n    return yaml.load(s)\n")
    run = vigil("check", "--baseline", "base.json", "--format", "json")
    assert run.code == 1
    assert len(_rules(run.out)) == 1  # one of the two identical calls is new


def test_paths_are_relative_to_the_baseline_file(project: Path, vigil: Runner) -> None:
    write(project / "src" / "app.py", TWO)
    assert vigil("check", "--write-baseline", "ci/base.json").code == 0
    assert json.loads((project / "ci" / "base.json").read_text())["findings"][0]["path"] == "../src/app.py"
    os.chdir(project / "src")
    run = vigil("check", ".", "--baseline", "../ci/base.json")
    assert run.code == 0, run.out


def test_bad_baselines_are_usage_errors(project: Path, vigil: Runner) -> None:
    write(project / "app.py", TWO)
    missing = vigil("check", "--baseline", "nope.json")
    assert missing.code == 2 and "nope.json: cannot read" in missing.err
    write(project / "junk.json", "{not json")
    assert vigil("check", "--baseline", "junk.json").code == 2
    write(project / "other.json", '{"version": 2}')
    other = vigil("check", "--baseline", "other.json")
    assert other.code == 2 and "not a Vigil baseline" in other.err
    both = vigil("check", "--baseline", "a.json", "--write-baseline", "b.json")
    assert both.code == 2
