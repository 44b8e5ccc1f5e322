"""Run one command as a child process and measure it: wall time, CPU of its whole process
tree, and its peak memory two ways.

CPU time comes from ``os.wait4``: the usage of exactly the child it reaps, plus that of the
descendants the child reaped (Vigil's worker pool). ``getrusage(RUSAGE_CHILDREN)`` would mix
in every earlier child of the benchmark.

Memory is read from ``/proc`` (Linux), because the kernel's ``ru_maxrss`` of a child starts at
the RSS of the *benchmark* process it was forked from (the high-water mark survives exec), so
every tool would appear to need at least the benchmark's own ~50 MiB. Two honest readings of a
multi-process tool's peak, both recorded:

* ``peak_rss_mib``: the largest single process of the tree (its ``VmHWM``, the kernel's own
  high-water mark of the program after exec, as last seen by the sampler);
* ``tree_rss_mib``: the largest *sum* of RSS over the tree at one sample. Forked workers
  share their parent's pages copy-on-write and RSS counts shared pages in each process, so
  this overstates what the tree really holds.

Both are sampled every ``SAMPLE_S`` seconds, so growth in a process's last few milliseconds
can be missed. Where there is no ``/proc``, ``peak_rss_mib`` falls back to ``ru_maxrss``
(with the floor described above) and ``tree_rss_mib`` is None.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_S = 0.05
_PROC = Path("/proc")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Measured:
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    tree_rss_mib: float | None
    stderr: str


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from ``/proc/<pid>/stat`` (the field after the command name)."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir(_PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue  # exited while we looked
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _high_water_kib(pid: int) -> int:
    """``VmHWM`` of a process (KiB), 0 if it is gone or has no memory of its own."""
    try:
        for line in Path(_PROC, str(pid), "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """(summed RSS in bytes, largest VmHWM in KiB) over ``root`` and its descendants now."""
    children = _children()
    total, largest, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(_PROC, str(pid), "statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            pass  # exited while we looked
        largest = max(largest, _high_water_kib(pid))
        stack.extend(children.get(pid, ()))
    return total, largest


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.tree_peak = 0
        self.largest_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            total, largest = tree_memory(self.pid)
            self.tree_peak = max(self.tree_peak, total)
            self.largest_kib = max(self.largest_kib, largest)
            self.done.wait(SAMPLE_S)


def measure(command: Sequence[str], env: Mapping[str, str] | None = None,
            cwd: Path | None = None) -> Measured:
    """Run ``command`` to completion (stdout discarded, stderr kept) and measure it."""
    with open(os.devnull, "wb") as sink, _TempText() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=sink, stderr=errors.handle,
                                   env=dict(env) if env is not None else None, cwd=cwd)
        sampler = _TreeSampler(process.pid) if _PROC.is_dir() else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if sampler is not None:
            sampler.done.set()
            sampler.join()
        stderr = errors.text()
    return Measured(
        exit_code=process.returncode,
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        peak_rss_mib=round((sampler.largest_kib if sampler is not None and sampler.largest_kib
                            else usage.ru_maxrss) / 1024, 1),  # both in KiB on Linux
        tree_rss_mib=round(sampler.tree_peak / 2**20, 1) if sampler is not None else None,
        stderr=stderr,
    )


class _TempText:
    """A temporary file for a child's stderr: a pipe nobody reads while we wait would block
    a chatty child."""

    def __enter__(self) -> _TempText:
        import tempfile

        self.handle = tempfile.TemporaryFile()
        return self

    def text(self) -> str:
        self.handle.seek(0)
        return self.handle.read().decode("utf-8", "replace")

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
