"""What the engine produces: findings and fixes, in UTF-8 byte offsets only.

The LSP layer converts byte offsets to client position units in exactly one place; the CLI
converts them to 1-based lines and columns. Findings are plain JSON-able data so the
persistent cache can store them without pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vigil.rules.model import Applicability, Severity


@dataclass(frozen=True, order=True)
class Edit:
    """Replace source bytes [start, end) with ``text``."""

    start: int
    end: int
    text: str

    def shifted(self, delta: int) -> Edit:
        return Edit(self.start + delta, self.end + delta, self.text)


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def shifted(self, delta: int) -> Fix:
        return Fix(self.title, self.applicability, tuple(e.shifted(delta) for e in self.edits))


@dataclass(frozen=True)
class Related:
    """Another location that explains a finding (e.g. where a tainted value came from)."""

    start: int
    end: int
    message: str

    def shifted(self, delta: int) -> Related:
        return Related(self.start + delta, self.end + delta, self.message)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    start: int
    end: int
    message: str
    severity: Severity
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    #: Byte span of the statement the finding belongs to; suppressions anywhere in it apply.
    stmt_start: int = 0
    stmt_end: int = 0
    #: A short, position-independent fingerprint of the flagged code (for baselines).
    snippet_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.rule_id, self.start, self.end)

    def shifted(self, delta: int) -> Finding:
        return Finding(
            self.rule_id,
            self.start + delta,
            self.end + delta,
            self.message,
            self.severity,
            self.fix.shifted(delta) if self.fix else None,
            tuple(r.shifted(delta) for r in self.related),
            self.stmt_start + delta,
            self.stmt_end + delta,
            self.snippet_hash,
            self.extra,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule_id,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "severity": self.severity.label,
            "stmt": [self.stmt_start, self.stmt_end],
            "hash": self.snippet_hash,
        }
        if self.fix:
            out["fix"] = {
                "title": self.fix.title,
                "applicability": self.fix.applicability.value,
                "edits": [[e.start, e.end, e.text] for e in self.fix.edits],
            }
        if self.related:
            out["related"] = [[r.start, r.end, r.message] for r in self.related]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        fix = None
        if "fix" in data:
            raw = data["fix"]
            fix = Fix(
                raw["title"],
                Applicability(raw["applicability"]),
                tuple(Edit(int(s), int(e), str(t)) for s, e, t in raw["edits"]),
            )
        return cls(
            rule_id=data["rule"],
            start=int(data["start"]),
            end=int(data["end"]),
            message=data["message"],
            severity=Severity.parse(data["severity"]),
            fix=fix,
            related=tuple(Related(int(s), int(e), str(m)) for s, e, m in data.get("related", [])),
            stmt_start=int(data["stmt"][0]),
            stmt_end=int(data["stmt"][1]),
            snippet_hash=data.get("hash", ""),
        )


@dataclass(frozen=True)
class RuleFailure:
    """A rule that raised or ran out of budget; logged, never fatal for other rules."""

    rule_id: str
    message: str
