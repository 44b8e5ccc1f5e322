"""Entry point of the ``vigil`` command (console script and ``python -m vigil``).

``main(argv)`` never calls ``sys.exit`` itself and writes only to the streams it is given, so
tests can run it in-process; argparse's own exits (``--help``, usage errors) are turned into
return codes too.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from vigil import __version__
from vigil.cli.check import EXIT_ERROR, CheckOptions, run_check
from vigil.cli.progress import is_terminal
from vigil.report import FORMATS
from vigil.rules.model import Severity

SEVERITIES = [s.label for s in Severity]


class _Parser(argparse.ArgumentParser):
    """argparse that writes to the streams given to ``main`` instead of the process's own."""

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def _print_message(self, message: str, file: TextIO | None = None) -> None:
        if message:
            (self.out if file is sys.stdout or file is None else self.err).write(message)


def _add_check(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = subparsers.add_parser(
        "check", help="scan files for security problems",
        description=("Scan files recursively (Python and every other file type Vigil has rules "
                     "for), honouring .gitignore and [tool.vigil] in pyproject.toml."),
        epilog=("exit codes: 0 = no findings at or above --fail-on; 1 = findings (or unused "
                "suppressions with --report-unused-ignores); 2 = usage, configuration or rule error"),
    )
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories (default: .); named paths are checked even if excluded")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    fixes = check.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also apply fixes marked 'review'")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them")
    rules = check.add_argument_group("rule selection")
    rules.add_argument("--select", action="append", default=[], metavar="IDS",
                       help="only these rule ids or prefixes (comma-separated; replaces the config's select)")
    rules.add_argument("--ignore", action="append", default=[], metavar="IDS",
                       help="also ignore these rule ids or prefixes (comma-separated)")
    rules.add_argument("--rule-dir", action="append", default=[], dest="rule_dirs", metavar="DIR",
                       help="load extra rules from DIR (its Python checks are trusted)")
    rules.add_argument("--fail-on", choices=SEVERITIES, default=None,
                       help="lowest severity that makes the exit code 1 (default: low)")
    rules.add_argument("--report-unused-ignores", action="store_true",
                       help="report suppression comments that silence nothing (they fail the run)")
    config = check.add_argument_group("configuration")
    config.add_argument("--config", metavar="FILE", help="use this pyproject.toml or vigil.toml")
    config.add_argument("--no-config", action="store_true", help="ignore [tool.vigil] settings")
    output = check.add_argument_group("output")
    output.add_argument("--show-source", action=argparse.BooleanOptionalAction, default=True,
                        help="show a code frame under each finding (text format)")
    output.add_argument("-q", "--quiet", action="store_true", help="findings only, no summary")
    output.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour text output (auto: when writing to a terminal and NO_COLOR is unset)")
    speed = check.add_argument_group("speed")
    speed.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                       help="analyse files in N processes (default: one per CPU)")
    speed.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    speed.add_argument("--cache-dir", metavar="DIR",
                       help="result cache folder (default: $VIGIL_CACHE_DIR or the user cache folder)")
    adoption = check.add_argument_group("baseline")
    adoption.add_argument("--baseline", metavar="FILE",
                          help="hide findings recorded in FILE: report only new ones")
    adoption.add_argument("--write-baseline", metavar="FILE",
                          help="record every current finding in FILE (exit code 0)")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _parser() -> _Parser:
    parser = _Parser(prog="vigil", description="Vigil: security checks for Python and cloud code.")
    parser.add_argument("--version", action="version", version=f"vigil {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(subparsers)
    rules = subparsers.add_parser("rules", help="list the rules",
                                  description="List every rule (markdown output is docs/rules.md).")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.add_argument("--rule-dir", action="append", default=[], dest="rule_dirs", metavar="DIR")
    rule = subparsers.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("rule_id", metavar="ID")
    rule.add_argument("--rule-dir", action="append", default=[], dest="rule_dirs", metavar="DIR")
    serve = subparsers.add_parser("serve", help="run the language server (stdio unless --tcp)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    serve.add_argument("--log-file", metavar="FILE", help="write the server log to FILE")
    serve.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    return parser


def _use_color(choice: str, output: str | None, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    _Parser.out, _Parser.err = out, err
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else EXIT_ERROR
    if args.command == "check":
        if args.unsafe_fixes and not (args.fix or args.diff):
            err.write("vigil: error: --unsafe-fixes needs --fix or --diff\n")
            return EXIT_ERROR
        if args.baseline and args.write_baseline:
            err.write("vigil: error: use either --baseline (compare) or --write-baseline (record), not both\n")
            return EXIT_ERROR
        if args.fix and args.diff:
            err.write("vigil: error: use either --fix (write) or --diff (show), not both\n")
            return EXIT_ERROR
        options = CheckOptions(
            paths=args.paths or ["."], format=args.format, fix=args.fix, unsafe_fixes=args.unsafe_fixes,
            diff=args.diff, select=args.select, ignore=args.ignore, fail_on=args.fail_on,
            config=args.config, no_config=args.no_config, rule_dirs=args.rule_dirs,
            report_unused_ignores=args.report_unused_ignores, show_source=args.show_source,
            quiet=args.quiet, output=args.output,
            color=args.format == "text" and _use_color(args.color, args.output, out),
            jobs=args.jobs, no_cache=args.no_cache, cache_dir=args.cache_dir, baseline=args.baseline,
            write_baseline=args.write_baseline, progress=is_terminal(err),
        )
        return run_check(options, out, err)
    if args.command == "rules":
        from vigil.cli.rules_cmd import list_rules

        return list_rules(args.format, args.rule_dirs, out, err)
    if args.command == "rule":
        from vigil.cli.rules_cmd import show_rule

        return show_rule(args.rule_id, args.rule_dirs, out, err)
    if args.command == "serve":
        from vigil.cli.serve import serve

        return serve(args.tcp, args.log_file, args.verbose, err)
    parser.print_help(err)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
