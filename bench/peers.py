"""Vigil against Bandit and Ruff (``--select S``): single files and a whole workspace.

Single file: the ~1k / 10k / 50k-line documents of ``keystroke.py`` (concatenated real
standard-library modules), analysed

  in process   Vigil's ``Analyzer.analyze`` (parse + every bundled rule + taint) and Bandit's
               ``BanditManager`` (every plugin); Ruff is a Rust binary with no Python API, so
               it only appears as a process;
  as processes ``vigil check --format json --no-config``, ``bandit -q -f json`` and
               ``ruff check --select S --no-cache --output-format json``, start-up included.

Workspace: every file under the installed site-packages (500k+ lines of real code), once per
tool, in the same run: wall time, CPU time of the child process and lines per second (Python
lines; Vigil also scans the YAML/Dockerfile/Terraform files it has rules for).

Usage:
  python bench/peers.py                 # the documented run
  python bench/peers.py --quick         # a few seconds, for CI
  python bench/peers.py --no-workspace --repeat 5
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import SITE_PACKAGES, build_document, workspace_files  # noqa: E402
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


def commands(target: Path, output: Path, jobs: int = 1) -> dict[str, list[str]]:
    """Each tool's own command line; Vigil's result cache is off, so every run does the work."""
    return {
        "vigil": [bin_path("vigil"), "check", "--format", "json", "--no-config", "--no-cache",
                  "--jobs", str(jobs), "--fail-on", "critical", "-o", str(output), str(target)],
        "bandit": [bin_path("bandit"), "-r", "-q", "-f", "json", "-o", str(output), str(target)],
        "ruff": [bin_path("ruff"), "check", "--select", "S", "--no-cache", "--output-format", "json",
                 "--exit-zero", "-o", str(output), str(target)],
    }


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


def run_process(tool: str, target: Path, jobs: int = 1) -> dict[str, Any]:
    """One run of a tool as a child process: wall, child CPU (user + system), findings."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-out-") as folder:
        output = Path(folder) / "out.json"
        command = commands(target, output, jobs)[tool]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        found = count_findings(tool, output)
        if found is None:
            raise RuntimeError(f"{tool} wrote no JSON (exit {done.returncode}): {done.stderr[-2000:]}")
        return {"command": " ".join([Path(command[0]).name, *command[1:]]),
                "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "exit": done.returncode,
                "findings": found, "peak_rss_mib": round(after.ru_maxrss / 1024, 1)}


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


def workspace(target: Path, limit: int | None, repeat: int, workers: int) -> dict[str, Any]:
    if limit is not None:  # --quick: a small copy, so the tools see exactly these files
        folder = Path(tempfile.mkdtemp(prefix="vigil-bench-ws-"))
        for index, path in enumerate(workspace_files(limit)):
            (folder / f"m{index:04d}_{path.name}").write_bytes(path.read_bytes())
        target = folder
    files = sorted(target.rglob("*.py"))
    lines = python_lines(files)
    result: dict[str, Any] = {"target": str(target), "python_files": len(files), "python_lines": lines,
                              "load_before": load_average(), "tools": {}}
    for label, tool, jobs in (("ruff", "ruff", 1), ("bandit", "bandit", 1), ("vigil --jobs 1", "vigil", 1),
                              (f"vigil --jobs {workers}", "vigil", workers)):
        if label in result["tools"]:
            continue  # a 1-CPU machine: --jobs 1 twice
        runs = []
        for _ in range(repeat):
            runs.append(run_process(tool, target, jobs))
            print(f"  workspace {label}: {runs[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
        wall = statistics.median(r["wall_s"] for r in runs)
        result["tools"][label] = {"wall_s": wall, "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                                 "lines_per_s": round(lines / wall) if wall else None,
                                 "findings": runs[-1]["findings"], "runs": runs}
    result["load_after"] = load_average()
    if limit is not None:
        shutil.rmtree(target, ignore_errors=True)
    return result


def print_tables(payload: dict[str, Any]) -> None:
    rows = []
    for row in payload["single"]:
        ip, pr = row["in_process"], row["process"]
        rows.append([f"{row['lines']:,}", ip["vigil"]["wall_ms"], ip["bandit"]["wall_ms"],
                     pr["vigil"]["wall_s"] * 1000, pr["bandit"]["wall_s"] * 1000, pr["ruff"]["wall_s"] * 1000,
                     f"{ip['vigil']['findings']}/{ip['bandit']['findings']}/{pr['ruff']['findings']}",
                     row["load_before"][0] if row["load_before"] else "-"])
    print(table(["lines", "Vigil in-proc ms", "Bandit in-proc ms", "vigil proc ms", "bandit proc ms",
                 "ruff proc ms", "findings V/B/R", "load"], rows))
    ws = payload.get("workspace")
    if ws:
        print(f"\nworkspace: {ws['python_files']:,} Python files, {ws['python_lines']:,} lines ({ws['target']})")
        print(table(["tool", "wall s", "CPU s", "lines/s", "findings"],
                    [[tool, t["wall_s"], t["cpu_s"], t["lines_per_s"], t["findings"]]
                     for tool, t in ws["tools"].items()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per single-file measurement (median)")
    parser.add_argument("--workspace", default=str(SITE_PACKAGES), help="folder for the throughput scan")
    parser.add_argument("--workspace-repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="Vigil's --jobs for the second workspace run (default: the CPU count)")
    parser.add_argument("--no-workspace", dest="run_workspace", action="store_false")
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run: checks the script runs")
    parser.add_argument("--output", help="JSON file (default: bench/results/peers.json)")
    args = parser.parse_args(argv)
    limit = None
    if args.quick:
        args.sizes, args.repeat, limit = [200], 1, 5
    payload: dict[str, Any] = {"settings": {k: v for k, v in vars(args).items() if k != "output"}}
    payload["single"] = single_files(args.sizes, args.repeat)
    if args.run_workspace:
        payload["workspace"] = workspace(Path(args.workspace), limit, args.workspace_repeat, args.jobs)
    print_tables(payload)
    path = write_json("peers", payload, args.output)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
