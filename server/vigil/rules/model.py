"""The in-memory shape of a rule, as read from ``queries/<language>/<ID>-<slug>.toml``.

Everything here is frozen data: the loader builds it once at start-up, the engine and the
LSP layer only read it. Keeping rules immutable lets the server share one ``RuleSet``
between the keystroke path and background scans without locks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Severity(enum.IntEnum):
    """Ordered so that ``--fail-on`` and severity filters are plain comparisons."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Confidence(enum.IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown confidence {text!r} (expected high, medium or low)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Applicability(enum.Enum):
    """``safe`` fixes are applied by ``--fix`` and fix-all; ``review`` ones only on request."""

    SAFE = "safe"
    REVIEW = "review"


@dataclass(frozen=True)
class EditSpec:
    """One edit of a fix, expressed over a capture of the rule's query.

    ``op`` is one of:
      - ``replace``: replace the captured node with ``text`` (a template);
      - ``insert_before`` / ``insert_after``: insert ``text`` next to the node;
      - ``remove_argument``: delete a (keyword) argument together with its separating comma;
      - ``add_argument``: append ``text`` as a new argument to a captured ``argument_list``;
      - ``strip_chars``: remove hidden characters (bidi controls, zero-width) from the node.
    """

    op: str
    capture: str
    text: str = ""


@dataclass(frozen=True)
class FixSpec:
    title: str
    applicability: Applicability
    edits: tuple[EditSpec, ...] = ()
    # Module to import at the top of the file if the fix text needs it (e.g. "os", "secrets").
    imports: tuple[str, ...] = ()
    # Optional "module:function" computing edits in Python for fixes a template can't express.
    function: str | None = None


@dataclass(frozen=True)
class Example:
    kind: str  # "vulnerable" | "safe"
    code: str
    fixed: str | None = None
    # 1-based lines where the rule must fire (vulnerable examples); empty = anywhere.
    lines: tuple[int, ...] = ()
    path: str | None = None  # a file name to analyse the example as, e.g. "app/settings.py"
    note: str = ""


@dataclass(frozen=True)
class Docs:
    why: str
    fix: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    title: str
    language: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    message: str
    docs: Docs
    query: str
    source_path: Path
    category: str = ""
    owasp: str = ""
    bandit: tuple[str, ...] = ()
    ruff: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    check: str | None = None
    fix: FixSpec | None = None
    examples: tuple[Example, ...] = field(default=(), repr=False)
    # Severity used for files that look like tests (tests/, test_*.py, conftest.py), if lower.
    test_severity: Severity | None = None
    # How much code a finding depends on, which tells the language server how far to widen an
    # edit before re-running the rule: "statement" (default; the query match alone), "function"
    # (flow-sensitive: the enclosing function) or "file" (whole-file facts, e.g. imports).
    scope: str = "statement"

    @property
    def cwe_ids(self) -> tuple[str, ...]:
        return tuple(f"CWE-{n}" for n in self.cwe)

    @property
    def docs_uri(self) -> str:
        """Where the full documentation lives offline: the rule file itself."""
        return self.source_path.resolve().as_uri()

    @property
    def name(self) -> str:
        return f"{self.id}-{self.slug}"
