"""Turn a rule's fix template into concrete byte edits, and apply edits to source.

Fixes are computed at analysis time and travel with the finding (in ``Diagnostic.data`` for
the server), so a code action never re-analyses. Every fix is checked by the test suite on
every example: it must parse without ERROR nodes, clear the finding and equal the stated text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import tree_sitter as ts

from vigil.engine.findings import Edit, Fix
from vigil.engine.names import ModuleNames
from vigil.engine.suppressions import line_end, line_start
from vigil.rules.model import EditSpec, FixSpec

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.]*)(?:\|([a-z_]+))?\}")

#: Bidi controls and zero-width characters (Trojan Source, CVE-2021-42574) and similar.
HIDDEN_CHARS = (
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad\u180e"
)
_HIDDEN_RE = re.compile(f"[{HIDDEN_CHARS}]")


def env_name(text: str) -> str:
    """``api_key`` / ``"apiKey"`` / ``self.db_password`` -> ``API_KEY`` / ``API_KEY`` / ``DB_PASSWORD``."""
    text = text.strip("\"'").split(".")[-1]
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return (text or "SECRET").upper()


FILTERS = {
    "upper": str.upper,
    "lower": str.lower,
    "env_name": env_name,
    "strip_quotes": lambda s: s.strip("\"'"),
}


class FixError(Exception):
    """A template that cannot be rendered for this match (the finding keeps no fix)."""


def node_text(source: bytes, node: ts.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def render(template: str, captures: Mapping[str, Sequence[ts.Node]], source: bytes) -> str:
    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name, filter_name = match.group(1), match.group(2)
        nodes = captures.get(name)
        if not nodes:
            raise FixError(f"capture @{name} is empty")
        text = node_text(source, nodes[0])
        if filter_name:
            func = FILTERS.get(filter_name)
            if func is None:
                raise FixError(f"unknown template filter |{filter_name}")
            text = func(text)
        return text

    return _PLACEHOLDER.sub(substitute, template)


def _remove_argument(node: ts.Node) -> Edit:
    """Delete an argument and one adjacent comma, keeping the rest of the call intact."""
    after = node.next_sibling
    if after is not None and after.type == ",":
        following = after.next_sibling
        if following is not None and following.type != ")":
            return Edit(node.start_byte, following.start_byte, "")
        # Trailing comma after the last argument: remove the argument and its comma, and the
        # comma before it if there is one, so "f(a, b=1,)" becomes "f(a,)".
        return Edit(node.start_byte, after.end_byte, "") if node.prev_named_sibling is None else Edit(
            node.prev_named_sibling.end_byte, after.start_byte, ""
        )
    before = node.prev_sibling
    if before is not None and before.type == ",":
        previous = before.prev_sibling
        start = previous.end_byte if previous is not None else before.start_byte
        return Edit(start, node.end_byte, "")
    return Edit(node.start_byte, node.end_byte, "")


def _add_argument(node: ts.Node, text: str) -> Edit:
    if node.type != "argument_list":
        raise FixError("add_argument needs an argument_list capture")
    named = [c for c in node.named_children if c.type != "comment"]
    if not named:
        opening = node.children[0]
        return Edit(opening.end_byte, opening.end_byte, text)
    last = named[-1]
    return Edit(last.end_byte, last.end_byte, f", {text}")


def edit_for(spec: EditSpec, captures: Mapping[str, Sequence[ts.Node]], source: bytes) -> Edit:
    nodes = captures.get(spec.capture)
    if not nodes:
        raise FixError(f"capture @{spec.capture} is empty")
    node = nodes[0]
    if spec.op == "replace":
        return Edit(node.start_byte, node.end_byte, render(spec.text, captures, source))
    if spec.op == "insert_before":
        return Edit(node.start_byte, node.start_byte, render(spec.text, captures, source))
    if spec.op == "insert_after":
        return Edit(node.end_byte, node.end_byte, render(spec.text, captures, source))
    if spec.op == "remove_argument":
        return _remove_argument(node)
    if spec.op == "add_argument":
        return _add_argument(node, render(spec.text, captures, source))
    if spec.op == "strip_chars":
        return Edit(node.start_byte, node.end_byte, _HIDDEN_RE.sub("", node_text(source, node)))
    raise FixError(f"unknown edit op {spec.op}")


def newline_of(source: bytes) -> str:
    index = source.find(b"\n")
    if index > 0 and source[index - 1 : index] == b"\r":
        return "\r\n"
    if index < 0 and b"\r" in source:
        return "\r"
    return "\n"


def newline_at(source: bytes, pos: int) -> str:
    """The line break ending the line at ``pos`` (else the previous line's, else ``\n``).

    Local on purpose: an import insertion's text must depend only on the lines around it, or a
    keystroke far away (the first ``\n`` typed into a lone-CR file) would change a fix that the
    language server's region analysis rightly did not recompute."""
    end = line_end(source, pos)
    for candidate in (end, line_start(source, pos) - 1):
        if candidate < 0 or candidate >= len(source):
            continue
        if source[candidate : candidate + 2] == b"\r\n":
            return "\r\n"
        if source[candidate : candidate + 1] == b"\n":
            return "\r\n" if candidate > 0 and source[candidate - 1 : candidate] == b"\r" else "\n"
        if source[candidate : candidate + 1] == b"\r":
            return "\r"
    return "\n"


def import_edit(module: str, tree: ts.Tree, source: bytes, names: ModuleNames) -> Edit | None:
    """An edit adding ``import module`` at the top of the file, unless it is already imported."""
    head = module.split(".")[0]
    binding = names.bindings.get(head)
    if binding and any(b.qualified == head for b in binding):
        return None
    root = tree.root_node
    last_import: ts.Node | None = None
    first_statement: ts.Node | None = None
    for child in root.named_children:
        if child.type in ("import_statement", "import_from_statement", "future_import_statement"):
            last_import = child
            continue
        if child.type == "comment":
            continue
        if last_import is not None:
            break
        is_docstring = (
            first_statement is None
            and child.type == "expression_statement"
            and child.named_child_count == 1
            and child.named_children[0].type == "string"
        )
        if is_docstring:
            last_import = child  # insert after the module docstring
            continue
        first_statement = child
        break
    if last_import is not None:
        newline = newline_at(source, last_import.end_byte)
        end = line_end(source, last_import.end_byte)
        if end >= len(source):
            return Edit(len(source), len(source), f"{newline}import {module}{newline}")
        end += 2 if source[end : end + 2] == b"\r\n" else 1
        return Edit(end, end, f"import {module}{newline}")
    position = line_start(source, first_statement.start_byte) if first_statement is not None else 0
    return Edit(position, position, f"import {module}{newline_at(source, position)}")


def build_fix(
    spec: FixSpec,
    captures: Mapping[str, Sequence[ts.Node]],
    tree: ts.Tree,
    source: bytes,
    names: ModuleNames,
    extra_edits: Iterable[Edit] = (),
) -> Fix:
    edits = [edit_for(e, captures, source) for e in spec.edits]
    edits.extend(extra_edits)
    for module in spec.imports:
        edit = import_edit(module, tree, source, names)
        if edit is not None:
            edits.append(edit)
    edits.sort()
    for a, b in zip(edits, edits[1:]):
        if a.end > b.start:
            raise FixError("fix edits overlap")
    return Fix(spec.title, spec.applicability, tuple(edits))


def apply_edits(source: bytes, edits: Iterable[Edit]) -> bytes:
    """Apply non-overlapping edits (later ones first, so offsets stay valid)."""
    out = source
    last_start = len(source) + 1
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if edit.end > last_start:
            continue  # overlaps an edit already applied: skip rather than corrupt the text
        out = out[: edit.start] + edit.text.encode("utf-8") + out[edit.end :]
        last_start = edit.start
    return out
