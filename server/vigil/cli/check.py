"""``vigil check``: find files, analyse them, optionally fix them, report, pick an exit code.

Exit codes: 0 = nothing at or above ``--fail-on``; 1 = findings (or unused suppressions with
``--report-unused-ignores``); 2 = the run itself could not be trusted (bad usage, broken
configuration, broken rule file), so CI never mistakes a misconfigured scan for a clean one.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from vigil.cli.discovery import Candidate, Walker
from vigil.cli.fixing import fix_source, unified_diff, write_atomic
from vigil.cli.sources import SourceError, read_source
from vigil.config import Config, ConfigError, load_config, load_config_file
from vigil.engine.languages import language_for_path
from vigil.engine.runner import Analyzer, unused_suppressions
from vigil.engine.suppressions import Suppression
from vigil.report import reporter
from vigil.report.model import FileResult, Problem, RenderOptions, ScanResult
from vigil.rules.loader import RuleSet, load_rules
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


def split_selectors(values: Sequence[str]) -> list[str]:
    """``--select INJ,DES002 --select WEB`` -> ``["INJ", "DES002", "WEB"]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _display(path: Path) -> str:
    """Paths are shown relative to the current directory when they are inside it."""
    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return relative.as_posix() or "."


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


def _relevant_unused(unused: list[Suppression], config: Config, ruleset: RuleSet, display: str) -> list[Suppression]:
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


@dataclass
class _Run:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    checked: int = 0
    would_fix: int = 0


def _analyse_file(candidate: Candidate, analyzer: Analyzer, config: Config, ruleset: RuleSet,
                  options: CheckOptions, run: _Run, err: TextIO) -> None:
    path = candidate.path
    display = _display(path)
    if language_for_path(path) is None:
        run.problems.append(Problem(display, "not a file type Vigil analyses; skipped"))
        return
    try:
        source = read_source(path, config.max_file_size)
    except SourceError as exc:
        run.problems.append(Problem(display, str(exc)))
        return
    run.checked += 1
    analysis = analyzer.analyze(source.data, display)
    for failure in analysis.result.failures:
        print(f"vigil: warning: {display}: rule {failure.rule_id} failed: {failure.message}", file=err)
    if analysis.result.timed_out:
        print(f"vigil: warning: {display}: analysis ran out of time; results are incomplete", file=err)
    result = FileResult(path, display, source.data, list(analysis.findings))
    if options.fix or options.diff:
        outcome = fix_source(analyzer, source.data, display, analysis, options.unsafe_fixes)
        if outcome.rejected_rounds:
            print(f"vigil: warning: {display}: a fix would have broken the syntax; not applied", file=err)
        if outcome.changed and options.diff:
            run.diffs.append(unified_diff(display, source.data, outcome.source))
            run.would_fix += outcome.applied
        elif outcome.changed:
            try:
                write_atomic(path, source.encoded(outcome.source))
            except OSError as exc:
                run.problems.append(Problem(display, f"cannot write fixes: {exc.strerror or exc}"))
            else:
                analysis = outcome.analysis
                result = FileResult(path, display, outcome.source, list(analysis.findings), outcome.applied)
    if options.report_unused_ignores:
        result.unused_suppressions = _relevant_unused(unused_suppressions(analysis, ruleset), config,
                                                      ruleset, display)
    run.files.append(result)


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    try:
        config = resolve_config(options)
        ruleset = load_ruleset(config, [Path(d).resolve() for d in options.rule_dirs])
        check_selectors(config, ruleset, options)
        for raw in options.paths:
            if not os.path.lexists(raw):
                raise UsageError(f"{raw}: no such file or directory")
    except (ConfigError, UsageError) as exc:
        print(f"vigil: error: {exc}", file=err)
        return EXIT_ERROR
    # The engine logs rule failures; the CLI reports them itself, so keep its log quiet.
    logging.getLogger("vigil").setLevel(logging.CRITICAL)
    analyzer = Analyzer(ruleset, config.policy())
    run = _Run()
    for candidate in Walker(config).candidates([Path(p) for p in options.paths]):
        _analyse_file(candidate, analyzer, config, ruleset, options, run, err)
    for problem in run.problems:
        print(f"vigil: {problem}", file=err)
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
