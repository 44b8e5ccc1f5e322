"""Rule documentation in three shapes: a terminal listing, JSON, and ``docs/rules.md``.

The markdown is generated, never hand-edited: a test compares ``vigil rules --format markdown``
with the checked-in file, so the documentation cannot drift from the rule files. Output is
deterministic (sorted, no absolute paths, no dates) for that reason.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from vigil.engine.languages import LANGUAGES
from vigil.rules.loader import default_rule_dirs
from vigil.rules.model import Example, Rule

CWE_URL = "https://cwe.mitre.org/data/definitions/{}.html"


def rule_location(rule: Rule) -> str:
    """Where the rule file lives, relative to the bundled rule folder's parent when possible
    (``queries/python/DES002-yaml-unsafe-load.toml``), so the output is machine-independent."""
    path = rule.source_path.resolve()
    for base in default_rule_dirs():
        try:
            return path.relative_to(base.resolve().parent).as_posix()
        except ValueError:
            continue
    return str(path)


def fence(rule: Rule) -> str:
    """The markdown code-fence language of a rule's examples (``yaml`` for a Kubernetes rule)."""
    spec = LANGUAGES.get(rule.language)
    family = (spec.family if spec is not None else "") or rule.language
    return {"terraform": "hcl"}.get(family, family)


def fix_kind(rule: Rule) -> str:
    return rule.fix.applicability.value if rule.fix is not None else "none"


def rule_to_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "title": rule.title,
        "language": rule.language,
        "category": rule.category,
        "severity": rule.severity.label,
        "confidence": rule.confidence.label,
        "cwe": list(rule.cwe_ids),
        "owasp": rule.owasp,
        "bandit": list(rule.bandit),
        "ruff": list(rule.ruff),
        "tags": list(rule.tags),
        "fix": None if rule.fix is None else {"title": rule.fix.title, "applicability": fix_kind(rule)},
        "why": rule.docs.why.strip(),
        "how_to_fix": rule.docs.fix.strip(),
        "references": list(rule.docs.references),
        "source": rule_location(rule),
    }


def rules_json(rules: Sequence[Rule]) -> str:
    return json.dumps([rule_to_json(r) for r in rules], indent=2) + "\n"


