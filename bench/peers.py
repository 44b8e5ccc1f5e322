"""Vigil against Bandit and Ruff (``--select S``): single files and a whole workspace.

Single file: the ~1k / 10k / 50k-line documents of ``keystroke.py`` (concatenated real
standard-library modules), analysed

  in process   Vigil's ``Analyzer.analyze`` (parse + every bundled rule + taint) and Bandit's
               ``BanditManager`` (every plugin); Ruff is a Rust binary with no Python API, so
               it only appears as a process;
  as processes ``vigil check --format json --no-config``, ``bandit -q -f json`` and
               ``ruff check --select S --no-cache --output-format json``, start-up included.

Workspace: a private copy of the installed site-packages (~1,800 files, 600k+ lines of code
nobody here wrote), every tool in the same run so they share the machine's load:

  cold         an empty cache (Vigil: a fresh ``$VIGIL_CACHE_DIR``; Ruff: a fresh
               ``--cache-dir``), Vigil with its default ``--jobs`` (one process per CPU);
  warm         the same command again, nothing changed;
  one changed  a comment appended to one (median-sized) file of the copy, then restored;

each with wall time, CPU time of the whole process tree, lines per second (Python lines; Vigil
also scans the YAML/Dockerfile/Terraform files it has rules for), peak memory (largest process,
and the sampled sum over the tree; see ``_measure.py``) and the number of findings. Bandit has
no cache, so it only has a cold run. The issue's targets come out as ratios: Bandit cold over
Vigil cold (goal >= 20x) and Ruff cold over Vigil warm (goal > 1).

Usage:
  python bench/peers.py                       # the documented run (Bandit takes minutes)
  python bench/peers.py --quick               # a few seconds, for CI
  python bench/peers.py --no-workspace --repeat 5
  python bench/peers.py --sizes 1000 --skip-bandit --corpus PATH
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import SITE_PACKAGES, build_document, cache_dir  # noqa: E402
from _measure import measure  # noqa: E402
from _report import Stopwatch, bin_path, load_average, table, write_json  # noqa: E402


def vigil_in_process(path: Path, repeat: int) -> dict[str, Any]:
    from vigil.engine.runner import Analyzer
    from vigil.rules.loader import load_rules

    analyzer = Analyzer(load_rules())
    source = path.read_bytes()
    walls, cpus, findings = [], [], 0
    for _ in range(repeat):
        with Stopwatch() as watch:
            findings = len(analyzer.analyze(source, str(path)).findings)
        walls.append(watch.wall * 1000)
        cpus.append(watch.cpu * 1000)
    return {"wall_ms": round(statistics.median(walls), 1), "cpu_ms": round(statistics.median(cpus), 1),
            "findings": findings, "runs_ms": [round(w, 1) for w in walls]}


def bandit_in_process(path: Path, repeat: int) -> dict[str, Any]:
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    logging.getLogger("bandit").setLevel(logging.ERROR)
    walls, cpus, findings = [], [], 0
    for _ in range(repeat):
        with Stopwatch() as watch:
            mgr = b_manager.BanditManager(b_config.BanditConfig(), "file", quiet=True)
            mgr.discover_files([str(path)])
            mgr.run_tests()
            findings = len(mgr.get_issue_list())
        walls.append(watch.wall * 1000)
        cpus.append(watch.cpu * 1000)
    return {"wall_ms": round(statistics.median(walls), 1), "cpu_ms": round(statistics.median(cpus), 1),
            "findings": findings, "runs_ms": [round(w, 1) for w in walls]}


def commands(target: Path, output: Path, jobs: int | None = 1, cache: Path | None = None) -> dict[str, list[str]]:
    """Each tool's own command line. Without ``cache`` the tools' caches are off, so every run
    does the work; with it, Ruff keeps its cache in that folder (Vigil's goes through
    ``$VIGIL_CACHE_DIR``, see ``tool_env``). ``jobs=None`` leaves Vigil's default (one process
    per CPU)."""
    vigil = [bin_path("vigil"), "check", "--format", "json", "--no-config", "--fail-on", "critical",
             "-o", str(output)]
    vigil += ["--no-cache"] if cache is None else []
    vigil += ["--jobs", str(jobs)] if jobs is not None else []
    ruff = [bin_path("ruff"), "check", "--select", "S", "--output-format", "json", "--exit-zero", "-o", str(output)]
    ruff += ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    return {
        "vigil": [*vigil, str(target)],
        "bandit": [bin_path("bandit"), "-r", "-q", "-f", "json", "-o", str(output), str(target)],
        "ruff": [*ruff, str(target)],
    }


def tool_env(cache: Path | None = None) -> dict[str, str]:
    """The children's environment. Bytecode is cached (in the benchmark's own folder, never the
    repository) as it is after ``pip install``: a session that sets PYTHONDONTWRITEBYTECODE
    would otherwise make every Vigil and Bandit run recompile its modules."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir() / "pycache")
    if cache is not None:
        env["VIGIL_CACHE_DIR"] = str(cache)
    return env


