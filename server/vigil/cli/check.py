"""``vigil check``: find files, analyse them, optionally fix them, report, pick an exit code.

Exit codes: 0 = nothing at or above ``--fail-on``; 1 = findings (or unused suppressions with
``--report-unused-ignores``); 2 = the run itself could not be trusted (bad usage, broken
configuration, broken rule file), so CI never mistakes a misconfigured scan for a clean one.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from vigil.cache import (
    CacheNamespace,
    ResultCache,
    policy_fingerprint,
    resolve_cache_dir,
    rules_fingerprint,
)
from vigil.cli import catalog as rule_catalog
from vigil.cli.baseline import Baseline, BaselineError, write_baseline
from vigil.cli.discovery import Walker
from vigil.cli.parallel import Mode, Scanner, _WorkerState, build_state, default_jobs
from vigil.cli.progress import Progress
from vigil.config import Config, ConfigError, load_config, load_config_file
from vigil.engine.runner import Analyzer
from vigil.report import reporter
from vigil.report.model import FileResult, Problem, RenderOptions, ScanResult
from vigil.rules.loader import RuleSet, default_rule_dirs, load_rules, read_rules
from vigil.rules.model import Rule

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """Something the user must fix before a scan means anything (exit code 2)."""


@dataclass
class CheckOptions:
    paths: list[str] = field(default_factory=lambda: ["."])
    format: str = "text"
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    config: str | None = None
    no_config: bool = False
    rule_dirs: list[str] = field(default_factory=list)
    report_unused_ignores: bool = False
    show_source: bool = True
    quiet: bool = False
    output: str | None = None
    color: bool = False
    #: Worker processes (None: one per CPU).
    jobs: int | None = None
    no_cache: bool = False
    cache_dir: str | None = None
    baseline: str | None = None
    write_baseline: str | None = None
    #: Draw a progress bar on stderr (the CLI sets it when stderr is a terminal).
    progress: bool = False


def split_selectors(values: Sequence[str]) -> list[str]:
    """``--select INJ,DES002 --select WEB`` -> ``["INJ", "DES002", "WEB"]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _display(path: Path, cwd: Path | None = None) -> str:
    """Paths are shown relative to the current directory when they are inside it.

    Called once per file of the scan, so on POSIX, where ``Path.relative_to`` is a plain
    case-sensitive comparison of normalised parts, a string prefix test on the absolute,
    normalised paths discovery produces gives the same answer in a fraction of the time.
    Elsewhere (Windows compares case-insensitively) ``relative_to`` decides."""
    cwd = Path.cwd() if cwd is None else cwd
    if os.sep == "/" and path.is_absolute() and cwd.is_absolute():
        text, base = str(path), str(cwd).rstrip("/")
        if text == str(cwd):
            return "."
        return text[len(base) + 1:] if text.startswith(base + "/") else text
    try:
        relative_path = path.relative_to(cwd)
    except ValueError:
        return str(path)
    return relative_path.as_posix() or "."


def resolve_config(options: CheckOptions) -> Config:
    if options.no_config:
        config = Config()
    elif options.config:
        config = load_config_file(Path(options.config))
    else:
        start = Path(options.paths[0]) if options.paths else Path.cwd()
        config = load_config(start if start.exists() else Path.cwd())
    overrides: dict[str, object] = {}
    if options.select:
        overrides["select"] = split_selectors(options.select)
    if options.ignore:
        overrides["ignore"] = [*config.ignore, *split_selectors(options.ignore)]
    if options.fail_on:
        overrides["fail-on"] = options.fail_on
    try:
        table_config = Config.from_table(overrides, "command line", base=config)
    except ConfigError as exc:
        raise UsageError(str(exc).replace("command line: [tool.vigil] ", "--")) from None
    cli_dirs = tuple(Path(d).resolve() for d in options.rule_dirs)
    return dataclasses.replace(table_config, rule_dirs=(*config.rule_dirs, *cli_dirs))


def load_ruleset(config: Config, trusted: Sequence[Path]) -> RuleSet:
    ruleset = load_rules(extra_directories=list(config.rule_dirs), trusted_directories=list(trusted))
    if ruleset.errors:
        raise UsageError("invalid rules:\n" + "\n".join(f"  {e}" for e in ruleset.errors))
    return ruleset


def check_selectors(config: Config, ruleset: RuleSet, options: CheckOptions) -> None:
    """A selector that matches no rule is almost always a typo that silently disables a check."""
    ids = [r.id for r in ruleset.rules]
    where = str(config.source) if config.source else "configuration"
    sources = [("select", config.select), ("ignore", config.ignore)]
    sources += [(f"per-path-ignores.{p!r}", ids_) for p, ids_ in config.per_path_ignores.items()]
    sources += [("severity", tuple(config.severity))]
    cli = {"select": set(split_selectors(options.select)), "ignore": set(split_selectors(options.ignore))}
    for key, selectors in sources:
        for selector in selectors:
            if selector and not any(rule_id.startswith(selector) for rule_id in ids):
                origin = f"--{key}" if selector in cli.get(key, set()) else f"{where}: {key}"
                raise UsageError(f"{origin}: {selector!r} matches no rule (see `vigil rules`)")


