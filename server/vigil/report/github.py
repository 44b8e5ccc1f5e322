"""``--format github``: GitHub Actions workflow commands, which become annotations on the PR.

``::error`` for high and critical, ``::warning`` for medium, ``::notice`` for low and info.
Values are escaped as the Actions runner expects (``%``, CR, LF in messages; additionally ``:``
and ``,`` in properties), otherwise a message with a newline would end the command early and a
file name with a comma would corrupt the properties.
"""

from __future__ import annotations

from vigil.report.model import RenderOptions, ScanResult, suppression_label
from vigil.rules.model import Severity

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}"


def render(scan: ScanResult, options: RenderOptions) -> str:
    lines: list[str] = []
    for result, finding in scan.iter_findings():
        start = result.start(finding)
        end = result.end(finding)
        props: dict[str, str | int] = {"file": result.display, "line": start.line, "col": start.column,
                                       "endLine": end.line}
        if end.line == start.line:
            props["endColumn"] = end.column  # Actions only honours endColumn on one-line spans
        props["title"] = finding.rule_id
        message = f"[{finding.severity.label}] {finding.message}"
        if finding.fix is not None:
            message += f"\nfix available: {finding.fix.title} ({finding.fix.applicability.value})"
        lines.append(_command(LEVELS[finding.severity], props, message))
    for result in scan.files:
        for suppression in result.unused_suppressions:
            position = result.index.position(suppression.start)
            lines.append(_command("warning", {"file": result.display, "line": position.line,
                                              "col": position.column, "title": "unused suppression"},
                                  f"unused suppression: {suppression_label(suppression)}"))
    for problem in scan.problems:
        lines.append(_command("warning", {"file": problem.path, "title": "vigil: file skipped"}, problem.message))
    return "\n".join(lines) + "\n" if lines else ""
