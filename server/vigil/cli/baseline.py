"""``--write-baseline`` / ``--baseline``: adopt Vigil on an existing code base, see only new findings.

A finding is identified by (rule, file, fingerprint of the flagged code) — never by its line,
so adding an import at the top of a file does not resurrect every old finding. The fingerprint
is ``Finding.snippet_hash``: the rule id plus the flagged text with whitespace collapsed, so
re-indenting or moving the code keeps it. Identical findings in one file are counted: with two
baselined ``yaml.load(data)`` calls, a third new one is still reported.

Paths are stored relative to the baseline file's folder, so the baseline works from any
working directory and on any checkout location.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.report.model import FileResult

FORMAT = "vigil-baseline"
VERSION = 1

Key = tuple[str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be used (the message names the file and the problem)."""


def _relative(path: Path, base: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(absolute).as_posix()


def _base(baseline_file: Path) -> Path:
    return Path(os.path.abspath(baseline_file)).parent


def write_baseline(baseline_file: Path, files: list[FileResult]) -> int:
    """Record every finding of ``files``; returns how many were written."""
    base = _base(baseline_file)
    entries: list[dict[str, Any]] = []
    for result in files:
        rel = _relative(result.path, base)
        for finding in result.findings:
            entries.append({
                "rule": finding.rule_id,
                "path": rel,
                "fingerprint": finding.snippet_hash,
                # For people reading the file; never used for matching.
                "line": result.start(finding).line,
                "message": finding.message,
            })
    entries.sort(key=lambda e: (e["path"], e["line"], e["rule"]))
    document = {"format": FORMAT, "version": VERSION, "vigil": __version__, "findings": entries}
    try:
        baseline_file.parent.mkdir(parents=True, exist_ok=True)
        baseline_file.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{baseline_file}: cannot write: {exc.strerror or exc}") from None
    return len(entries)


@dataclass
class Baseline:
    known: Counter[Key]
    base: Path

    @classmethod
    def load(cls, baseline_file: Path) -> Baseline:
        try:
            text = baseline_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise BaselineError(f"{baseline_file}: cannot read: {exc.strerror or exc}") from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise BaselineError(f"{baseline_file}: not valid JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise BaselineError(f"{baseline_file}: not a Vigil baseline (write one with --write-baseline)")
        if document.get("version") != VERSION:
            raise BaselineError(f"{baseline_file}: unsupported baseline version {document.get('version')!r}")
        known: Counter[Key] = Counter()
        entries = document.get("findings")
        if not isinstance(entries, list):
            raise BaselineError(f"{baseline_file}: 'findings' must be a list")
        for number, entry in enumerate(entries, 1):
            try:
                key = (str(entry["rule"]), str(entry["path"]), str(entry["fingerprint"]))
            except (KeyError, TypeError):
                raise BaselineError(f"{baseline_file}: finding #{number} lacks rule, path or fingerprint") from None
            known[key] += 1
        return cls(known, _base(baseline_file))

    def filter(self, files: list[FileResult]) -> int:
        """Drop baselined findings from ``files`` in place; returns how many were dropped."""
        remaining = Counter(self.known)
        hidden = 0
        for result in files:
            rel = _relative(result.path, self.base)
            kept = []
            for finding in result.findings:
                key = (finding.rule_id, rel, finding.snippet_hash)
                if remaining[key] > 0:
                    remaining[key] -= 1
                    hidden += 1
                else:
                    kept.append(finding)
            result.findings = kept
        return hidden


__all__ = ["Baseline", "BaselineError", "write_baseline"]
