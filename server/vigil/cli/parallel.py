"""Analyse many files: from the persistent cache when possible, else across processes.

The main process reads every file (it must hash it for the cache anyway), answers what it can
from the cache in one lookup, and sends the rest to a process pool. The analyser (compiled
rules) is built only when some file is not in the cache, so a fully cached scan compiles no
query and starts no pool. Each worker holds ONE analyser, built once by the pool initializer
(rule loading costs about a second; per file it would dominate): on Linux the pool forks, so
workers inherit the rules the main process already compiled; elsewhere (spawn) the
initializer loads them. Results come back in the order the files were found, so the output
never depends on scheduling.

Only plain scans use the cache: ``--fix``, ``--diff`` and ``--report-unused-ignores`` need the
syntax tree and suppression comments, which the cache does not keep; those files are always
analysed (still in parallel).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.cache import CacheNamespace, ResultCache
from vigil.cli.sources import Source, SourceError, read_source
from vigil.config import Config
from vigil.engine.findings import Finding
from vigil.engine.languages import language_for_path
from vigil.engine.runner import Analyzer, unused_suppressions
from vigil.engine.suppressions import Suppression
from vigil.report.model import FileResult, Problem
from vigil.rules.loader import RuleSet

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

# multiprocessing, concurrent.futures and the fixer are imported where they are used: a scan
# answered from the cache needs none of them, and importing them is a tenth of its run time.

#: Below this many files to analyse, a pool costs more than it saves (process start-up,
#: shipping sources over pipes); they are analysed in this process.
MIN_PARALLEL_FILES = 16


@dataclass(frozen=True)
class Mode:
    """What each file needs besides its findings (all picklable: it crosses to workers)."""

    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    report_unused: bool = False

    @property
    def cacheable(self) -> bool:
        return not (self.fix or self.diff or self.report_unused)


@dataclass
class Job:
    index: int
    path: Path
    display: str
    source: Source


@dataclass
class Outcome:
    """One file's contribution to the run; ``warnings`` go to stderr in file order."""

    index: int
    result: FileResult | None = None
    problem: Problem | None = None
    warnings: list[str] = field(default_factory=list)
    diff: str | None = None
    would_fix: int = 0
    #: Findings to store in the cache (None: not cacheable, e.g. a rule failed or timed out).
    cacheable: list[Finding] | None = None


@dataclass
class _WorkerState:
    analyzer: Analyzer
    ruleset: RuleSet
    config: Config
    mode: Mode


_STATE: _WorkerState | None = None


def _relevant_unused(unused: list[Suppression], config: Config, ruleset: RuleSet,
                     display: str) -> list[Suppression]:
    """Unused suppressions worth reporting: a ``# vigil: ignore[X]`` for a rule that is turned
    off here could not have been used, so it is not reported as unused."""
    known = {r.id for r in ruleset.rules}
    out = []
    for suppression in unused:
        if suppression.kind.startswith("vigil") and suppression.ids is not None:
            ids = suppression.ids
            if ids & known and not any(config.rule_enabled(i, display) for i in ids & known):
                continue
        out.append(suppression)
    return out


def analyse_job(job: Job, state: _WorkerState) -> Outcome:
    """The whole per-file pipeline: analyse, maybe fix, collect what the report needs."""
    display, data = job.display, job.source.data
    outcome = Outcome(job.index)
    analysis = state.analyzer.analyze(data, display)
    for failure in analysis.result.failures:
        outcome.warnings.append(f"{display}: rule {failure.rule_id} failed: {failure.message}")
    if analysis.result.timed_out:
        outcome.warnings.append(f"{display}: analysis ran out of time; results are incomplete")
    if not analysis.result.failures and not analysis.result.timed_out:
        outcome.cacheable = list(analysis.findings)
    result = FileResult(job.path, display, data, list(analysis.findings))
    mode = state.mode
    if mode.fix or mode.diff:
        from vigil.cli.fixing import fix_source, unified_diff, write_atomic

        fixed = fix_source(state.analyzer, data, display, analysis, mode.unsafe_fixes)
        if fixed.rejected_rounds:
            outcome.warnings.append(f"{display}: a fix would have broken the syntax; not applied")
        if fixed.changed and mode.diff:
            outcome.diff = unified_diff(display, data, fixed.source)
            outcome.would_fix = fixed.applied
        elif fixed.changed:
            try:
                write_atomic(job.path, job.source.encoded(fixed.source))
            except OSError as exc:
                outcome.problem = Problem(display, f"cannot write fixes: {exc.strerror or exc}")
            else:
                analysis = fixed.analysis
                result = FileResult(job.path, display, fixed.source, list(analysis.findings), fixed.applied)
    if mode.report_unused:
        result.unused_suppressions = _relevant_unused(
            unused_suppressions(analysis, state.ruleset), state.config, state.ruleset, display)
    outcome.result = result
    return outcome


