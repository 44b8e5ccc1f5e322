"""Human-readable output, modelled on the linters people like reading (Ruff, rustc).

``path:line:col: RULE [severity] message``, then a code frame with a caret underline, the fix
hint and the data-flow steps of taint findings, then one summary. Hidden and control characters
in the frame are shown as ``<U+202E>`` escapes: printing a bidi override raw would reorder the
very line that is being reported for hiding code (Trojan Source).
"""

from __future__ import annotations

import unicodedata

from vigil.engine.findings import Finding
from vigil.engine.suppressions import Suppression
from vigil.report.model import FileResult, LineIndex, RenderOptions, ScanResult, suppression_label
from vigil.rules.model import Severity

MAX_FRAME_LINES = 4
TAB_WIDTH = 4

_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "boldred": "\x1b[1;31m",
    "yellow": "\x1b[33m",
    "blue": "\x1b[34m",
    "cyan": "\x1b[36m",
    "green": "\x1b[32m",
}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "boldred",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.INFO: "dim",
}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def _visible(char: str) -> tuple[str, int]:
    """How one source character is drawn in the frame, and its width in terminal cells."""
    if char == "\t":
        return " " * TAB_WIDTH, TAB_WIDTH
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zl", "Zp") or char == "\u00ad":
        escaped = f"<U+{ord(char):04X}>"
        return escaped, len(escaped)
    if unicodedata.combining(char):
        return char, 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return char, 2
    return char, 1


def _layout(text: str) -> tuple[str, list[int]]:
    """The drawn line plus the cell offset where each character (and the line end) starts."""
    parts: list[str] = []
    offsets: list[int] = []
    cell = 0
    for char in text:
        drawn, width = _visible(char)
        offsets.append(cell)
        parts.append(drawn)
        cell += width
    offsets.append(cell)
    return "".join(parts), offsets


def _frame(index: LineIndex, start: int, end: int, paint: _Painter, style: str) -> list[str]:
    first = index.position(start)
    last = index.position(end)
    if last.line > first.line and last.column == 1:
        last_line = last.line - 1  # a span ending at a line break does not underline the next line
    else:
        last_line = last.line
    lines = list(range(first.line, last_line + 1))
    elided = len(lines) > MAX_FRAME_LINES
    if elided:
        lines = lines[: MAX_FRAME_LINES - 1]
    width = len(str(lines[-1] if not elided else last_line))
    gutter = paint(" " * width + " |", "blue")
    out = [gutter]
    for number in lines:
        text = index.line_text(number)
        drawn, offsets = _layout(text)
        from_col = first.column - 1 if number == first.line else len(text) - len(text.lstrip())
        to_col = last.column - 1 if number == last.line else len(text)
        from_col = min(from_col, len(text))
        to_col = max(from_col, min(to_col, len(text)))
        begin = offsets[from_col]
        span = max(1, offsets[to_col] - begin)
        out.append(f"{paint(str(number).rjust(width) + ' |', 'blue')} {drawn}".rstrip())
        out.append(f"{gutter} {' ' * begin}{paint('^' * span, style)}")
    if elided:
        out.append(paint("." * width + " |", "blue") + " ...")
    return out


def _finding_lines(result: FileResult, finding: Finding, scan: ScanResult, options: RenderOptions,
                   paint: _Painter) -> list[str]:
    position = result.start(finding)
    style = _SEVERITY_STYLE[finding.severity]
    header = (
        f"{paint(result.display, 'bold')}:{position.line}:{position.column}: "
        f"{paint(finding.rule_id, style)} [{paint(finding.severity.label, style)}] {finding.message}"
    )
    lines = [header]
    if options.show_source:
        lines.extend(_frame(result.index, finding.start, finding.end, paint, style))
    pad = " " * (len(str(position.line)) + 1)
    if finding.fix is not None:
        kind = finding.fix.applicability.value
        lines.append(f"{pad}{paint('=', 'blue')} fix available: {finding.fix.title} ({kind})")
    for step in finding.related:
        where = result.index.position(step.start)
        lines.append(f"{pad}{paint('=', 'blue')} data flow: {result.display}:{where.line}:{where.column}: "
                     f"{step.message}")
    rule = scan.rule(finding.rule_id)
    if rule is not None and rule.cwe and options.show_source:
        lines.append(f"{pad}{paint('=', 'blue')} {', '.join(rule.cwe_ids)}; details: vigil rule {rule.id}")
    return lines


def _unused_line(result: FileResult, suppression: Suppression, paint: _Painter) -> str:
    position = result.index.position(suppression.start)
    return (f"{paint(result.display, 'bold')}:{position.line}:{position.column}: "
            f"{paint('unused suppression', 'yellow')}: {suppression_label(suppression)}")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(scan: ScanResult) -> list[str]:
    """The closing lines: counts by severity, what ``--fix`` would do, what was fixed."""
    lines: list[str] = []
    count = scan.finding_count
    checked = _plural(scan.files_checked, "file")
    if scan.fixed_count:
        fixed_files = sum(1 for f in scan.files if f.fixed)
        lines.append(f"Fixed {_plural(scan.fixed_count, 'finding')} in {_plural(fixed_files, 'file')}; "
                     f"{count} remaining.")
    if count == 0:
        lines.append(f"No findings in {checked} checked.")
    else:
        counts = scan.by_severity()
        parts = [f"{counts[s]} {s.label}" for s in sorted(counts, reverse=True)]
        lines.append(f"Found {_plural(count, 'finding')} in {_plural(scan.files_with_findings, 'file')} "
                     f"({checked} checked): {', '.join(parts)}.")
        safe, review = scan.fixable()
        if safe and review:
            lines.append(f"{safe} fixable with --fix ({review} more with --fix --unsafe-fixes).")
        elif safe:
            lines.append(f"{safe} fixable with --fix.")
        elif review:
            lines.append(f"{review} fixable with --fix --unsafe-fixes.")
        below = sum(1 for _, f in scan.iter_findings() if f.severity < scan.fail_on)
        if below:
            lines.append(f"{below} below --fail-on {scan.fail_on.label} (not failing).")
    if scan.baselined:
        lines.append(f"{_plural(scan.baselined, 'finding')} already in the baseline (not shown).")
    if scan.report_unused and scan.unused_count:
        lines.append(f"{_plural(scan.unused_count, 'unused suppression')}.")
    if scan.problems:
        lines.append(f"Skipped {_plural(len(scan.problems), 'file')} (see messages above).")
    return lines


def render(scan: ScanResult, options: RenderOptions) -> str:
    paint = _Painter(options.color)
    blocks: list[str] = []
    for result in scan.files:
        for finding in result.findings:
            lines = _finding_lines(result, finding, scan, options, paint)
            blocks.append("\n".join(lines))
        for suppression in result.unused_suppressions:
            blocks.append(_unused_line(result, suppression, paint))
    separator = "\n\n" if options.show_source else "\n"
    text = separator.join(blocks)
    if not options.quiet:
        tail = "\n".join(summary(scan))
        text = f"{text}\n\n{tail}" if text else tail
    return text + "\n" if text else ""
