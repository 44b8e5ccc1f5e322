"""Is an expression a compile-time constant?

Many false alarms users complain about (Bandit's B602/B608, Ruff's S603/S608) come from
flagging calls whose dangerous argument is a literal the developer wrote. Rules use
``#dynamic?`` / ``#constant?`` to tell the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import tree_sitter as ts

_LITERALS = {"integer", "float", "true", "false", "none", "ellipsis"}
_CONTAINERS = {"list", "tuple", "set", "parenthesized_expression", "expression_list", "concatenated_string"}


def is_constant(node: ts.Node | None, constants: Mapping[str, ts.Node], depth: int = 0) -> bool:
    """True for literals, f-strings without placeholders, containers and operations over them,
    and names assigned once at module level to such a value."""
    if node is None or depth > 50:
        return False
    kind = node.type
    if kind in _LITERALS:
        return True
    if kind == "string":
        return not any(child.type == "interpolation" for child in node.children)
    if kind in _CONTAINERS:
        return all(is_constant(c, constants, depth + 1) for c in node.named_children if c.type != "comment")
    if kind == "binary_operator":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        return is_constant(left, constants, depth + 1) and is_constant(right, constants, depth + 1)
    if kind == "unary_operator":
        return is_constant(node.child_by_field_name("argument"), constants, depth + 1)
    if kind == "dictionary":
        return all(
            is_constant(pair.child_by_field_name("key"), constants, depth + 1)
            and is_constant(pair.child_by_field_name("value"), constants, depth + 1)
            for pair in node.named_children
            if pair.type == "pair"
        ) and all(c.type in ("pair", "comment") for c in node.named_children)
    if kind == "identifier":
        text = node.text.decode("utf-8", "replace") if node.text is not None else ""
        return text in constants
    return False


def string_value(node: ts.Node | None) -> str | None:
    """The value of a plain (non-interpolated) string literal, without quotes and prefix."""
    if node is None:
        return None
    if node.type == "concatenated_string":
        parts = [string_value(c) for c in node.named_children if c.type == "string"]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    if node.type != "string":
        return None
    chunks: list[str] = []
    for child in node.children:
        if child.type == "interpolation":
            return None
        if child.type in ("string_content", "escape_sequence") and child.text is not None:
            chunks.append(child.text.decode("utf-8", "replace"))
    return "".join(chunks)