def count_findings(tool: str, output: Path) -> int | None:
    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if tool == "bandit":
        return len(data.get("results", []))
    if tool == "ruff":
        return len(data)
    if isinstance(data, dict):
        for key in ("findings", "results"):
            if isinstance(data.get(key), list):
                return len(data[key])
    return None


def run_process(tool: str, target: Path, jobs: int | None = 1, cache: Path | None = None) -> dict[str, Any]:
    """One run of a tool as a child process: wall, CPU of its process tree, peak memory, findings."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-out-") as folder:
        output = Path(folder) / "out.json"
        command = commands(target, output, jobs, cache)[tool]
        done = measure(command, env=tool_env(cache))
        found = count_findings(tool, output)
        if found is None:
            raise RuntimeError(f"{tool} wrote no JSON (exit {done.exit_code}): {done.stderr[-2000:]}")
        return {"command": " ".join([Path(command[0]).name, *command[1:]]),
                "wall_s": done.wall_s, "cpu_s": done.cpu_s, "exit": done.exit_code, "findings": found,
                "peak_rss_mib": done.peak_rss_mib, "tree_rss_mib": done.tree_rss_mib,
                "warnings": sum(1 for line in done.stderr.splitlines() if "warning" in line)}


def python_lines(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.read_bytes().count(b"\n")
        except OSError:
            continue
    return total


def single_files(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        doc = build_document(size)
        row: dict[str, Any] = {"size": size, "lines": doc.lines, "load_before": load_average()}
        row["in_process"] = {"vigil": vigil_in_process(doc.path, repeat), "bandit": bandit_in_process(doc.path, repeat)}
        processes: dict[str, Any] = {}
        for tool in ("vigil", "bandit", "ruff"):
            runs = [run_process(tool, doc.path) for _ in range(repeat)]
            processes[tool] = {"wall_s": statistics.median(r["wall_s"] for r in runs),
                               "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                               "findings": runs[-1]["findings"], "runs": runs}
        row["process"] = processes
        row["load_after"] = load_average()
        rows.append(row)
        print(f"  single file {doc.lines:,} lines done", file=sys.stderr, flush=True)
    return rows


#: Which tools keep a cache between runs (Bandit has none: its warm run is its cold run).
CACHED_TOOLS = ("ruff", "vigil")
CHANGE_MARKER = "\n# vigil-bench: one changed file\n"


def copy_corpus(source: Path, destination: Path, limit: int | None) -> Path:
    """The corpus every tool scans, as a private copy: the one-file-changed run edits a file,
    and the benchmark must never touch the virtualenv it runs from. ``limit`` (``--quick``)
    copies only that many Python files, flattened."""
    if limit is None:
        shutil.copytree(source, destination, symlinks=True)
        return destination
    destination.mkdir(parents=True)
    for index, path in enumerate(sorted(p for p in source.rglob("*.py") if p.is_file())[:limit]):
        (destination / f"m{index:04d}_{path.name}").write_bytes(path.read_bytes())
    return destination


def changed_file(files: list[Path]) -> Path:
    """The file the one-file-changed run edits: the median-sized Python file (chosen the same
    way on every run, and typical rather than the biggest or an empty ``__init__``)."""
    by_size = sorted(files, key=lambda p: (p.stat().st_size, str(p)))
    return by_size[len(by_size) // 2]


def scan_phases(tool: str, corpus: Path, edit: Path, scratch: Path, jobs: int | None) -> dict[str, Any]:
    """Cold (fresh, empty cache), warm (same cache, nothing changed) and one-file-changed
    (a comment appended to ``edit``, restored afterwards) runs of one tool."""
    cache = scratch / f"{tool}-cache" if tool in CACHED_TOOLS else None
    phases = {"cold": run_process(tool, corpus, jobs, cache)}
    print(f"  workspace {tool} cold: {phases['cold']['wall_s']:.1f} s", file=sys.stderr, flush=True)
    if cache is None:
        return phases
    phases["warm"] = run_process(tool, corpus, jobs, cache)
    original = edit.read_bytes()
    try:
        edit.write_bytes(original + CHANGE_MARKER.encode())
        phases["one_changed"] = run_process(tool, corpus, jobs, cache)
    finally:
        edit.write_bytes(original)
    print(f"  workspace {tool} warm: {phases['warm']['wall_s']:.2f} s, one changed: "
          f"{phases['one_changed']['wall_s']:.2f} s", file=sys.stderr, flush=True)
    return phases


def workspace(target: Path, limit: int | None, skip_bandit: bool, jobs: int | None) -> dict[str, Any]:
    """Every tool on a private copy of ``target``, in one run (so they share the machine's load)."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-ws-") as folder:
        scratch = Path(folder)
        corpus = copy_corpus(target, scratch / "corpus", limit)
        files = sorted(p for p in corpus.rglob("*.py") if p.is_file())
        lines = python_lines(files)
        edit = changed_file(files)
        result: dict[str, Any] = {
            "target": str(target), "python_files": len(files), "python_lines": lines,
            "changed_file": edit.relative_to(corpus).as_posix(), "vigil_jobs": jobs or "default (one per CPU)",
            "load_before": load_average(), "tools": {}}
        for tool in ("ruff", "vigil", "bandit"):
            if tool == "bandit" and skip_bandit:
                continue
            phases = scan_phases(tool, corpus, edit, scratch, jobs)
            for run in phases.values():
                run["lines_per_s"] = round(lines / run["wall_s"]) if run["wall_s"] else None
            result["tools"][tool] = phases
        result["load_after"] = load_average()
    result["ratios"] = ratios(result["tools"])
    return result


def ratios(tools: dict[str, Any]) -> dict[str, float]:
    """The issue's targets as numbers: Vigil cold against Bandit, Vigil warm against Ruff cold."""
    out: dict[str, float] = {}
    vigil = tools.get("vigil", {})
    if "bandit" in tools and vigil.get("cold"):
        out["bandit_cold_over_vigil_cold"] = round(tools["bandit"]["cold"]["wall_s"] / vigil["cold"]["wall_s"], 2)
    if "ruff" in tools and vigil.get("warm"):
        out["ruff_cold_over_vigil_warm"] = round(tools["ruff"]["cold"]["wall_s"] / vigil["warm"]["wall_s"], 2)
    if "ruff" in tools and vigil.get("cold"):
        out["vigil_cold_over_ruff_cold"] = round(vigil["cold"]["wall_s"] / tools["ruff"]["cold"]["wall_s"], 2)
    return out


def print_tables(payload: dict[str, Any]) -> None:
    if payload["single"]:
        print_single(payload["single"])
    print_workspace(payload.get("workspace"))


def print_single(single: list[dict[str, Any]]) -> None:
    rows = []
    for row in single:
        ip, pr = row["in_process"], row["process"]
        rows.append([f"{row['lines']:,}", ip["vigil"]["wall_ms"], ip["bandit"]["wall_ms"],
                     pr["vigil"]["wall_s"] * 1000, pr["bandit"]["wall_s"] * 1000, pr["ruff"]["wall_s"] * 1000,
                     f"{ip['vigil']['findings']}/{ip['bandit']['findings']}/{pr['ruff']['findings']}",
                     row["load_before"][0] if row["load_before"] else "-"])
    print(table(["lines", "Vigil in-proc ms", "Bandit in-proc ms", "vigil proc ms", "bandit proc ms",
                 "ruff proc ms", "findings V/B/R", "load"], rows))


def print_workspace(ws: dict[str, Any] | None) -> None:
    if ws:
        print(f"\nworkspace: {ws['python_files']:,} Python files, {ws['python_lines']:,} lines ({ws['target']}); "
              f"load {ws['load_before']} -> {ws['load_after']}")
        rows = [[tool, phase, r["wall_s"], r["cpu_s"], r["lines_per_s"], r["peak_rss_mib"],
                 r["tree_rss_mib"] if r["tree_rss_mib"] is not None else "-", r["findings"]]
                for tool, phases in ws["tools"].items() for phase, r in phases.items()]
        print(table(["tool", "run", "wall s", "CPU s", "lines/s", "peak RSS MiB (largest process)",
                     "peak RSS MiB (tree, sampled)", "findings"], rows))
        for name, value in ws["ratios"].items():
            print(f"  {name.replace('_', ' ')}: {value}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per single-file measurement (median)")
    parser.add_argument("--corpus", "--workspace", dest="corpus", default=str(SITE_PACKAGES),
                        help="folder for the workspace scan (copied first; default: the installed site-packages)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="Vigil's --jobs for the workspace scan (default: Vigil's own, one per CPU)")
    parser.add_argument("--skip-bandit", action="store_true",
                        help="leave Bandit out of the workspace scan (it takes minutes on the full corpus)")
    parser.add_argument("--no-workspace", dest="run_workspace", action="store_false")
    parser.add_argument("--no-single", dest="run_single", action="store_false", help="skip the single-file part")
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run: checks the script runs")
    parser.add_argument("--output", help="JSON file (default: bench/results/peers.json)")
    args = parser.parse_args(argv)
    limit = None
    if args.quick:
        args.sizes, args.repeat, limit = [200], 1, 5
    payload: dict[str, Any] = {"settings": {k: v for k, v in vars(args).items() if k != "output"}}
    payload["settings"]["child_bytecode"] = "cached in PYTHONPYCACHEPREFIX (as after pip install); see tool_env"
    payload["single"] = single_files(args.sizes, args.repeat) if args.run_single else []
    if args.run_workspace:
        payload["workspace"] = workspace(Path(args.corpus), limit, args.skip_bandit, args.jobs)
    print_tables(payload)
    path = write_json("peers", payload, args.output)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
