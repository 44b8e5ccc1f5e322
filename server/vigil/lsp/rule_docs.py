"""A rule's documentation as Markdown: why it matters, how to fix it, a before/after example.

Used by hover and by the ``vigil.showRuleDocs`` command, so both always say the same thing.
"""

from __future__ import annotations

from vigil.rules.model import Rule


def rule_markdown(rule: Rule, message: str | None = None) -> str:
    parts = [f"**{rule.id}** {rule.title}"]
    meta = [rule.severity.label, *rule.cwe_ids]
    if rule.owasp:
        meta.append(rule.owasp)
    parts.append(" · ".join(meta))
    if message:
        parts.append(message)
    parts.append(f"**Why**\n\n{rule.docs.why.strip()}")
    parts.append(f"**How to fix**\n\n{rule.docs.fix.strip()}")
    example = next((e for e in rule.examples if e.kind == "vulnerable" and e.fixed), None)
    if example is None:
        example = next((e for e in rule.examples if e.kind == "vulnerable"), None)
    if example is not None:
        fence = "python" if rule.language == "python" else ""
        parts.append(f"**Before**\n\n```{fence}\n{example.code.strip()}\n```")
        if example.fixed:
            parts.append(f"**After**\n\n```{fence}\n{example.fixed.strip()}\n```")
    if rule.docs.references:
        parts.append("**References**\n\n" + "\n".join(f"- {r}" for r in rule.docs.references))
    parts.append(f"Suppress with `# vigil: ignore[{rule.id}]` on the statement.")
    return "\n\n".join(parts)
