"""``--format html``: one self-contained page for people who would rather look than read.

A summary (by severity, CWE and rule), filters (severity, rule, free text) and every finding
with a code frame, its fix and its data flow. Everything is inline (CSS, a few lines of JS,
no fonts, no images) and a Content-Security-Policy forbids loading anything else, so the page
works offline, as a CI artifact, and cannot phone home.

Everything taken from the scanned code or the configuration is escaped; hidden and control
characters in code frames are shown as ``<U+202E>``-style escapes, exactly like the text
report, because a bidi override rendered raw would reorder the very line being reported.
"""

from __future__ import annotations

import html
import unicodedata
from collections import Counter
from datetime import datetime, timezone

from vigil import __version__
from vigil.engine.findings import Finding
from vigil.report.model import FileResult, RenderOptions, ScanResult
from vigil.rules.model import Severity

#: Lines of context shown above and below a finding.
CONTEXT = 2
#: Longest flagged region shown in full; longer ones are cut (with a marker).
MAX_FRAME_LINES = 12

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'")

_CSS = """
:root { --bg:#fff; --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --panel:#f6f8fa; --mark:#fff1a8;
  --critical:#8b0000; --high:#cf222e; --medium:#9a6700; --low:#0969da; --info:#59636e; }
@media (prefers-color-scheme: dark) { :root { --bg:#0d1117; --fg:#e6edf3; --muted:#9198a1; --line:#30363d;
  --panel:#151b23; --mark:#5a4a00; --critical:#ff7b72; --high:#f85149; --medium:#d29922; --low:#4493f8; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif; background:var(--bg); color:var(--fg); }
header, main { max-width:1100px; margin:0 auto; padding:16px 24px; }
h1 { font-size:22px; margin:8px 0 4px; } h2 { font-size:17px; margin:24px 0 8px; }
.muted { color:var(--muted); }
.cards { display:flex; flex-wrap:wrap; gap:8px; margin:12px 0; }
.card { border:1px solid var(--line); border-radius:6px; padding:8px 14px; min-width:96px; background:var(--panel); }
.card b { display:block; font-size:20px; }
.tables { display:grid; grid-template-columns:repeat(auto-fit,minmax(300px,1fr)); gap:16px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:3px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
td.n { text-align:right; font-variant-numeric:tabular-nums; }
.sev { display:inline-block; border-radius:10px; padding:0 8px; font-size:12px; font-weight:600; color:#fff; }
.sev-critical { background:var(--critical); } .sev-high { background:var(--high); }
.sev-medium { background:var(--medium); } .sev-low { background:var(--low); } .sev-info { background:var(--info); }
#filters { position:sticky; top:0; background:var(--bg); border-bottom:1px solid var(--line); padding:8px 0;
  display:flex; flex-wrap:wrap; gap:12px; align-items:center; z-index:1; }
#filters input[type=search] { flex:1; min-width:200px; padding:4px 8px; }
section.file { margin:16px 0; border:1px solid var(--line); border-radius:6px; }
section.file > h3 { margin:0; padding:8px 12px; font-size:14px; background:var(--panel); border-bottom:1px solid var(--line);
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; word-break:break-all; }
article.finding { padding:10px 12px; border-bottom:1px solid var(--line); }
article.finding:last-child { border-bottom:0; }
.head { display:flex; flex-wrap:wrap; gap:8px; align-items:baseline; }
.rule { font-weight:600; font-family:ui-monospace,monospace; }
pre.frame { margin:8px 0; padding:6px 0; background:var(--panel); border-radius:4px; overflow-x:auto;
  font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
pre.frame span.ln { display:inline-block; width:5em; padding-right:10px; text-align:right; color:var(--muted); user-select:none; }
pre.frame .hit { background:var(--mark); }
pre.frame .esc { color:var(--high); font-weight:600; }
ul.flow { margin:4px 0; padding-left:20px; }
.fix { margin:4px 0; } .fix code { white-space:pre-wrap; }
[hidden] { display:none !important; }
#empty { padding:24px 0; }
"""