def rules_text(rules: Sequence[Rule]) -> str:
    """One line per rule, aligned, for a quick look in the terminal."""
    rows = [(r.id, r.severity.label, fix_kind(r), ",".join(r.cwe_ids), r.title) for r in rules]
    header = ("ID", "SEVERITY", "FIX", "CWE", "TITLE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = []
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        lines.append("  ".join([*cells, row[4]]))
    lines.append(f"\n{len(rules)} rules; `vigil rule ID` shows one rule's documentation.")
    return "\n".join(lines) + "\n"


def _example_pair(rule: Rule) -> tuple[Example | None, str | None, str]:
    """(vulnerable example, its fixed text or a safe example's code, label of the second)."""
    vulnerable = [e for e in rule.examples if e.kind == "vulnerable"]
    with_fix = [e for e in vulnerable if e.fixed]
    if with_fix:
        return with_fix[0], with_fix[0].fixed, "After (the automatic fix)"
    safe = [e for e in rule.examples if e.kind == "safe"]
    return (vulnerable[0] if vulnerable else None), (safe[0].code if safe else None), "Safe alternative"


def _equivalents(rule: Rule) -> str:
    parts = []
    if rule.bandit:
        parts.append("Bandit " + ", ".join(rule.bandit))
    if rule.ruff:
        parts.append("Ruff " + ", ".join(rule.ruff))
    return "; ".join(parts) or "none"


def _markdown_rule(rule: Rule) -> list[str]:
    cwe = ", ".join(f"[{c}]({CWE_URL.format(n)})" for c, n in zip(rule.cwe_ids, rule.cwe))
    lines = [
        f"## {rule.id}: {rule.title}",
        "",
        f"- **Name:** `{rule.name}`",
        f"- **Severity:** {rule.severity.label} (confidence: {rule.confidence.label})",
        f"- **CWE:** {cwe or 'none'}",
    ]
    if rule.owasp:
        lines.append(f"- **OWASP:** {rule.owasp}")
    lines.append(f"- **Equivalents:** {_equivalents(rule)}")
    if rule.fix is not None:
        lines.append(f"- **Quick fix:** {rule.fix.title} ({fix_kind(rule)})")
    else:
        lines.append("- **Quick fix:** none (see How to fix)")
    lines.append(f"- **Source:** `{rule_location(rule)}`")
    lines += ["", "**Why it matters**", "", doc_markdown(rule.docs.why), ""]
    lines += ["**How to fix**", "", doc_markdown(rule.docs.fix), ""]
    before, after, label = _example_pair(rule)
    if "```" in rule.docs.fix:  # the docs show their own before/after code
        before = after = None
    if before is not None:
        lines += ["Before:", "", f"```{fence(rule)}", before.code.strip("\n"), "```", ""]
    if after is not None:
        lines += [f"{label}:", "", f"```{fence(rule)}", after.strip("\n"), "```", ""]
    if rule.docs.references:
        lines += ["References:", ""]
        lines += [f"- <{ref}>" for ref in rule.docs.references]
        lines.append("")
    return lines


def rules_markdown(rules: Sequence[Rule]) -> str:
    lines = [
        "# Vigil rules",
        "",
        "<!-- Generated by `vigil rules --format markdown`; do not edit by hand. -->",
        "",
        (f"{len(rules)} rules. Severity is the default; `[tool.vigil] severity` overrides it. "
         "Quick fixes marked *safe* are applied by `vigil check --fix` and the editor's fix-all; "
         "*review* fixes need `--unsafe-fixes` or a deliberate code action."),
        "",
        "| ID | Title | Severity | CWE | Quick fix |",
        "|---|---|---|---|---|",
    ]
    for rule in rules:
        anchor = f"{rule.id}-{rule.title}".lower()
        anchor = "".join(c for c in anchor.replace(" ", "-") if c.isalnum() or c in "-_")
        title = rule.title.replace("|", "\\|")
        lines.append(f"| [{rule.id}](#{anchor}) | {title} | {rule.severity.label} | "
                     f"{', '.join(rule.cwe_ids)} | {fix_kind(rule)} |")
    lines.append("")
    for rule in rules:
        lines.extend(_markdown_rule(rule))
    return "\n".join(lines).rstrip("\n") + "\n"


def rule_text(rule: Rule) -> str:
    """``vigil rule ID``: everything a developer needs to decide what to do about a finding."""
    lines = [f"{rule.id} ({rule.name}): {rule.title}", ""]
    lines.append(f"Severity:    {rule.severity.label} (confidence {rule.confidence.label})")
    lines.append(f"CWE:         {', '.join(rule.cwe_ids) or 'none'}")
    if rule.owasp:
        lines.append(f"OWASP:       {rule.owasp}")
    lines.append(f"Equivalents: {_equivalents(rule)}")
    if rule.fix is not None:
        lines.append(f"Quick fix:   {rule.fix.title} ({fix_kind(rule)})")
    lines.append(f"Rule file:   {rule.source_path}")
    lines += ["", "Why it matters", *(("  " + line).rstrip() for line in wrap_markdown(rule.docs.why))]
    lines += ["", "How to fix", *(("  " + line).rstrip() for line in wrap_markdown(rule.docs.fix))]
    before, after, label = _example_pair(rule)
    if "```" in rule.docs.fix:  # the docs show their own before/after code
        before = after = None
    if before is not None:
        lines += ["", "Before", *(("    " + line).rstrip() for line in before.code.strip("\n").splitlines())]
    if after is not None:
        lines += ["", label, *(("    " + line).rstrip() for line in after.strip("\n").splitlines())]
    references = list(rule.docs.references) + [CWE_URL.format(n) for n in rule.cwe]
    unique = list(dict.fromkeys(references))
    lines += ["", "References", *(f"  {ref}" for ref in unique)]
    return "\n".join(lines) + "\n"


def doc_markdown(text: str) -> str:
    """Rule docs are markdown already (paragraphs, lists, fenced code): keep them verbatim."""
    return textwrap.dedent(text).strip()


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """Split markdown into ("code", lines) fenced blocks and ("text", lines) paragraphs."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] = []
    in_code = False
    for line in doc_markdown(text).splitlines():
        if line.lstrip().startswith("```"):
            if current:
                blocks.append(("code" if in_code else "text", current))
            current, in_code = [], not in_code
            continue
        if not in_code and not line.strip():
            if current:
                blocks.append(("text", current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append(("code" if in_code else "text", current))
    return blocks


_LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+[.)])\s+")


def wrap_markdown(text: str, width: int = 96) -> list[str]:
    """Markdown for a terminal: paragraphs re-flowed, list items kept apart, code indented."""
    out: list[str] = []
    for kind, lines in _blocks(text):
        if out:
            out.append("")
        if kind == "code":
            out.extend(("  " + line).rstrip() for line in lines)
            continue
        items: list[str] = []
        for line in lines:
            if _LIST_ITEM.match(line) or not items:
                items.append(line.strip())
            else:
                items[-1] += " " + line.strip()
        for item in items:
            indent = "  " if _LIST_ITEM.match(item) else ""
            out.extend(textwrap.wrap(item, width, subsequent_indent=indent) or [""])
    return out
