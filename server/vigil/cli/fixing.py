"""Apply fixes to a file: iteratively, conservatively, atomically.

Each round applies every fix that does not overlap another one chosen in the same round, then
re-analyses the new text: fixes that were skipped because of an overlap get recomputed against
fresh offsets, and fixes that enable other fixes (an added import, a rewritten call) are picked
up. Rounds are bounded so a pair of rules that keep undoing each other cannot loop forever. A
round whose result no longer parses where the input did is thrown away: a fix must never turn a
working file into a broken one.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vigil.engine.findings import Edit, Finding, Fix
from vigil.engine.fixes import apply_edits, newline_of
from vigil.engine.runner import Analysis, Analyzer

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    """The end state of fixing one file."""

    source: bytes
    analysis: Analysis
    applied: int = 0
    #: Titles of the fixes applied, in order, for verbose reporting.
    titles: list[str] = field(default_factory=list)
    rejected_rounds: int = 0

    @property
    def changed(self) -> bool:
        return self.applied > 0


def wanted(finding: Finding, unsafe: bool) -> Fix | None:
    """The fix ``--fix`` (``unsafe=False``) or ``--fix --unsafe-fixes`` would apply."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return None
    if fix.is_safe or unsafe:
        return fix
    return None


def _conflicts(edit: Edit, taken: list[Edit]) -> bool:
    for other in taken:
        if edit == other:
            continue  # two fixes adding the same import share the edit
        if edit.start < other.end and other.start < edit.end:
            return True
        if edit.start == other.start and (edit.start == edit.end or other.start == other.end):
            return True  # two insertions at one point: their order would be arbitrary
        if edit.start == edit.end and other.start < edit.start < other.end:
            return True
    return False


def choose(fixes: Iterable[Fix]) -> tuple[list[Fix], list[Edit]]:
    """A maximal set of fixes whose edits do not overlap (first come, first served)."""
    chosen: list[Fix] = []
    edits: list[Edit] = []
    for fix in fixes:
        if any(_conflicts(edit, edits) for edit in fix.edits):
            continue
        chosen.append(fix)
        edits.extend(e for e in fix.edits if e not in edits)
    return chosen, edits


def _normalise_newlines(edits: list[Edit], newline: str) -> list[Edit]:
    """Fix templates are written with ``\\n``; a CRLF file gets CRLF in the inserted text."""
    if newline == "\n":
        return edits
    out = []
    for edit in edits:
        text = edit.text.replace("\r\n", "\n").replace("\n", newline)
        out.append(Edit(edit.start, edit.end, text))
    return out


def _breaks_syntax(analyzer: Analyzer, source: bytes, path: str, edits: list[Edit], newline: str) -> bool:
    updated = apply_edits(source, _normalise_newlines(edits, newline))
    return analyzer.analyze(updated, path).tree.root_node.has_error


def fix_source(analyzer: Analyzer, source: bytes, path: str, first: Analysis, unsafe: bool) -> FixOutcome:
    """Apply fixes to ``source`` until none is left (or ``MAX_ROUNDS``).

    When a round's result does not parse (and the input did), each of its fixes is tried
    alone; the ones that break the file are set aside for good and the round is retried, so
    one bad fix never blocks the good ones.
    """
    outcome = FixOutcome(source, first)
    newline = newline_of(source)
    broken: set[tuple[str, str]] = set()
    for _ in range(MAX_ROUNDS):
        candidates: list[tuple[tuple[str, str], Fix]] = []
        for finding in outcome.analysis.findings:
            fix = wanted(finding, unsafe)
            key = (finding.rule_id, finding.snippet_hash)
            if fix is not None and key not in broken:
                candidates.append((key, fix))
        if not candidates:
            break
        chosen, edits = choose(fix for _, fix in candidates)
        updated = apply_edits(outcome.source, _normalise_newlines(edits, newline))
        if updated == outcome.source:
            break
        analysis = analyzer.analyze(updated, path)
        if analysis.tree.root_node.has_error and not outcome.analysis.tree.root_node.has_error:
            outcome.rejected_rounds += 1
            before = len(broken)
            for key, fix in candidates:
                if fix in chosen and _breaks_syntax(analyzer, outcome.source, path, list(fix.edits), newline):
                    broken.add(key)
            if len(broken) == before:  # only the combination breaks: stop rather than guess
                break
            continue
        outcome.source = updated
        outcome.analysis = analysis
        outcome.applied += len(chosen)
        outcome.titles.extend(fix.title for fix in chosen)
    return outcome


def unified_diff(display: str, before: bytes, after: bytes) -> str:
    """A ``git diff``-style patch of one file (``a/``/``b/`` prefixes, applies with ``patch -p1``)."""
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = []
    name = display.lstrip("/")
    for line in difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"):
        lines.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the file's content in one step (a crash never leaves half a file), keeping its
    permissions; a symlink is followed so the link itself stays a link."""
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o7777
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".vigil-tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except OSError:
            pass
        raise
