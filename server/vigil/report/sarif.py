"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub reads, and why each piece is here:
- ``tool.driver.rules[]`` with ``shortDescription``, ``fullDescription``, ``help`` (text and
  markdown) so the alert page explains the problem without leaving GitHub;
  ``properties.tags`` with ``security`` and ``external/cwe/cwe-NNN`` (GitHub's CWE filter) and
  ``properties.security-severity`` (a number as a string; GitHub turns it into
  critical/high/medium/low).
- ``partialFingerprints`` so an alert keeps its identity when code moves.
- ``fixes`` (artifact changes with 1-based regions), ``relatedLocations``/``codeFlows`` for the
  data-flow steps of taint findings, ``invocations`` with the files that were skipped.
Columns are code points (``run.columnKind = "unicodeCodePoints"``) and end columns exclusive.
URIs are relative to ``%SRCROOT%`` (the directory the scan ran in) so the log is portable.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vigil import __version__
from vigil.engine.findings import Finding
from vigil.report.model import FileResult, RenderOptions, ScanResult, suppression_label
from vigil.report.ruledocs import CWE_URL, doc_markdown, fence, fix_kind, wrap_markdown
from vigil.rules.model import Confidence, Rule, Severity

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
FINGERPRINT_KEY = "vigilSnippetHash/v1"


def information_uri() -> str | None:
    """The project's home page from the installed distribution's metadata, when it has one.

    SARIF makes ``informationUri`` optional; without a real home page it is left out rather
    than pointing at a made-up address."""
    try:
        meta = metadata("vigil-lsp")
    except PackageNotFoundError:  # running from a source tree
        return None
    for entry in meta.get_all("Project-URL") or []:
        _, _, url = entry.partition(",")
        if url.strip().startswith(("https://", "http://")):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.startswith(("https://", "http://")) else None


def artifact_location(path: Path, root: Path) -> dict[str, str]:
    absolute = path if path.is_absolute() else root / path
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _region(result: FileResult, start: int, end: int) -> dict[str, int]:
    first = result.index.position(start)
    last = result.index.position(end)
    return {"startLine": first.line, "startColumn": first.column, "endLine": last.line, "endColumn": last.column}


def _physical(result: FileResult, root: Path, start: int, end: int) -> dict[str, Any]:
    return {"artifactLocation": artifact_location(result.path, root), "region": _region(result, start, end)}


def _help(rule: Rule) -> dict[str, str]:
    references = list(dict.fromkeys([*rule.docs.references, *(CWE_URL.format(n) for n in rule.cwe)]))
    text = "\n".join(["Why it matters", *wrap_markdown(rule.docs.why), "", "How to fix",
                      *wrap_markdown(rule.docs.fix)])
    markdown = (f"**{rule.title}**\n\n{doc_markdown(rule.docs.why)}\n\n"
                f"**How to fix**\n\n{doc_markdown(rule.docs.fix)}")
    fixed = next((e for e in rule.examples if e.kind == "vulnerable" and e.fixed), None)
    if fixed is not None and fixed.fixed is not None and "```" not in rule.docs.fix:
        lang = fence(rule)
        markdown += (f"\n\nBefore:\n\n```{lang}\n{fixed.code.strip()}\n```\n\n"
                     f"After:\n\n```{lang}\n{fixed.fixed.strip()}\n```")
    if references:
        text += "\n\nReferences:\n" + "\n".join(references)
        markdown += "\n\n**References**\n\n" + "\n".join(f"- <{r}>" for r in references)
    return {"text": text, "markdown": markdown}


def rule_descriptor(rule: Rule, severity: Severity) -> dict[str, Any]:
    tags = ["security", *([rule.category] if rule.category else []), *rule.tags]
    tags += [f"external/cwe/cwe-{n}" for n in rule.cwe]
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(tags)),
        "security-severity": SECURITY_SEVERITY[severity],
        "precision": PRECISION[rule.confidence],
        "problem.severity": {"error": "error", "warning": "warning", "note": "recommendation"}[LEVELS[severity]],
        "fix": fix_kind(rule),
    }
    if rule.bandit:
        properties["bandit"] = list(rule.bandit)
    if rule.ruff:
        properties["ruff"] = list(rule.ruff)
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.docs.why.split())},
        "help": _help(rule),
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": properties,
    }


def _fix(result: FileResult, finding: Finding, root: Path) -> list[dict[str, Any]]:
    if finding.fix is None or not finding.fix.edits:
        return []
    replacements = []
    for edit in finding.fix.edits:
        replacement: dict[str, Any] = {"deletedRegion": _region(result, edit.start, edit.end)}
        if edit.text:
            replacement["insertedContent"] = {"text": edit.text}
        replacements.append(replacement)
    return [{
        "description": {"text": f"{finding.fix.title} ({finding.fix.applicability.value})"},
        "artifactChanges": [{"artifactLocation": artifact_location(result.path, root),
                             "replacements": replacements}],
    }]


def _result(result: FileResult, finding: Finding, scan: ScanResult, rule_index: dict[str, int],
            root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(result, root, finding.start, finding.end)}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.snippet_hash},
        "properties": {"severity": finding.severity.label},
    }
    if finding.rule_id in rule_index:
        out["ruleIndex"] = rule_index[finding.rule_id]
    fixes = _fix(result, finding, root)
    if fixes:
        out["fixes"] = fixes
    if finding.related:
        related = [
            {"id": i + 1, "physicalLocation": _physical(result, root, r.start, r.end), "message": {"text": r.message}}
            for i, r in enumerate(finding.related)
        ]
        out["relatedLocations"] = related
        steps = [{"location": {"physicalLocation": r["physicalLocation"], "message": r["message"]}} for r in related]
        steps.append({"location": {"physicalLocation": out["locations"][0]["physicalLocation"],
                                   "message": {"text": finding.message}}})
        out["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    return out


def _notifications(scan: ScanResult, root: Path) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for problem in scan.problems:
        notes.append({
            "level": "warning",
            "message": {"text": f"{problem.path}: {problem.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(Path(problem.path), root)}}],
        })
    for result in scan.files:
        for suppression in result.unused_suppressions:
            notes.append({
                "level": "warning",
                "message": {"text": f"unused suppression: {suppression_label(suppression)}"},
                "locations": [{"physicalLocation": _physical(result, root, suppression.start, suppression.end)}],
            })
    return notes


def document(scan: ScanResult) -> dict[str, Any]:
    root = scan.root.resolve()
    rules = scan.rules
    rule_index = {rule.id: i for i, rule in enumerate(rules)}
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notifications = _notifications(scan, root)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    invocation["workingDirectory"] = {"uri": root.as_uri() + "/"}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Vigil",
                "version": __version__,
                "semanticVersion": __version__,
                **({"informationUri": uri} if (uri := information_uri()) else {}),
                "rules": [rule_descriptor(r, scan.severities.get(r.id, r.severity)) for r in rules],
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(r, f, scan, rule_index, root) for r, f in scan.iter_findings()],
        }],
    }


def render(scan: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(scan), indent=2, ensure_ascii=False) + "\n"
