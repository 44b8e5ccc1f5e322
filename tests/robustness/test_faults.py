"""Faults: a rule that raises, a slow rule, a config file with errors, a client that vanishes
(stdin closed, or the ``processId`` process dies). The cache faults are not tested: Vigil has
no persistent cache yet."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vigil.engine import runner
from vigil.engine.runner import Analyzer
from vigil.rules.loader import RuleSet, load_rules
from vigil.rules.model import Rule

from tests.robustness.rpc import RawServer, assert_still_serving

SOURCE = b"import yaml\nimport os\ndata = yaml.load(s)\nos.system(cmd)\n"


def _victim(ruleset: RuleSet) -> tuple[Rule, bytes]:
    """A Python rule with a Python check, and code its query matches (its vulnerable example)."""
    for rule in ruleset.rules:
        if rule.language == "python" and rule.check and rule.id != "DES002":
            example = next(e for e in rule.examples if e.kind == "vulnerable")
            return rule, example.code.encode()
    raise AssertionError("no rule with a check")


def test_a_rule_that_raises_is_named_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vigil")  # `vigil check` in-process sets it to CRITICAL
    ruleset = load_rules()
    victim, code = _victim(ruleset)
    def broken(match: object) -> bool:
        raise ZeroDivisionError("boom")
    ruleset.checks[victim.check] = broken  # type: ignore[index]
    analysis = Analyzer(ruleset).analyze(code + b"\n" + SOURCE, "f.py")
    assert (victim.id, "ZeroDivisionError: boom") in [(f.rule_id, f.message) for f in analysis.result.failures]
    assert f"rule {victim.id} failed" in caplog.text
    assert "DES002" in [f.rule_id for f in analysis.findings]


def test_a_slow_rule_is_named_and_stopped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vigil")  # `vigil check` in-process sets it to CRITICAL
    ruleset = load_rules()
    victim, code = _victim(ruleset)
    calls = []
    def slow(match: object) -> bool:
        calls.append(1)
        time.sleep(0.2)
        return True
    ruleset.checks[victim.check] = slow  # type: ignore[index]
    analysis = Analyzer(ruleset, rule_budget=0.5).analyze((code + b"\n") * 20 + SOURCE, "slow.py")
    assert 3 <= len(calls) <= 4  # stopped once over budget, not after all 20 matches
    assert victim.id in [f.rule_id for f in analysis.result.failures]
    assert f"rule {victim.id} exceeded its time budget" in caplog.text
    assert "DES002" in [f.rule_id for f in analysis.findings]
    assert runner.RULE_TIME_BUDGET > 0


def test_config_errors_are_reported_and_defaults_apply(tmp_path: Path, workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text('[tool.vigil]\nselect = "DES"\nnot-a-key = 1\n[broken')
    server = RawServer(tmp_path)
    try:
        server.initialize(workspace, options={"settings": {"run": "sometimes", "maxWorkspaceFiles": -3}})
        assert_still_serving(server, (workspace / "a.py").as_uri())
        (workspace / "pyproject.toml").write_text('[tool.vigil]\nselect = 5\n')
        server.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": (workspace / "pyproject.toml").as_uri(), "type": 2}]})
        assert_still_serving(server, (workspace / "b.py").as_uri())
        log = server.log_text()
    finally:
        server.close()
    assert "pyproject.toml" in log and "'run'" in log and "'maxWorkspaceFiles'" in log


def test_server_exits_when_stdin_closes(tmp_path: Path, workspace: Path) -> None:
    server = RawServer(tmp_path)
    server.initialize(workspace)
    server.open((workspace / "a.py").as_uri(), "import yaml\n" + "yaml.load(s)\n" * 3000)
    assert server.proc.stdin is not None
    server.proc.stdin.close()  # the client vanished mid-analysis
    assert server.proc.wait(30) == 0
    server.close()


def test_server_exits_when_the_parent_process_dies(tmp_path: Path, workspace: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    server = RawServer(tmp_path)
    try:
        server.initialize(workspace, process_id=parent.pid)
        assert_still_serving(server, (workspace / "a.py").as_uri())
        parent.kill()
        parent.wait()  # reap it: a zombie still answers kill(pid, 0)
        started = time.monotonic()
        assert server.proc.wait(15) == 0  # stdin is still open: only the watchdog can end it
        assert time.monotonic() - started < 10
        assert f"the client process {parent.pid} is gone; exiting" in server.log_text()
    finally:
        parent.kill()
        server.close()
