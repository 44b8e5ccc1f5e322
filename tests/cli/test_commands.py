"""``vigil rules``, ``vigil rule``, ``vigil serve``, real subprocess runs, and ``examples/``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tests.cli.helpers import YAML_BAD, Runner, write
from vigil.rules.loader import RuleSet

REPO = Path(__file__).resolve().parents[2]


def test_rules_text_and_json(vigil: Runner, ruleset: RuleSet) -> None:
    text = vigil("rules").out
    assert text.splitlines()[0].split() == ["ID", "SEVERITY", "FIX", "CWE", "TITLE"]
    assert any(line.startswith("DES002  ") and "CWE-502" in line for line in text.splitlines())
    rules = json.loads(vigil("rules", "--format", "json").out)
    assert [r["id"] for r in rules] == [r.id for r in ruleset.rules]
    des002 = next(r for r in rules if r["id"] == "DES002")
    assert des002["fix"] == {"title": "Use yaml.safe_load / yaml.SafeLoader", "applicability": "safe"}
    assert des002["bandit"] == ["B506"] and des002["ruff"] == ["S506"]
    assert des002["source"] == "queries/python/DES002-yaml-unsafe-load.toml"


def test_docs_rules_md_is_current(vigil: Runner) -> None:
    """docs/rules.md is generated; regenerate with `vigil rules --format markdown > docs/rules.md`."""
    generated = vigil("rules", "--format", "markdown").out
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == generated


def test_rules_markdown_content(vigil: Runner, ruleset: RuleSet) -> None:
    markdown = vigil("rules", "--format", "markdown").out
    assert markdown.count("\n## ") == len(ruleset.rules)
    assert "| [DES002](#des002-yaml-loaded-with-a-loader-that-can-build-arbitrary-objects) |" in markdown
    assert "## DES002: YAML loaded with a loader that can build arbitrary objects" in markdown
    assert "- **Equivalents:** Bandit B506; Ruff S506" in markdown
    assert "[CWE-502](https://cwe.mitre.org/data/definitions/502.html)" in markdown
    assert str(REPO) not in markdown  # machine-independent


def test_rule_docs(vigil: Runner) -> None:
    run = vigil("rule", "des002")
    assert run.code == 0
    text = run.out
    for needle in ("DES002 (DES002-yaml-unsafe-load)", "Severity:    high", "CWE:         CWE-502",
                   "Equivalents: Bandit B506; Ruff S506", "Why it matters", "How to fix", "Before",
                   "After (the automatic fix)", "        return yaml.safe_load(stream)", "References",
                   "https://cwe.mitre.org/data/definitions/502.html"):
        assert needle in text, needle
    missing = vigil("rule", "DES02")
    assert missing.code == 2
    assert "no rule 'DES02'. Did you mean DES002" in missing.err


def test_serve_without_a_server_module_is_a_clear_error(vigil: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vigil.lsp.main", None)  # makes the import fail
    run = vigil("serve")
    assert run.code == 2
    assert "language server is not available" in run.err and "vigil.lsp.main" in run.err


def test_serve_calls_the_server_run_function(vigil: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []
    fake = types.ModuleType("vigil.lsp.main")

    def run(tcp: str | None, log_file: str | None, verbose: int) -> int:
        calls.append((tcp, log_file, verbose))
        return 0

    fake.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vigil.lsp.main", fake)
    assert vigil("serve", "--tcp", "127.0.0.1:2087", "--log-file", "s.log", "-vv").code == 0
    assert vigil("serve").code == 0
    assert calls == [("127.0.0.1:2087", "s.log", 2), (None, None, 0)]
    bad = vigil("serve", "--tcp", "localhost")
    assert bad.code == 2 and "HOST:PORT" in bad.err


def _python_m_vigil(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "vigil", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL, check=False)


def test_python_m_vigil_check(project: Path) -> None:
    write(project / "app.py", YAML_BAD)
    done = _python_m_vigil("check", cwd=project)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("app.py:5:12: DES002 [high]")
    assert "\x1b[" not in done.stdout  # a pipe is not a terminal
    done = _python_m_vigil("check", "--format", "sarif", "--fail-on", "critical", cwd=project)
    assert done.returncode == 0
    assert json.loads(done.stdout)["version"] == "2.1.0"


def test_python_m_vigil_check_does_not_import_the_server(project: Path) -> None:
    write(project / "app.py", "x = 1\n")
    code = ("import sys, runpy; sys.argv = ['vigil', 'check']\n"
            "from vigil.cli.main import main\n"
            "rc = main()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pygls', 'lsprotocol', 'vigil.lsp'))))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr


def test_python_m_vigil_usage_error(project: Path) -> None:
    done = _python_m_vigil("check", "--format", "yaml", cwd=project)
    assert done.returncode == 2
    assert "invalid choice: 'yaml'" in done.stderr


def test_examples_show_findings_with_fixes(vigil: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """`examples/` is excluded in the repo's own config, but named explicitly it is scanned."""
    monkeypatch.chdir(REPO)
    run = vigil("check", "examples", "--format", "json")
    assert run.code == 1, run.err
    document = json.loads(run.out)
    files = {f["path"] for f in document["findings"]}
    for name in ("flask_app.py", "fastapi_app.py", "s3_tool.py", "llm_helper.py", "settings.py"):
        assert any(path.endswith(name) for path in files), f"no findings in {name}"
    assert document["summary"]["fixable"]["safe"] >= 5
    assert document["errors"] == []