def enabled_rules(config: Config, ruleset: RuleSet) -> list[Rule]:
    return [r for r in ruleset.rules if config.rule_enabled(r.id)]


@dataclass
class _Run:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    checked: int = 0
    would_fix: int = 0


def _spawn_state(options: CheckOptions) -> _WorkerState:
    """Worker state for a spawned (not forked) worker: the same config and rules, loaded once."""
    config = resolve_config(options)
    ruleset = load_ruleset(config, [Path(d).resolve() for d in options.rule_dirs])
    return build_state(Analyzer(ruleset, config.policy()), ruleset, config, _mode(options))


def _mode(options: CheckOptions) -> Mode:
    return Mode(fix=options.fix, diff=options.diff, unsafe_fixes=options.unsafe_fixes,
                report_unused=options.report_unused_ignores)


@dataclass
class _Rules:
    """The rule set of one run, loaded no further than the run needs.

    ``catalog`` is the rule files parsed from TOML (tens of milliseconds, or a few when the
    result cache holds it, see ``vigil.cli.catalog``): it names the rules for the report and
    the selectors, and ``fingerprint`` (its ``RuleSet.fingerprint``) goes into the cache key.
    ``load()`` imports the Python checks and compiles the queries (about a second), which only
    analysing a file needs; a scan whose every file comes from the cache never calls it.
    """

    config: Config
    trusted: list[Path]
    catalog: RuleSet
    fingerprint: str
    loaded: RuleSet | None = None

    @classmethod
    def read(cls, config: Config, trusted: list[Path]) -> _Rules:
        catalog = read_rules(rule_dirs(config))
        rules = cls(config, trusted, catalog, catalog.fingerprint)
        if rules.catalog.errors:
            rules.load()  # load_rules finds every error read_rules does, and names them all
        return rules

    @classmethod
    def read_cached(cls, config: Config, trusted: list[Path], cache: ResultCache, rules_digest: str) -> _Rules:
        """The catalog from the cache when a run already parsed these exact rule files, else
        read (and stored for the next run if it read without errors and the files did not
        change while it was being read)."""
        stored = rule_catalog.load(cache, rules_digest)
        if stored is not None:
            return cls(config, trusted, *stored)
        rules = cls.read(config, trusted)
        if not rules.catalog.errors and rules_fingerprint(rule_dirs(config), trusted) == rules_digest:
            rule_catalog.store(cache, rules_digest, rules.catalog, rules.fingerprint)
        return rules

    def load(self) -> RuleSet:
        if self.loaded is None:
            self.loaded = load_ruleset(self.config, self.trusted)
        return self.loaded

    @property
    def current(self) -> RuleSet:
        return self.loaded if self.loaded is not None else self.catalog


def rule_dirs(config: Config) -> list[Path]:
    """Every rule folder of a run: the bundled ones, then the configured extra ones."""
    return [*default_rule_dirs(), *config.rule_dirs]


def _open_cache(options: CheckOptions, config: Config, trusted: list[Path], opened: list[ResultCache]
                ) -> tuple[ResultCache | None, CacheNamespace | None, _Rules]:
    """The result cache, this run's namespace in it, and the rules (whose catalog the cache may
    hold). Besides each file's bytes and path, a key covers every byte of every rule folder
    (``rules_fingerprint``), the rule set's own fingerprint (as the language server computes
    it, so the two share results), the policy, Vigil's code and version. An open cache is
    appended to ``opened`` so the caller closes it on every path, errors included."""
    if options.no_cache or not _mode(options).cacheable:
        return None, None, _Rules.read(config, trusted)
    cache = ResultCache(resolve_cache_dir(options.cache_dir))
    if not cache.enabled:
        return None, None, _Rules.read(config, trusted)
    opened.append(cache)
    rules_digest = rules_fingerprint(rule_dirs(config), trusted)
    rules = _Rules.read_cached(config, trusted, cache, rules_digest)
    namespace = CacheNamespace.build(rules_digest, policy_fingerprint(config), (rules.fingerprint,))
    return cache, namespace, rules


def _verified_flag(namespace: CacheNamespace) -> str:
    """Names the fact "these rules loaded without errors and the selectors matched them".

    A fully cached run skips ``load_rules``, so it would miss the errors only loading finds (a
    check that cannot be imported, a query that does not compile). A run that loaded the rules
    cleanly sets this flag for its namespace, which hashes every rule file, the policy and
    Vigil's code; only then may later runs trust the cheap catalog. Rows written by someone
    else (the language server tolerates broken rules) never set it.
    """
    return f"rules-verified:{namespace.digest}"


