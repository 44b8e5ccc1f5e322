"""Workspace-scale benchmark (GitHub issue 6): Vigil against Bandit and Ruff ``--select S``.

The corpus is code nobody here wrote: every ``.py`` file of the test environment's installed
site-packages, copied to a scratch folder (so the "one file changed" step never touches the
environment). Each tool runs as a separate process; wall time and the peak of the summed
resident memory of its whole process tree (sampled from /proc every 20 ms, so pool workers
count) are recorded.

Steps: Bandit (cold, one process), Ruff (cold, ``--no-cache``), Vigil cold (empty cache),
Vigil warm (every file cached), Vigil after one file changed, Vigil cold ``--jobs 1``.

Usage: python scripts/bench_scale.py [--corpus DIR] [--source SITE_PACKAGES] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class Measure:
    step: str
    command: str
    seconds: float
    peak_mib: float
    exit_code: int


def _tree_rss(pid: int) -> int:
    """Summed RSS (bytes) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(entry)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run(step: str, argv: list[str], env: dict[str, str]) -> Measure:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"{step}: exit {proc.returncode}\n{stderr[-2000:]}", file=sys.stderr)
    shown = " ".join(Path(a).name if a.startswith(str(BIN)) else a for a in argv)
    measure = Measure(step, shown, round(seconds, 2), round(peak / 2**20, 1), proc.returncode)
    print(f"{step:<34} {measure.seconds:>8.2f} s {measure.peak_mib:>8.1f} MiB", flush=True)
    return measure


def copy_corpus(source: Path, target: Path) -> tuple[int, int]:
    if target.exists():
        shutil.rmtree(target)
    files = lines = 0
    for path in sorted(source.rglob("*.py")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        dest.write_bytes(data)
        files += 1
        lines += data.count(b"\n")
    return files, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "vigil-scale-corpus")
    parser.add_argument("--json", type=Path, help="also write the measurements as JSON")
    parser.add_argument("--skip-bandit", action="store_true")
    args = parser.parse_args()
    files, lines = copy_corpus(args.source, args.corpus)
    print(f"corpus: {files:,} files, {lines:,} lines ({args.source} -> {args.corpus})", flush=True)
    cache = Path(tempfile.mkdtemp(prefix="vigil-scale-cache-"))
    env = dict(os.environ, VIGIL_CACHE_DIR=str(cache))
    # An installed package has byte-compiled modules; this environment sets
    # PYTHONDONTWRITEBYTECODE, which would charge every run ~0.4 s of compiling Vigil itself.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "vigil-scale-pyc")
    corpus = str(args.corpus)
    vigil = [str(BIN / "vigil"), "check", corpus, "--format", "json", "-o", os.devnull, "-q"]
    results: list[Measure] = []
    subprocess.run([str(BIN / "vigil"), "rules"], env=env, stdout=subprocess.DEVNULL, check=True)  # warm pyc
    if not args.skip_bandit:
        results.append(run("bandit (1 process)", [str(BIN / "bandit"), "-r", corpus, "-q", "-f", "json",
                                                   "-o", os.devnull], env))
    results.append(run("ruff --select S (cold, no cache)", [str(BIN / "ruff"), "check", "--select", "S",
                                                          "--no-cache", "--isolated", "--exit-zero", "-q",
                                                          corpus], env))
    results.append(run("vigil cold (empty cache)", vigil, env))
    results.append(run("vigil warm (all cached)", vigil, env))
    py_files = sorted(args.corpus.rglob("*.py"))
    changed = py_files[len(py_files) // 2]
    with open(changed, "a", encoding="utf-8") as handle:
        handle.write("\n# changed by bench_scale.py\n")
    results.append(run("vigil one file changed", vigil, env))
    results.append(run("vigil cold --jobs 1 --no-cache", [*vigil, "--jobs", "1", "--no-cache"], env))
    shutil.rmtree(cache, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"files": files, "lines": lines, "cpus": os.cpu_count(),
                                         "changed": str(changed),
                                         "results": [asdict(r) for r in results]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