def _init_worker(factory: Callable[[], _WorkerState] | None) -> None:
    """Pool initializer: keep the state inherited through fork, or build it once (spawn)."""
    global _STATE
    if _STATE is None and factory is not None:
        _STATE = factory()


def _worker(job: Job) -> Outcome:
    assert _STATE is not None, "worker used before its initializer ran"
    return analyse_job(job, _STATE)


def _context() -> multiprocessing.context.BaseContext:
    """fork where it is safe and available (Linux): workers start in milliseconds and share the
    parent's compiled rules copy-on-write. macOS and Windows spawn (fork is unsafe there)."""
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class Scanner:
    """Runs a list of (path, display) candidates to ordered ``Outcome``s."""

    config: Config
    mode: Mode
    jobs: int
    #: Builds the analyser (loads and compiles the rules, ~1 s) when the first file needs
    #: analysing: a scan whose every file comes from the cache never pays for it.
    load_state: Callable[[], _WorkerState]
    cache: ResultCache | None = None
    namespace: CacheNamespace | None = None
    #: Builds the worker state in a spawned process (must be picklable: a module-level callable).
    factory: Callable[[], _WorkerState] | None = None
    on_progress: Callable[[int], None] | None = None
    #: The analyser state, once some file needed it.
    state: _WorkerState | None = None

    def run(self, candidates: Sequence[tuple[Path, str]]) -> list[Outcome]:
        """Read every file, answer what the cache can in one lookup, analyse the rest."""
        outcomes: dict[int, Outcome] = {}
        jobs: list[Job] = []
        use_cache = self.cache is not None and self.namespace is not None and self.mode.cacheable
        keys: dict[int, str] = {}
        for index, (path, display) in enumerate(candidates):
            language = language_for_path(str(path))  # a str takes the fast path (no PurePath)
            if language is None:
                outcomes[index] = Outcome(index, problem=Problem(display, "not a file type Vigil analyses; skipped"))
                self._tick()
                continue
            try:
                source = read_source(path, self.config.max_file_size)
            except SourceError as exc:
                outcomes[index] = Outcome(index, problem=Problem(display, str(exc)))
                self._tick()
                continue
            jobs.append(Job(index, path, display, source))
            if use_cache:
                assert self.namespace is not None
                keys[index] = self.namespace.key(source.data, display, language)
        hits = self.cache.get_many(keys.values()) if self.cache is not None and keys else {}
        pending: list[Job] = []
        for job in jobs:
            cached = hits.get(keys[job.index]) if job.index in keys else None
            if cached is None:
                pending.append(job)
                continue
            outcomes[job.index] = Outcome(job.index, result=FileResult(job.path, job.display, job.source.data, cached))
            self._tick()
        for outcome in self._analyse(pending):
            outcomes[outcome.index] = outcome
            if outcome.index in keys and outcome.cacheable is not None and self.cache is not None:
                self.cache.put(keys[outcome.index], outcome.cacheable)
            self._tick()
        return [outcomes[i] for i in sorted(outcomes)]

    def ready_state(self) -> _WorkerState:
        """The analyser state, built on first use."""
        if self.state is None:
            self.state = self.load_state()
        return self.state

    def _tick(self) -> None:
        if self.on_progress is not None:
            self.on_progress(1)

    def _analyse(self, jobs: list[Job]) -> Iterator[Outcome]:
        if not jobs:
            return  # everything came from the cache: no rules to load, no pool to start
        state = self.ready_state()
        workers = min(self.jobs, len(jobs))
        if workers <= 1 or len(jobs) < MIN_PARALLEL_FILES:
            for job in jobs:
                yield analyse_job(job, state)
            return
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        global _STATE
        context = _context()
        inherited = context.get_start_method() == "fork"
        previous, _STATE = _STATE, (state if inherited else None)
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                     initargs=(None if inherited else self.factory,)) as pool:
                # Largest files first: a big file started last would leave one core busy alone.
                order = sorted(jobs, key=lambda j: len(j.source.data), reverse=True)
                futures: set[Future[Outcome]] = set()
                queue = iter(order)
                for job in queue:  # keep a bounded number in flight: sources are not all copied at once
                    futures.add(pool.submit(_worker, job))
                    if len(futures) >= workers * 4:
                        break
                while futures:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
                        nxt = next(queue, None)
                        if nxt is not None:
                            futures.add(pool.submit(_worker, nxt))
        finally:
            _STATE = previous


def build_state(analyzer: Analyzer, ruleset: RuleSet, config: Config, mode: Mode) -> _WorkerState:
    return _WorkerState(analyzer, ruleset, config, mode)


__all__ = ["MIN_PARALLEL_FILES", "Mode", "Outcome", "Scanner", "build_state", "default_jobs"]
