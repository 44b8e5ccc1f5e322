"""``--format json``: a stable, documented shape for scripts and dashboards.

Positions are given both ways: 1-based line/column (code points; end exclusive) for people and
tools, and UTF-8 byte offsets for programs that patch the file themselves. ``version`` is the
schema version of this document, bumped on incompatible changes.
"""

from __future__ import annotations

import json
from typing import Any

from vigil import __version__
from vigil.engine.findings import Edit, Finding
from vigil.report.model import FileResult, RenderOptions, ScanResult, suppression_label

SCHEMA_VERSION = 1


def _span(result: FileResult, start: int, end: int) -> dict[str, int]:
    first = result.index.position(start)
    last = result.index.position(end)
    return {"line": first.line, "column": first.column, "end_line": last.line, "end_column": last.column,
            "start_byte": start, "end_byte": end}


def _edit(result: FileResult, edit: Edit) -> dict[str, Any]:
    return {**_span(result, edit.start, edit.end), "text": edit.text}


def finding_json(result: FileResult, finding: Finding, scan: ScanResult) -> dict[str, Any]:
    rule = scan.rule(finding.rule_id)
    out: dict[str, Any] = {
        "path": result.display,
        "rule": finding.rule_id,
        "name": rule.name if rule else finding.rule_id,
        "title": rule.title if rule else "",
        "severity": finding.severity.label,
        "message": finding.message,
        **_span(result, finding.start, finding.end),
        "cwe": list(rule.cwe_ids) if rule else [],
        "fingerprint": finding.snippet_hash,
        "fix": None,
        "related": [
            {**_span(result, r.start, r.end), "message": r.message} for r in finding.related
        ],
    }
    if finding.fix is not None:
        out["fix"] = {
            "title": finding.fix.title,
            "applicability": finding.fix.applicability.value,
            "edits": [_edit(result, e) for e in finding.fix.edits],
        }
    return out


def document(scan: ScanResult) -> dict[str, Any]:
    safe, review = scan.fixable()
    counts = scan.by_severity()
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "vigil", "version": __version__},
        "findings": [finding_json(r, f, scan) for r, f in scan.iter_findings()],
        "unused_suppressions": [
            {"path": r.display, **_span(r, s.start, s.end), "comment": suppression_label(s)}
            for r in scan.files for s in r.unused_suppressions
        ],
        "errors": [{"path": p.path, "message": p.message} for p in scan.problems],
        "summary": {
            "files_checked": scan.files_checked,
            "files_with_findings": scan.files_with_findings,
            "findings": scan.finding_count,
            "by_severity": {s.label: counts[s] for s in sorted(counts, reverse=True)},
            "fixable": {"safe": safe, "review": review},
            "fixed": scan.fixed_count,
            "fail_on": scan.fail_on.label,
            "failing": scan.failing(),
        },
    }


def render(scan: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(scan), indent=2, ensure_ascii=False) + "\n"