@contextmanager
def _cli_logging(err: TextIO) -> Iterator[None]:
    """The engine logs rule failures, which the CLI reports itself, so the ``vigil`` log is
    quieted; the cache logs one line when it has to be bypassed, which the CLI shows as a
    warning. Both loggers are put back afterwards: ``main()`` runs in-process in tests and
    embedding tools, whose own logging must not change because a scan ran."""
    class _ToStderr(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            err.write(f"vigil: warning: {record.getMessage()}\n")

    vigil_log, cache_log = logging.getLogger("vigil"), logging.getLogger("vigil.cache")
    saved = (vigil_log.level, cache_log.level, cache_log.handlers[:], cache_log.propagate)
    vigil_log.setLevel(logging.CRITICAL)
    cache_log.handlers[:] = [_ToStderr(logging.WARNING)]
    cache_log.propagate = False
    cache_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        vigil_log.setLevel(saved[0])
        cache_log.setLevel(saved[1])
        cache_log.handlers[:] = saved[2]
        cache_log.propagate = saved[3]


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    opened: list[ResultCache] = []
    with _cli_logging(err):
        try:
            return _run_check(options, out, err, opened)
        finally:
            for cache in opened:
                cache.close()


def _run_check(options: CheckOptions, out: TextIO, err: TextIO, opened: list[ResultCache]) -> int:
    """The run itself; ``opened`` receives the cache so the caller closes it on every path."""
    try:
        config = resolve_config(options)
        trusted = [Path(d).resolve() for d in options.rule_dirs]
        cache, namespace, rules = _open_cache(options, config, trusted, opened)
        verified = cache is not None and namespace is not None and cache.has_flag(_verified_flag(namespace))
        check_selectors(config, rules.catalog if verified else rules.load(), options)
        for raw in options.paths:
            if not os.path.lexists(raw):
                raise UsageError(f"{raw}: no such file or directory")
        baseline = Baseline.load(Path(options.baseline)) if options.baseline else None
    except (ConfigError, UsageError, BaselineError) as exc:
        print(f"vigil: error: {exc}", file=err)
        return EXIT_ERROR
    cwd = Path.cwd()
    candidates = [(c.path, _display(c.path, cwd))
                  for c in Walker(config).candidates([Path(p) for p in options.paths])]
    mode = _mode(options)
    progress = Progress(err, len(candidates), options.progress and not options.quiet)

    def load_state() -> _WorkerState:
        ruleset = rules.load()
        return build_state(Analyzer(ruleset, config.policy()), ruleset, config, mode)

    scanner = Scanner(config, mode, jobs=options.jobs or default_jobs(), load_state=load_state,
                      cache=cache, namespace=namespace, factory=functools.partial(_spawn_state, options),
                      on_progress=progress.advance)
    try:
        outcomes = scanner.run(candidates)
    except UsageError as exc:  # the rules broke since a run verified them (say, a check's module is gone)
        print(f"vigil: error: {exc}", file=err)
        return EXIT_ERROR
    finally:
        progress.finish()
    if (cache is not None and namespace is not None and not verified and rules.loaded is not None
            and rules.loaded.fingerprint == rules.fingerprint):
        cache.set_flag(_verified_flag(namespace))
    ruleset = rules.current
    run = _Run()
    for outcome in outcomes:
        for warning in outcome.warnings:
            print(f"vigil: warning: {warning}", file=err)
        if outcome.result is not None:
            run.checked += 1
            run.files.append(outcome.result)
        if outcome.problem is not None:
            run.problems.append(outcome.problem)
        if outcome.diff is not None:
            run.diffs.append(outcome.diff)
            run.would_fix += outcome.would_fix
    for problem in run.problems:
        print(f"vigil: {problem}", file=err)
    if options.write_baseline:
        try:
            written = write_baseline(Path(options.write_baseline), run.files)
        except BaselineError as exc:
            print(f"vigil: error: {exc}", file=err)
            return EXIT_ERROR
        print(f"vigil: wrote {written} finding{'s' * (written != 1)} to the baseline "
              f"{options.write_baseline}; later runs with --baseline report only new ones", file=err)
    baselined = baseline.filter(run.files) if baseline is not None else 0
    scan = ScanResult(
        files=run.files,
        problems=run.problems,
        files_checked=run.checked,
        ruleset=ruleset,
        rules=enabled_rules(config, ruleset),
        fail_on=config.fail_on,
        fixing=options.fix,
        unsafe_fixes=options.unsafe_fixes,
        report_unused=options.report_unused_ignores,
        severities={r.id: config.rule_severity(r, is_test=False) for r in ruleset.rules},
        baselined=baselined,
    )
    if options.diff:
        text = "".join(run.diffs)
        if not options.quiet:
            files = len(run.diffs)
            print(f"Would fix {run.would_fix} finding{'s' * (run.would_fix != 1)} in {files} "
                  f"file{'s' * (files != 1)}.", file=err)
    else:
        text = reporter(options.format)(scan, RenderOptions(options.color, options.show_source, options.quiet))
    if options.output:
        try:
            Path(options.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"vigil: error: cannot write {options.output}: {exc.strerror or exc}", file=err)
            return EXIT_ERROR
    else:
        out.write(text)
        out.flush()
    if options.write_baseline:
        return EXIT_CLEAN  # the point of writing a baseline is accepting what is there today
    return EXIT_FINDINGS if scan.failing() else EXIT_CLEAN


__all__ = [
    "EXIT_CLEAN",
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "CheckOptions",
    "UsageError",
    "run_check",
    "split_selectors",
]
