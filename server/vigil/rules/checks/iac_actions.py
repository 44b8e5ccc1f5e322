"""Checks and fixes for the GitHub Actions rules (GHA...).

``run:`` scripts are bash: they are parsed with tree-sitter-bash (``iac_shell``) where the
shape matters (``echo ${{ secrets.X }}``, ``curl | sh``); ``${{ ... }}`` expressions are found
by regular expression on the outer text, since GitHub expands them before the shell runs.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import newline_of
from vigil.engine.runner import CheckResult, Match
from vigil.engine.yaml_kinds import mapping_pairs, scalar_text, top_level_keys
from vigil.rules.checks.iac_shell import commands, download_and_execute, yaml_script
from vigil.rules.checks.iac_yaml import get, mapping

#: Event fields an outside contributor controls (GitHub Security Lab's list).
UNTRUSTED = re.compile(
    r"\$\{\{\s*(?P<expr>github\.(?:event\.(?:"
    r"issue\.(?:title|body)|pull_request\.(?:title|body|head\.(?:ref|label|repo\.default_branch))|"
    r"comment\.body|review\.body|review_comment\.body|discussion\.(?:title|body)|"
    r"pages\.[\w*\[\]]+\.page_name|commits\.[\w*\[\]]+\.(?:message|author\.(?:email|name))|"
    r"head_commit\.(?:message|author\.(?:email|name))|"
    r"workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email|name))))"
    r"|head_ref))\s*\}\}"
)
_SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.[\w-]+\s*\}\}")
_PRINTERS = frozenset({"echo", "printf", "print", "cat"})


def _triggers(match: Match) -> set[str]:
    """Event names in ``on:`` (string, list or mapping form)."""
    root = match.tree.root_node
    events: set[str] = set()
    for document in root.named_children:
        top = mapping(next(iter(document.named_children), None))
        for key, pair in mapping_pairs(top):
            if key not in ("on", "true"):
                continue
            value = pair.child_by_field_name("value")
            inner = mapping(value)
            if inner is not None:
                events.update(k for k, _ in mapping_pairs(inner))
                continue
            text = scalar_text(value).strip("[]")
            if value is not None and value.type == "block_node":
                text = " ".join(scalar_text(item) for item in _items(value))
            events.update(e.strip().strip("\"'") for e in re.split(r"[\s,\-]+", text) if e.strip())
    return events


def _items(node: ts.Node) -> list[ts.Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("block_sequence_item",):
            out.extend(c for c in current.named_children if c.type != "comment")
            continue
        stack.extend(current.named_children)
    return out


def pr_target_checks_out_head(match: Match) -> bool:
    """``actions/checkout`` with ``ref: ${{ github.event.pull_request.head.sha }}`` in a workflow
    triggered by ``pull_request_target`` (or ``workflow_run``): the fork's code runs with the
    base repository's secrets and write token."""
    ref = match.text("_ref")
    events = _triggers(match)
    if "pull_request_target" in events and re.search(r"github\.(event\.pull_request\.head\.|head_ref)", ref):
        return True
    return "workflow_run" in events and "github.event.workflow_run.head" in ref


def _run_value(match: Match) -> ts.Node | None:
    return match.node("_run")


def untrusted_in_run(match: Match) -> CheckResult | bool:
    value = _run_value(match)
    if value is None:
        return False
    found = UNTRUSTED.search(match.text(value))
    if found is None:
        return False
    start = value.start_byte + len(match.text(value)[: found.start()].encode("utf-8"))
    end = start + len(found.group(0).encode("utf-8"))
    return CheckResult(span=(start, end), message=f"`{found.group('expr')}` is attacker-controlled and "
                                                  "is pasted into the script before the shell runs it: "
                                                  "script injection.")


def env_name_for(expression: str) -> str:
    """``github.event.pull_request.title`` -> ``PR_TITLE``; ``github.head_ref`` -> ``HEAD_REF``."""
    parts = expression.replace("github.event.", "").replace("github.", "").split(".")
    parts = [p for p in parts if p and "*" not in p and "[" not in p]
    name = "_".join(parts[-2:]).upper()
    return name.replace("PULL_REQUEST", "PR").replace("-", "_")


