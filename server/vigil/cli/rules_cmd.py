"""``vigil rules`` (list) and ``vigil rule ID`` (one rule's documentation)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from vigil.report.ruledocs import rule_text, rules_json, rules_markdown, rules_text
from vigil.rules.loader import RuleSet, load_rules

EXIT_ERROR = 2


def _load(rule_dirs: Sequence[str], err: TextIO) -> RuleSet | None:
    directories = [Path(d).resolve() for d in rule_dirs]
    ruleset = load_rules(extra_directories=directories, trusted_directories=directories)
    if ruleset.errors:
        err.write("vigil: error: invalid rules:\n")
        err.writelines(f"  {error}\n" for error in ruleset.errors)
        return None
    return ruleset


def list_rules(fmt: str, rule_dirs: Sequence[str], out: TextIO, err: TextIO) -> int:
    ruleset = _load(rule_dirs, err)
    if ruleset is None:
        return EXIT_ERROR
    render = {"text": rules_text, "json": rules_json, "markdown": rules_markdown}[fmt]
    out.write(render(ruleset.rules))
    return 0


def show_rule(rule_id: str, rule_dirs: Sequence[str], out: TextIO, err: TextIO) -> int:
    ruleset = _load(rule_dirs, err)
    if ruleset is None:
        return EXIT_ERROR
    wanted = rule_id.strip().upper()
    rule = ruleset.by_id(wanted) or next((r for r in ruleset.rules if r.name.upper() == wanted), None)
    if rule is None:
        ids = [r.id for r in ruleset.rules]
        close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else " `vigil rules` lists them."
        err.write(f"vigil: error: no rule {rule_id!r}.{hint}\n")
        return EXIT_ERROR
    out.write(rule_text(rule))
    return 0
