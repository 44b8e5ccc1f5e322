"""Small syntax helpers shared by the Python checks of the bundled rules.

Checks see tree-sitter nodes; these helpers answer the questions most of them ask (which
argument is the ``mode``? what name does this value end up stored under?) without each check
re-walking the tree in its own slightly different way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import edit_for
from vigil.rules.model import EditSpec

_STATEMENTS = {
    "expression_statement", "return_statement", "if_statement", "while_statement", "for_statement",
    "with_statement", "assert_statement", "function_definition", "class_definition",
    "decorated_definition", "raise_statement", "delete_statement", "global_statement",
}


def text(node: ts.Node | None) -> str:
    """Source text of a node from a freshly parsed tree (never an edited one)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def positional_args(arguments: ts.Node | None) -> list[ts.Node]:
    """Positional arguments of an ``argument_list``, stopping at the first ``*args`` splat
    (after it, positions are unknown)."""
    out: list[ts.Node] = []
    if arguments is None:
        return out
    for child in arguments.named_children:
        if child.type in ("keyword_argument", "dictionary_splat", "comment"):
            continue
        if child.type == "list_splat":
            break
        out.append(child)
    return out


def keyword_arg(arguments: ts.Node | None, name: str) -> ts.Node | None:
    """The ``keyword_argument`` node called ``name`` in an ``argument_list``."""
    if arguments is None:
        return None
    for child in arguments.named_children:
        if child.type == "keyword_argument" and text(child.child_by_field_name("name")) == name:
            return child
    return None


def argument(arguments: ts.Node | None, position: int | None, name: str) -> ts.Node | None:
    """The value passed for a parameter, by keyword or (if ``position`` is given) position."""
    kw = keyword_arg(arguments, name)
    if kw is not None:
        return kw.child_by_field_name("value")
    if position is None:
        return None
    positional = positional_args(arguments)
    return positional[position] if position < len(positional) else None


def remove_keyword(arguments: ts.Node, name: str, source: bytes) -> Edit | None:
    """An edit deleting keyword argument ``name`` together with its comma."""
    kw = keyword_arg(arguments, name)
    if kw is None:
        return None
    return edit_for(EditSpec(op="remove_argument", capture="arg"), {"arg": [kw]}, source)


def enclosing_statement(node: ts.Node) -> ts.Node:
    """The innermost simple statement (or compound header owner) containing ``node``."""
    current: ts.Node | None = node
    while current is not None and current.type not in _STATEMENTS:
        current = current.parent
    return current if current is not None else node


def enclosing_function(node: ts.Node) -> ts.Node | None:
    current = node.parent
    while current is not None:
        if current.type in ("function_definition", "lambda"):
            return current
        current = current.parent
    return None


def destination_names(node: ts.Node) -> list[str]:
    """Names a value flows into, read from the syntax around it: assignment targets, keyword
    argument names, dictionary keys, the function it is returned from, an attribute it is set
    on. ``token = "".join(random.choice(abc) for _ in range(32))`` gives ``["token"]``.

    Used to gate rules on intent (is this random value a password?) instead of flagging every
    call, which is what makes Bandit's B311 noisy.
    """
    names: list[str] = []
    child = node
    current = node.parent
    while current is not None:
        kind = current.type
        if kind == "keyword_argument":
            names.append(text(current.child_by_field_name("name")))
        elif kind == "pair" and current.child_by_field_name("value") == child:
            key = current.child_by_field_name("key")
            names.append(text(key).strip("\"'"))
        elif kind in ("assignment", "augmented_assignment", "annotated_assignment"):
            left = current.child_by_field_name("left")
            if left is not None and left != child:
                names.extend(_target_names(left))
        elif kind in ("return_statement", "yield"):
            function = enclosing_function(current)
            if function is not None and function.type == "function_definition":
                names.append(text(function.child_by_field_name("name")))
        elif kind in ("default_parameter", "typed_default_parameter"):
            names.append(text(current.child_by_field_name("name")))
        if kind in _STATEMENTS or kind in ("lambda", "block", "module"):
            break
        child = current
        current = current.parent
    return [n for n in names if n]


def _target_names(left: ts.Node) -> Iterator[str]:
    if left.type == "identifier":
        yield text(left)
    elif left.type == "attribute":
        yield text(left.child_by_field_name("attribute"))
    elif left.type == "subscript":
        index = left.child_by_field_name("subscript")
        yield text(index).strip("\"'") if index is not None else text(left)
    else:
        for item in left.named_children:
            yield from _target_names(item)


def last_name(node: ts.Node | None) -> str:
    """The most specific name of an expression: ``self.api_key`` -> ``api_key``,
    ``request.headers["X-Signature"]`` -> ``X-Signature``, ``h.hexdigest()`` -> ``hexdigest``."""
    if node is None:
        return ""
    kind = node.type
    if kind == "identifier":
        return text(node)
    if kind == "attribute":
        return text(node.child_by_field_name("attribute"))
    if kind == "subscript":
        index = node.child_by_field_name("subscript")
        if index is not None and index.type == "string":
            return text(index).strip("\"'bBrRuU")
        return last_name(node.child_by_field_name("value"))
    if kind == "call":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "attribute" and text(
                function.child_by_field_name("attribute")) in ("get", "encode", "decode", "strip", "lower"):
            # request.headers.get("X-Signature"), token.encode(): the interesting name is inside.
            args = positional_args(node.child_by_field_name("arguments"))
            receiver = function.child_by_field_name("object")
            if text(function.child_by_field_name("attribute")) == "get" and args and args[0].type == "string":
                return text(args[0]).strip("\"'bBrRuU")
            return last_name(receiver)
        return last_name(function)
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return last_name(node.named_children[0])
    return ""


def matches_any(pattern: re.Pattern[str], names: list[str]) -> str | None:
    for name in names:
        if pattern.search(name):
            return name
    return None


def string_prefix_content(node: ts.Node) -> ts.Node | None:
    """The first ``string_content`` of a (possibly f-) string, if the string starts with text."""
    if node.type != "string":
        return None
    children = node.children
    if len(children) >= 2 and children[0].type == "string_start" and children[1].type == "string_content":
        return children[1]
    return None


def integer_value(node: ts.Node | None) -> int | None:
    """Value of an integer literal (``0o777``, ``511``, ``0x1ff``, legacy ``0777``)."""
    if node is None or node.type != "integer":
        return None
    raw = text(node).replace("_", "").lower().rstrip("l")
    try:
        if len(raw) > 1 and raw.startswith("0") and raw[1].isdigit():
            return int(raw, 8)
        return int(raw, 0)
    except ValueError:
        return None
