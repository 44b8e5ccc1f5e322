"""What a scan produced, in the shape every reporter needs.

The engine speaks UTF-8 byte offsets; people and SARIF speak 1-based lines and columns. The
conversion lives here, once: columns count Unicode code points (what editors show and what
SARIF's ``unicodeCodePoints`` column kind means), so a line with ``é`` or an emoji before the
finding still points at the right character.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from vigil.engine.findings import Finding
from vigil.engine.suppressions import Suppression
from vigil.rules.loader import RuleSet
from vigil.rules.model import Rule, Severity

_EOL = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in code points


class LineIndex:
    """Byte offset <-> (line, column) for one source text. Line breaks: ``\\n``, ``\\r\\n``, ``\\r``
    (the same set Python's tokenizer and the suppression scanner use).

    The table of line starts is built only when needed: a report asks for a handful of
    positions per file, and for a file without ``\\r`` each answer is two C-level scans of the
    bytes before the offset (``count``/``rfind``), far cheaper than a Python loop over every
    line of a large file. After ``EAGER_AFTER`` lookups, or for text containing ``\\r`` (where a
    break is not a single byte), the table is built once and ``bisect`` answers the rest.
    """

    #: Lookups answered by scanning before the line table is built (each scan costs a few
    #: nanoseconds per line; building the table ~0.3 us per line).
    EAGER_AFTER = 32

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._table: tuple[list[int], list[int]] | None = None
        self._scans = 0 if b"\r" not in source else self.EAGER_AFTER

    def _lines(self) -> tuple[list[int], list[int]]:
        if self._table is None:
            starts, ends = [0], []
            for match in _EOL.finditer(self.source):
                ends.append(match.start())
                starts.append(match.end())
            ends.append(len(self.source))
            self._table = (starts, ends)
        return self._table

    @property
    def starts(self) -> list[int]:
        """Byte offset of the start of each line."""
        return self._lines()[0]

    @property
    def ends(self) -> list[int]:
        """Byte offset of the end of each line (before its line break)."""
        return self._lines()[1]

    @property
    def line_count(self) -> int:
        if self._table is None and self._scans < self.EAGER_AFTER:
            return self.source.count(b"\n") + 1
        return len(self.starts)

    def position(self, offset: int) -> Position:
        source = self.source
        offset = max(0, min(offset, len(source)))
        if self._table is None and self._scans < self.EAGER_AFTER:
            self._scans += 1
            start = source.rfind(b"\n", 0, offset) + 1
            line = source.count(b"\n", 0, start) + 1
            return Position(line, len(source[start:offset].decode("utf-8", "replace")) + 1)
        starts, ends = self._lines()
        index = bisect.bisect_right(starts, offset) - 1
        start = starts[index]
        # An offset between the "\r" and "\n" of a line break belongs to the end of the line.
        offset = min(offset, ends[index])
        column = len(source[start:offset].decode("utf-8", "replace")) + 1
        return Position(index + 1, column)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break."""
        if not 1 <= line <= self.line_count:
            return ""
        return self.source[self.starts[line - 1] : self.ends[line - 1]].decode("utf-8", "replace")


@dataclass(frozen=True)
class Problem:
    """A file that could not be analysed (unreadable, binary, too big ...)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class FileResult:
    """One analysed file: findings refer to ``source`` (the text after any applied fixes)."""

    path: Path
    display: str
    source: bytes
    findings: list[Finding] = field(default_factory=list)
    fixed: int = 0
    unused_suppressions: list[Suppression] = field(default_factory=list)

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.source)

    def start(self, finding: Finding) -> Position:
        return self.index.position(finding.start)

    def end(self, finding: Finding) -> Position:
        return self.index.position(finding.end)


@dataclass
class ScanResult:
    """Everything one ``vigil check`` run found, plus what the reporters need to describe it."""

    files: list[FileResult]
    problems: list[Problem]
    files_checked: int
    ruleset: RuleSet
    #: The rules that could run (after select/ignore), for SARIF's rule table.
    rules: list[Rule]
    fail_on: Severity = Severity.LOW
    fixing: bool = False
    unsafe_fixes: bool = False
    #: Folder that SARIF URIs are relative to (the current directory of the run).
    root: Path = field(default_factory=Path.cwd)
    report_unused: bool = False
    #: Effective default severity per rule id (after ``[tool.vigil] severity`` overrides).
    severities: dict[str, Severity] = field(default_factory=dict)
    #: Findings hidden because ``--baseline`` already lists them.
    baselined: int = 0

    def rule(self, rule_id: str) -> Rule | None:
        return self.ruleset.by_id(rule_id)

    def iter_findings(self) -> list[tuple[FileResult, Finding]]:
        return [(f, finding) for f in self.files for finding in f.findings]

    @property
    def finding_count(self) -> int:
        return sum(len(f.findings) for f in self.files)

    @property
    def files_with_findings(self) -> int:
        return sum(1 for f in self.files if f.findings)

    @property
    def fixed_count(self) -> int:
        return sum(f.fixed for f in self.files)

    @property
    def unused_count(self) -> int:
        return sum(len(f.unused_suppressions) for f in self.files)

    def by_severity(self) -> Counter[Severity]:
        return Counter(finding.severity for _, finding in self.iter_findings())

    def fixable(self) -> tuple[int, int]:
        """(findings with a safe fix, findings with only a review fix)."""
        safe = review = 0
        for _, finding in self.iter_findings():
            if finding.fix is None:
                continue
            if finding.fix.is_safe:
                safe += 1
            else:
                review += 1
        return safe, review

    def failing(self) -> int:
        """Findings at or above ``fail_on`` (plus unused suppressions when asked to report them)."""
        count = sum(1 for _, f in self.iter_findings() if f.severity >= self.fail_on)
        return count + (self.unused_count if self.report_unused else 0)


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    show_source: bool = True
    quiet: bool = False


def suppression_label(suppression: Suppression) -> str:
    """How an unused suppression is described to the user: its comment text, trimmed."""
    text = " ".join(suppression.text.split())
    return text if len(text) <= 80 else text[:77] + "..."
