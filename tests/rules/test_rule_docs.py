"""Every rule's documentation explains why it matters and shows a fix as before/after code.

Issue 4 asks that each rule's docs say why the weakness matters in a service and how to fix it,
with a before/after example. Rules may write the pair themselves in ``docs.fix`` (two fenced
blocks, or one block labelled ``# before`` / ``# after``); when ``docs.fix`` has no code, the
generated documentation (``vigil rule ID``, ``docs/rules.md``) shows the rule's first vulnerable
example and its automatic fix or a safe example instead. Either way the user sees both halves,
and this test checks what they see rather than how the rule file spells it.
"""

from __future__ import annotations

import re

import pytest
from vigil.report.ruledocs import _markdown_rule, rule_text
from vigil.rules.loader import load_rules
from vigil.rules.model import Rule

_RULES = load_rules().rules
_FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_BEFORE = re.compile(r"(?i)\bbefore\b|\bvulnerable\b|\binsecure\b")
_AFTER = re.compile(r"(?i)\bafter\b|\bsafe\b|\bfixed\b")


def _fix_section(rule: Rule) -> str:
    """The part of the generated markdown from "How to fix" up to the references."""
    markdown = "\n".join(_markdown_rule(rule))
    section = markdown.split("**How to fix**", 1)[1]
    return section.split("\nReferences:", 1)[0]


def _blocks(text: str) -> list[str]:
    return [block.strip() for block in _FENCED.findall(text)]


@pytest.mark.parametrize("rule", _RULES, ids=lambda r: r.id)
def test_docs_explain_why(rule: Rule) -> None:
    why = " ".join(rule.docs.why.split())
    # What goes wrong and what an attacker gets out of it: more than a restated title.
    assert len(why) >= 80, f"{rule.id}: docs.why is too thin: {why!r}"
    assert len(" ".join(rule.docs.fix.split())) >= 60, f"{rule.id}: docs.fix is too thin"


@pytest.mark.parametrize("rule", _RULES, ids=lambda r: r.id)
def test_docs_show_before_and_after(rule: Rule) -> None:
    section = _fix_section(rule)
    blocks = _blocks(section)
    assert blocks, f"{rule.id}: the generated docs have no code under 'How to fix'"
    if len(blocks) == 1:
        # One block may hold both halves, labelled with comments.
        assert _BEFORE.search(blocks[0]) and _AFTER.search(blocks[0]), (
            f"{rule.id}: a single code block must label its before and after halves:\n{blocks[0]}")
        return
    # Two or more blocks: the text must say which one is which, and they must differ.
    prose = _FENCED.sub("", section)
    assert _BEFORE.search(prose) and _AFTER.search(prose), f"{rule.id}: code blocks are not labelled before/after"
    assert len(set(blocks)) >= 2, f"{rule.id}: the before and after blocks are identical"


@pytest.mark.parametrize("rule", _RULES, ids=lambda r: r.id)
def test_terminal_docs_match_markdown(rule: Rule) -> None:
    """``vigil rule ID`` shows the same before/after code as the markdown."""
    text = rule_text(rule)
    for block in _blocks(_fix_section(rule)):
        first = next(line.strip() for line in block.splitlines() if line.strip())
        assert first in text, f"{rule.id}: `vigil rule` output lacks {first!r}"
