"""Evaluate constant expressions on the syntax tree, without running the analysed code.

Used to decide conditions (``if 7 * 18 - 106 > 200:``, ``if "a" == "b":``, ``match MODE:``) so
that a branch that can never run produces no finding, and to know the keys of containers.
Only pure operations on ints, floats, strings, bools, None, tuples and frozensets are
performed, with size limits so a hostile file cannot make the analyser allocate gigabytes.
"""

from __future__ import annotations

import codecs
import operator
import re
from collections.abc import Callable
from typing import Any

import tree_sitter as ts

from vigil.engine.taint.model import NOCONST, node_text

Lookup = Callable[[str], Any]

_MAX_INT = 10**100
_MAX_LEN = 10_000
_DEPTH = 60

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "==": operator.eq, "!=": operator.ne,
    "<=": operator.le, ">=": operator.ge, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b, "is": lambda a, b: a is b or a == b and a is None,
    "is not": lambda a, b: not (a is b or a == b and a is None),
}
_SCALARS = (int, float, str, bool, type(None), bytes)


def _ok(value: Any) -> bool:
    """Keep results small and of plain types."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= _MAX_INT
    if isinstance(value, float):
        return True
    if isinstance(value, (str, bytes)):
        return len(value) <= _MAX_LEN
    if isinstance(value, (tuple, frozenset)):
        return len(value) <= _MAX_LEN and all(_ok(v) for v in value)
    return False


def _guarded_binary(op: str, left: Any, right: Any) -> Any:
    if op == "**" and (not isinstance(right, int) or abs(right) > 256):
        return NOCONST
    if op in ("<<",) and (not isinstance(right, int) or right > 256):
        return NOCONST
    if op == "*" and isinstance(left, (str, bytes, tuple)) or op == "*" and isinstance(right, (str, bytes, tuple)):
        count = right if isinstance(left, (str, bytes, tuple)) else left
        seq = left if isinstance(left, (str, bytes, tuple)) else right
        if not isinstance(count, int) or count * len(seq) > _MAX_LEN:
            return NOCONST
    if op == "%" and isinstance(left, str) and not isinstance(right, (_SCALARS, tuple)):
        return NOCONST
    return _BINARY[op](left, right)


def binary(op: str, left: Any, right: Any) -> Any:
    """``left op right`` on known constants (NOCONST when unknown, unsafe or failing)."""
    if left is NOCONST or right is NOCONST or op not in _BINARY:
        return NOCONST
    try:
        value = _guarded_binary(op, left, right)
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError):
        return NOCONST
    return value if value is NOCONST or _ok(value) else NOCONST


def evaluate(node: ts.Node | None, lookup: Lookup, depth: int = 0) -> Any:
    """The constant value of ``node``, or ``NOCONST``. ``lookup(name)`` resolves identifiers."""
    if node is None or depth > _DEPTH:
        return NOCONST
    try:
        value = _evaluate(node, lookup, depth)
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError):
        return NOCONST
    return value if value is NOCONST or _ok(value) else NOCONST


def _evaluate(node: ts.Node, lookup: Lookup, depth: int) -> Any:
    kind = node.type
    if kind == "integer":
        text = node_text(node).rstrip("lLjJ")
        return int(text, 0) if not text.startswith("0") or text == "0" or text[1:2].isalpha() else int(text)
    if kind == "float":
        return float(node_text(node).replace("_", "")) if not node_text(node).endswith(("j", "J")) else NOCONST
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "none":
        return None
    if kind == "concatenated_string":
        parts = [_evaluate(c, lookup, depth + 1) for c in node.named_children if c.type == "string"]
        if any(p is NOCONST for p in parts) or len({type(p) for p in parts}) > 1:
            return NOCONST
        return parts[0][:0].join(parts) if parts else NOCONST
    if kind == "string":
        return _string(node)
    if kind == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        return evaluate(inner[0], lookup, depth + 1) if len(inner) == 1 else NOCONST
    if kind == "identifier":
        return lookup(node_text(node))
    if kind in ("tuple", "list", "set", "expression_list"):
        items = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            value = evaluate(child, lookup, depth + 1)
            if value is NOCONST:
                return NOCONST
            items.append(value)
        return frozenset(items) if kind == "set" else tuple(items)
    if kind == "dictionary":
        keys = []
        for pair in node.named_children:
            if pair.type != "pair":
                return NOCONST
            value = evaluate(pair.child_by_field_name("key"), lookup, depth + 1)
            if value is NOCONST:
                return NOCONST
            keys.append(value)
        return frozenset(keys)  # membership tests on a dict look at its keys
    if kind == "unary_operator":
        value = evaluate(node.child_by_field_name("argument"), lookup, depth + 1)
        op = node_text(node.child_by_field_name("operator"))
        if value is NOCONST:
            return NOCONST
        return {"-": operator.neg, "+": operator.pos, "~": operator.invert}[op](value)
    if kind == "not_operator":
        value = evaluate(node.child_by_field_name("argument"), lookup, depth + 1)
        return NOCONST if value is NOCONST else not value
    if kind == "binary_operator":
        left = evaluate(node.child_by_field_name("left"), lookup, depth + 1)
        if left is NOCONST:
            return NOCONST
        right = evaluate(node.child_by_field_name("right"), lookup, depth + 1)
        op = node_text(node.child_by_field_name("operator"))
        if right is NOCONST or op not in _BINARY:
            return NOCONST
        return _guarded_binary(op, left, right)
    if kind == "boolean_operator":
        left = evaluate(node.child_by_field_name("left"), lookup, depth + 1)
        op = node_text(node.child_by_field_name("operator"))
        if left is NOCONST:
            return NOCONST
        if op == "and" and not left or op == "or" and left:
            return left
        return evaluate(node.child_by_field_name("right"), lookup, depth + 1)
    if kind == "comparison_operator":
        return _comparison(node, lookup, depth)
    if kind == "conditional_expression":
        parts = [c for c in node.named_children if c.type != "comment"]
        if len(parts) != 3:
            return NOCONST
        cond = evaluate(parts[1], lookup, depth + 1)
        if cond is NOCONST:
            return NOCONST
        return evaluate(parts[0] if cond else parts[2], lookup, depth + 1)
    if kind == "call":
        return _builtin_call(node, lookup, depth)
    if kind == "subscript":
        container = evaluate(node.child_by_field_name("value"), lookup, depth + 1)
        index = evaluate(node.child_by_field_name("subscript"), lookup, depth + 1)
        if isinstance(container, (tuple, str, bytes)) and isinstance(index, int) and not isinstance(index, bool):
            return container[index]
        return NOCONST
    return NOCONST


_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.)", re.S)


def _unescape(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        return codecs.decode(text, "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return text


def _string(node: ts.Node) -> Any:
    """A string literal's value with escape sequences decoded (``"\\n"`` is a newline).

    Works on the literal's text (prefix, quotes, body) rather than walking its children:
    this runs for every literal of every analysed function."""
    children = node.children
    if len(children) < 2:
        return NOCONST
    start, end = children[0], children[-1]
    prefix = node_text(start)
    quote_len = len(prefix.lstrip("rRbBuUfF"))
    letters = prefix[: len(prefix) - quote_len].lower()
    if "f" in letters and any(c.type == "interpolation" for c in children):
        return NOCONST
    raw_bytes = node.text or b""
    body = raw_bytes[start.end_byte - node.start_byte: end.start_byte - node.start_byte].decode("utf-8", "replace")
    if "f" in letters:
        body = body.replace("{{", "{").replace("}}", "}")
    if "r" not in letters and "\\" in body:
        body = _ESCAPE.sub(_unescape, body)
    if "b" in letters:
        return body.encode("utf-8", "surrogateescape")
    return body


def _comparison(node: ts.Node, lookup: Lookup, depth: int) -> Any:
    operands = [c for c in node.named_children if c.type != "comment"]
    operators: list[str] = []
    pending: list[str] = []
    for child in node.children:
        if child.is_named:
            if pending:
                operators.append(" ".join(pending))
                pending = []
        else:
            pending.append(child.type)
    if len(operators) != len(operands) - 1:
        return NOCONST
    values = [evaluate(o, lookup, depth + 1) for o in operands]
    if any(v is NOCONST for v in values):
        return NOCONST
    for op, left, right in zip(operators, values, values[1:], strict=False):
        func = _COMPARE.get(op)
        if func is None or not func(left, right):
            return False if func is not None else NOCONST
    return True


def _builtin_call(node: ts.Node, lookup: Lookup, depth: int) -> Any:
    """``len("abc")``, ``int("3")``, ``str(4)`` on constants (when the name is the builtin)."""
    func = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if func is None or func.type != "identifier" or args is None or args.type != "argument_list":
        return NOCONST
    name = node_text(func)
    if name not in ("len", "int", "str", "bool", "abs") or lookup(f"<builtin {name}>") is False:
        return NOCONST
    values = [evaluate(a, lookup, depth + 1) for a in args.named_children]
    if len(values) != 1 or values[0] is NOCONST:
        return NOCONST
    return {"len": len, "int": int, "str": str, "bool": bool, "abs": abs}[name](values[0])


def truth(node: ts.Node | None, lookup: Lookup) -> bool | None:
    """``True``/``False`` when the condition is constant, else ``None``."""
    value = evaluate(node, lookup)
    if value is NOCONST:
        return None
    try:
        return bool(value)
    except Exception:  # pragma: no cover - plain values always have a truth value
        return None
