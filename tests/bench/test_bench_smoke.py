"""CI smoke test of the benchmark scripts in ``bench/``: each runs in ``--quick`` mode (tiny
inputs, one pass) and writes its JSON. Timings are machine-dependent and are never asserted;
what is asserted is that the scripts still work end to end (a real LSP client got the
diagnostics of every edited version back, the peers produced JSON, RSS was read) and that the
edit script restores the original text (same diagnostics as the cold open).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

pytestmark = pytest.mark.xdist_group("bench")  # one at a time: they start servers and tools


def run_quick(name: str, tmp_path: Path) -> dict[str, Any]:
    output = tmp_path / f"{name}.json"
    done = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), "--quick", "--output", str(output)],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False,
                          env={**os.environ, "VIGIL_BENCH_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert data["benchmark"] == name and data["machine"]["cores"]
    return data


def test_keystroke_quick(tmp_path: Path) -> None:
    data = run_quick("keystroke", tmp_path)
    runs = data["runs"]
    assert {(r["encoding"], r["incremental"]) for r in runs} == {("utf-16", True), ("utf-8", True), ("utf-16", False)}
    for run in runs:
        assert run["did_open_ms"] > 0
        for location, stats in run["locations"].items():
            assert stats["n"] == len(stats["samples_ms"]) > 0, location
            assert stats["consistent"], (run["encoding"], location)
    assert data["ratios"] and data["ratios"][0]["full_p50"] > 0


def test_peers_quick(tmp_path: Path) -> None:
    data = run_quick("peers", tmp_path)
    single = data["single"][0]
    assert set(single["process"]) == {"vigil", "bandit", "ruff"}
    assert single["in_process"]["vigil"]["wall_ms"] > 0
    workspace = data["workspace"]
    tools = workspace["tools"]
    assert set(tools) == {"ruff", "bandit", "vigil"}
    assert set(tools["vigil"]) == set(tools["ruff"]) == {"cold", "warm", "one_changed"}
    assert set(tools["bandit"]) == {"cold"}  # no cache: nothing to warm
    for phases in tools.values():
        for run in phases.values():
            assert run["findings"] is not None and run["wall_s"] > 0 and run["cpu_s"] >= 0
            assert run["peak_rss_mib"] > 0
    vigil = tools["vigil"]
    assert vigil["cold"]["findings"] == vigil["warm"]["findings"] == vigil["one_changed"]["findings"]
    assert "--no-cache" not in vigil["warm"]["command"] and "--jobs" not in vigil["cold"]["command"]
    assert set(workspace["ratios"]) == {"bandit_cold_over_vigil_cold", "ruff_cold_over_vigil_warm",
                                        "vigil_cold_over_ruff_cold"}
    assert workspace["python_files"] == 5 and workspace["changed_file"].endswith(".py")


def test_peers_workspace_never_edits_the_corpus(tmp_path: Path) -> None:
    """The one-file-changed run edits a private copy; the scanned folder stays byte-identical."""
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    for name, text in {"a.py": "import yaml\nyaml.load(x)\n", "b.py": "x = 1\n", "c.py": "y = 2\n"}.items():
        (corpus / "pkg" / name).write_text(text, encoding="utf-8")
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    output = tmp_path / "peers.json"
    done = subprocess.run([sys.executable, str(BENCH / "peers.py"), "--no-single", "--skip-bandit",
                           "--corpus", str(corpus), "--output", str(output)],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False,
                          env={**os.environ, "VIGIL_BENCH_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == before
    workspace = json.loads(output.read_text(encoding="utf-8"))["workspace"]
    assert set(workspace["tools"]) == {"ruff", "vigil"} and workspace["python_files"] == 3
    assert workspace["tools"]["vigil"]["one_changed"]["findings"] == 1


def test_memory_quick(tmp_path: Path) -> None:
    data = run_quick("memory", tmp_path)
    stages = [s["stage"] for s in data["stages"]]
    assert stages[0] == "initialized" and stages[-1] == "closed everything"
    assert all(s["rss_mib"] > 0 for s in data["stages"])
    session = next(s for s in data["stages"] if "edit session" in s["stage"])
    assert session["changes"] > 0


def test_typing_changes_reproduce_the_word() -> None:
    """The auto-closing typist ends with exactly the word typed (brackets overtyped, not doubled)."""
    sys.path.insert(0, str(BENCH))
    try:
        from keystroke import FUNCTION_WORD, MODULE_WORD, typing_changes
    finally:
        sys.path.remove(str(BENCH))
    for word in (FUNCTION_WORD, MODULE_WORD, "f(a[1], {'k': (2)})"):
        for autoclose in (True, False):
            line = "    "
            for start, end, text in typing_changes(word, 4, autoclose):
                line = line[:start] + text + line[end:]
            assert line == "    " + word, (word, autoclose, line)
