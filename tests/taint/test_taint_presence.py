"""``presence.may_have_sources``: the analysis-free "can untrusted data occur here at all" test
that lets ``tainted_by`` skip files without sources. It must never say "no" when an analysis
could find a real fact (direct sources, tainted parameters, helper modules, transitively)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from vigil.engine.languages import parse
from vigil.engine.names import collect_names
from vigil.engine.runner import Analyzer
from vigil.engine.taint import file_taint, presence, spec_for, tainted_by
from vigil.rules.loader import load_rules


def verdict(code: str, path: Path | None = None) -> bool:
    source = textwrap.dedent(code).encode()
    tree = parse(source)
    state = file_taint(tree, source, collect_names(tree), spec_for(), str(path) if path else None)
    return presence.may_have_sources(state)


@pytest.mark.parametrize("code", [
    "import subprocess\nsubprocess.run(input(), shell=True)\n",
    "import sys\ndef main():\n    run(sys.argv[1])\n",
    "from flask import request as r\ndef view():\n    return r.args['q']\n",
    "import flask\ndef view():\n    return flask.request.args['q']\n",
    "def handler(request):\n    return request\n",
    "def lambda_handler(event, context):\n    return event\n",
    "from getpass import getpass as ask\nprint(ask())\n",
])
def test_sources_are_seen(code: str) -> None:
    assert verdict(code)


@pytest.mark.parametrize("code", [
    "import subprocess\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\nrun('ls')\n",
    "import os\nos.system('echo ' + os.sep)\n",
    "def f(args):\n    return args.strip()\n",
])
def test_files_without_sources(code: str) -> None:
    assert not verdict(code)


def test_without_sources_every_sink_has_no_path() -> None:
    source = b"import subprocess\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\nrun(x)\n"
    tree = parse(source)
    state = file_taint(tree, source, collect_names(tree), spec_for(), None)
    sink = tree.root_node.descendant_for_byte_range(source.index(b"cmd, shell"), source.index(b"cmd, shell") + 3)
    assert sink is not None and sink.type == "identifier"
    assert tainted_by(state, sink, "command", frozenset({"user", "remote"})) == []
    assert state.may_have_sources is False
    assert not state._flows, "no analysis runs for a file without sources"


def test_helper_modules_are_followed_transitively(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("from deeper import read\ndef get_cmd():\n    return read()\n")
    (tmp_path / "deeper.py").write_text("def read():\n    return input()\n")
    main = tmp_path / "main.py"
    code = "import os\nfrom helpers import get_cmd\nos.system(get_cmd())\n"
    assert verdict(code, main)
    (tmp_path / "deeper.py").write_text("def read():\n    return 'ls'\n")
    assert not verdict(code, main)


def test_helper_without_the_function_contributes_nothing(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def other():\n    return input()\n")
    assert not verdict("import os\nfrom helpers import get_cmd\nos.system(get_cmd())\n", tmp_path / "main.py")
    assert verdict("import os\nfrom helpers import other\nos.system(other())\n", tmp_path / "main.py")


def test_findings_through_a_helper_are_kept(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def get_cmd():\n    return input()\n")
    main = tmp_path / "main.py"
    source = "import os\nfrom helpers import get_cmd\nos.system(get_cmd())\n"
    main.write_text(source)
    analyzer = Analyzer(load_rules())
    analysis = analyzer.analyze(source.encode(), path=str(main))
    assert any(f.rule_id.startswith("INJ") for f in analysis.findings), analysis.findings