def _quote_state(prefix: str) -> str:
    """The shell quoting in force at the end of ``prefix`` (one script line): "", "'" or '"'."""
    state = ""
    escaped = False
    for char in prefix:
        if escaped:
            escaped = False
        elif char == "\\" and state != "'":
            escaped = True
        elif state == "" and char in "'\"":
            state = char
        elif char == state:
            state = ""
    return state


def _reference(name: str, quoting: str) -> str:
    """How to write ``$name`` so the shell sees one word of data, whatever quotes surround it."""
    if quoting == '"':
        return f"${{{name}}}"
    if quoting == "'":
        return f"'\"${{{name}}}\"'"  # close the single quotes, expand in double quotes, reopen
    return f'"${{{name}}}"'


def untrusted_env_fix(match: Match) -> list[Edit] | None:
    """Move each untrusted expression into the step's ``env:`` and use ``"$NAME"`` in the script."""
    value = _run_value(match)
    step = mapping(match.node("_step"))
    run_pair = value.parent if value is not None else None
    if value is None or step is None or run_pair is None:
        return None
    source = match.source
    newline = newline_of(source)
    text = match.text(value)
    edits: list[Edit] = []
    names: dict[str, str] = {}
    for found in UNTRUSTED.finditer(text):
        expr = found.group("expr")
        name = names.setdefault(expr, env_name_for(expr))
        start = value.start_byte + len(text[: found.start()].encode("utf-8"))
        end = start + len(found.group(0).encode("utf-8"))
        line_begin = text.rfind("\n", 0, found.start()) + 1
        edits.append(Edit(start, end, _reference(name, _quote_state(text[line_begin : found.start()]))))
    if not edits:
        return None
    key_line = source.rfind(b"\n", 0, run_pair.start_byte) + 1
    indent = source[key_line : run_pair.start_byte].decode("utf-8", "replace")
    if indent.strip():  # ``- run: |`` : the key shares its line with the item dash
        indent = " " * len(indent)
    existing = get(step, "env")
    if existing is not None and mapping(existing) is not None and mapping(existing).type == "block_mapping":
        env_map = mapping(existing)
        assert env_map is not None
        pairs = [p for _, p in mapping_pairs(env_map)]
        if any(scalar_text(p.child_by_field_name("key")) in names.values() for p in pairs):
            return None
        last = pairs[-1]
        pair_line = source.rfind(b"\n", 0, last.start_byte) + 1
        pair_indent = source[pair_line : last.start_byte].decode("utf-8", "replace")
        lines = "".join(f"{newline}{pair_indent}{n}: ${{{{ {e} }}}}" for e, n in names.items())
        edits.append(Edit(last.end_byte, last.end_byte, lines))
    elif existing is not None:
        return None  # a flow mapping or an expression: leave it to the author
    else:
        lines = "".join(f"{indent}  {n}: ${{{{ {e} }}}}{newline}" for e, n in names.items())
        edits.append(Edit(run_pair.start_byte, run_pair.start_byte, f"env:{newline}{lines}{indent}"))
    return sorted(edits)


def secret_printed(match: Match) -> CheckResult | bool:
    value = _run_value(match)
    if value is None:
        return False
    script = yaml_script(value, match.source)
    if script is None:
        return False
    for command in commands(script):
        if command.name in _PRINTERS and any(_SECRET_EXPR.search(script.text(a)) for a in command.args):
            return CheckResult(span=script.span(command.node))
    return False


def run_downloads_and_executes(match: Match) -> CheckResult | bool:
    value = _run_value(match)
    if value is None:
        return False
    script = yaml_script(value, match.source)
    if script is None:
        return False
    found = download_and_execute(script)
    return CheckResult(span=script.span(found[0])) if found else False


_SHA = re.compile(r"^[0-9a-f]{40}$")
_FIRST_PARTY = ("actions/", "github/")


def unpinned_action(match: Match) -> bool:
    reference = scalar_text(match.node("_uses"))
    if reference.startswith(("./", "docker://")) or "@" not in reference:
        return False
    name, _, ref = reference.partition("@")
    if name.lower().startswith(_FIRST_PARTY):
        return False
    return not _SHA.match(ref)


def is_workflow(match: Match) -> bool:
    """Used by rules whose YAML shape could occur elsewhere: the file has ``jobs``."""
    return any("jobs" in keys for keys in top_level_keys(match.tree))