_JS = """
(function () {
  var boxes = document.querySelectorAll('#filters input[name=severity]');
  var rule = document.getElementById('rule-filter');
  var text = document.getElementById('text-filter');
  var count = document.getElementById('shown');
  function apply() {
    var sev = {};
    boxes.forEach(function (b) { sev[b.value] = b.checked; });
    var wanted = rule.value, query = text.value.trim().toLowerCase(), shown = 0;
    document.querySelectorAll('section.file').forEach(function (section) {
      var visible = 0;
      section.querySelectorAll('article.finding').forEach(function (f) {
        var ok = sev[f.dataset.severity] && (!wanted || f.dataset.rule === wanted) &&
                 (!query || f.dataset.search.indexOf(query) !== -1);
        f.hidden = !ok;
        if (ok) { visible++; }
      });
      section.hidden = visible === 0;
      shown += visible;
    });
    count.textContent = String(shown);
  }
  // A link may preselect filters: report.html#severity=high,critical&rule=DES002&q=yaml
  new URLSearchParams(location.hash.slice(1)).forEach(function (value, key) {
    if (key === 'rule') { rule.value = value; }
    if (key === 'q') { text.value = value; }
    if (key === 'severity') {
      var keep = value.split(',');
      boxes.forEach(function (b) { b.checked = keep.indexOf(b.value) !== -1; });
    }
  });
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  rule.addEventListener('change', apply);
  text.addEventListener('input', apply);
  apply();
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _visible_char(char: str) -> str:
    """One source character as HTML: hidden/control characters become visible escapes."""
    if char == "\t":
        return "    "
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zl", "Zp") or char == "\u00ad":
        return f'<span class="esc">&lt;U+{ord(char):04X}&gt;</span>'
    return html.escape(char)


def _code(text: str) -> str:
    return "".join(_visible_char(c) for c in text)


def _frame(result: FileResult, finding: Finding) -> str:
    index = result.index
    first, last = index.position(finding.start), index.position(finding.end)
    last_line = last.line - 1 if last.line > first.line and last.column == 1 else last.line
    lines = list(range(max(1, first.line - CONTEXT), min(index.line_count, last_line + CONTEXT) + 1))
    cut = last_line - first.line + 1 > MAX_FRAME_LINES
    rows: list[str] = []
    for number in lines:
        if cut and first.line + MAX_FRAME_LINES - 1 <= number < last_line:
            if number == first.line + MAX_FRAME_LINES - 1:
                rows.append('<span class="ln">…</span><span class="muted">(lines cut)</span>')
            continue
        text = index.line_text(number)
        if first.line <= number <= last_line:
            lo = first.column - 1 if number == first.line else 0
            hi = last.column - 1 if number == last.line else len(text)
            lo, hi = min(lo, len(text)), max(min(hi, len(text)), min(lo, len(text)))
            body = f'{_code(text[:lo])}<span class="hit">{_code(text[lo:hi]) or " "}</span>{_code(text[hi:])}'
        else:
            body = _code(text)
        rows.append(f'<span class="ln">{number}</span>{body}')
    return '<pre class="frame">' + "\n".join(rows) + "</pre>"


def _finding(result: FileResult, finding: Finding, scan: ScanResult) -> str:
    rule = scan.rule(finding.rule_id)
    position = result.start(finding)
    cwes = list(rule.cwe_ids) if rule is not None else []
    title = rule.title if rule is not None else ""
    search = " ".join([result.display, finding.rule_id, finding.message, title, *cwes]).lower()
    parts = [
        f'<article class="finding" data-severity="{_e(finding.severity.label)}" '
        f'data-rule="{_e(finding.rule_id)}" data-search="{_e(search)}">',
        '<div class="head">',
        f'<span class="sev sev-{_e(finding.severity.label)}">{_e(finding.severity.label)}</span>',
        f'<span class="rule">{_e(finding.rule_id)}</span>',
        f'<span>{_e(finding.message)}</span>',
        f'<span class="muted">line {position.line}, column {position.column}'
        f'{" · " + _e(", ".join(cwes)) if cwes else ""}</span>',
        "</div>",
        _frame(result, finding),
    ]
    if finding.fix is not None:
        kind = "safe fix" if finding.fix.is_safe else "fix to review"
        edits = "".join(
            f"<li>line {result.index.position(e.start).line}: "
            + (f"replace <code>{_code(result.source[e.start:e.end].decode('utf-8', 'replace'))}</code> with "
               if e.end > e.start else "insert ")
            + f"<code>{_code(e.text)}</code></li>"
            for e in finding.fix.edits
        )
        parts.append(f'<div class="fix"><b>{_e(kind)}:</b> {_e(finding.fix.title)}<ul class="flow">{edits}</ul></div>')
    if finding.related:
        steps = "".join(
            f"<li>line {result.index.position(r.start).line}: {_e(r.message)}</li>" for r in finding.related)
        parts.append(f'<div><b>data flow:</b><ul class="flow">{steps}</ul></div>')
    if rule is not None and rule.docs_uri:
        parts.append(f'<div class="muted">{_e(title)} — <code>vigil rule {_e(rule.id)}</code></div>')
    parts.append("</article>")
    return "".join(parts)


def _table(title: str, header: str, rows: list[tuple[str, int]]) -> str:
    body = "".join(f'<tr><td>{label}</td><td class="n">{count}</td></tr>' for label, count in rows)
    if not rows:
        body = '<tr><td colspan="2" class="muted">none</td></tr>'
    return f"<div><h2>{_e(title)}</h2><table><tr><th>{_e(header)}</th><th>findings</th></tr>{body}</table></div>"


def render(scan: ScanResult, options: RenderOptions) -> str:  # noqa: ARG001 - same signature as the others
    findings = scan.iter_findings()
    by_severity = scan.by_severity()
    by_rule: Counter[str] = Counter(f.rule_id for _, f in findings)
    by_cwe: Counter[str] = Counter()
    for _, finding in findings:
        rule = scan.rule(finding.rule_id)
        for cwe in (rule.cwe_ids if rule is not None else ()) or ("(none)",):
            by_cwe[cwe] += 1
    severities = sorted(Severity, reverse=True)
    cards = "".join(
        f'<div class="card"><span class="sev sev-{s.label}">{s.label}</span><b>{by_severity.get(s, 0)}</b></div>'
        for s in severities)
    rule_rows = []
    for rule_id, count in sorted(by_rule.items(), key=lambda item: (-item[1], item[0])):
        rule = scan.rule(rule_id)
        label = f"<code>{_e(rule_id)}</code> {_e(rule.title) if rule else ''}"
        rule_rows.append((label, count))
    cwe_rows = [(_e(cwe), count) for cwe, count in sorted(by_cwe.items(), key=lambda item: (-item[1], item[0]))]
    sev_rows = [(f'<span class="sev sev-{s.label}">{s.label}</span>', by_severity.get(s, 0)) for s in severities]
    filters = "".join(
        f'<label><input type="checkbox" name="severity" value="{s.label}" checked> {s.label}</label>'
        for s in severities)
    options_html = "".join(f'<option value="{_e(r)}">{_e(r)} ({by_rule[r]})</option>' for r in sorted(by_rule))
    sections = []
    for result in scan.files:
        if not result.findings:
            continue
        body = "".join(_finding(result, f, scan) for f in result.findings)
        sections.append(f'<section class="file"><h3>{_e(result.display)} '
                        f'<span class="muted">({len(result.findings)})</span></h3>{body}</section>')
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    problems = ""
    if scan.problems:
        items = "".join(f"<li><code>{_e(p.path)}</code>: {_e(p.message)}</li>" for p in scan.problems)
        problems = f"<h2>Skipped files ({len(scan.problems)})</h2><ul>{items}</ul>"
    baselined = (f" · {scan.baselined} more in the baseline (not shown)" if scan.baselined else "")
    empty = "" if findings else '<p id="empty">No findings.</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vigil {_e(__version__)}">
<title>Vigil report: {len(findings)} finding{"s" * (len(findings) != 1)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>Vigil security report</h1>
<div class="muted">{scan.files_checked} file{"s" * (scan.files_checked != 1)} checked ·
{len(findings)} finding{"s" * (len(findings) != 1)} in {scan.files_with_findings} file{"s" * (scan.files_with_findings != 1)} ·
failing at {_e(scan.fail_on.label)} and above: {scan.failing()}{baselined} · vigil {_e(__version__)} · {when}</div>
<div class="cards">{cards}</div>
<div class="tables">
{_table("By severity", "severity", sev_rows)}
{_table("By CWE", "CWE", cwe_rows)}
{_table("By rule", "rule", rule_rows)}
</div>
</header>
<main>
<div id="filters">{filters}
<select id="rule-filter" aria-label="rule"><option value="">all rules</option>{options_html}</select>
<input type="search" id="text-filter" placeholder="filter by path, rule, message, CWE" aria-label="filter">
<span class="muted"><span id="shown">{len(findings)}</span> shown</span></div>
{empty}{"".join(sections)}
{problems}
</main>
<script>{_JS}</script>
</body>
</html>
"""
