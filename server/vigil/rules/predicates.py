"""Custom tree-sitter query predicates that rules may use.

tree-sitter hands every ``#name?`` predicate it does not know to a Python callback; without
one it would silently treat them as satisfied. The loader therefore rejects rules that use a
predicate not listed here, and the engine always passes ``make_predicate``'s callback.

Predicates (``@cap`` is a capture, strings follow):
  ``(#qualified? @cap "yaml.load" "yaml.unsafe_*")`` the capture resolves through the module's
      imports to a name matching one of the glob patterns;
  ``(#not-qualified? @cap "pattern" ...)`` the opposite;
  ``(#dynamic? @cap)`` / ``(#constant? @cap)`` the expression is (not) a compile-time constant;
  ``(#has-kwarg? @args "name" ...)`` / ``(#lacks-kwarg? @args "name" ...)`` an argument list has
      (has none of) the keyword arguments; a ``**kwargs`` splat counts as "maybe has";
  ``(#value-match? @cap "regex")`` the value of a plain string literal matches the regex.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import tree_sitter as ts

from vigil.engine.constants import is_constant, string_value
from vigil.engine.names import ModuleNames
from vigil.rules import ts_leak

BUILTIN_PREDICATES = {
    "eq?", "not-eq?", "any-eq?", "any-not-eq?", "match?", "not-match?", "any-match?",
    "any-not-match?", "any-of?", "not-any-of?", "is?", "is-not?",
}
# ``#set!`` is deliberately not accepted: Vigil reads no pattern settings, and py-tree-sitter
# 0.26.1 crashed (SIGSEGV) on a ``#set!`` directive with an unusual key while compiling a rule.

PredicateArgs = Sequence[tuple[str, str]]
Captures = dict[str, list[ts.Node]]


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def _nodes(args: PredicateArgs, captures: Captures) -> tuple[list[ts.Node], list[str]]:
    nodes: list[ts.Node] = []
    strings: list[str] = []
    for value, kind in args:
        if kind == "capture":
            nodes.extend(captures.get(value, []))
        else:
            strings.append(value)
    return nodes, strings


def keyword_names(arguments: ts.Node) -> tuple[set[str], bool]:
    """Keyword argument names in an ``argument_list``, and whether a ``**`` splat is present."""
    names: set[str] = set()
    splat = False
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            if name is not None and name.text is not None:
                names.add(name.text.decode())
        elif child.type == "dictionary_splat":
            splat = True
    return names, splat


def _qualified(names: ModuleNames, nodes: list[ts.Node], patterns: list[str]) -> bool:
    for node in nodes:
        qualified = names.qualify(node)
        if qualified is not None and any(_glob(p).match(qualified) for p in patterns):
            return True
    return False


def _has_kwarg(nodes: list[ts.Node], wanted: list[str], splat_counts: bool) -> bool:
    for node in nodes:
        if node.type != "argument_list":
            continue
        present, splat = keyword_names(node)
        if splat and splat_counts:
            return True
        if present.intersection(wanted):
            return True
    return False


def _value_match(nodes: list[ts.Node], patterns: list[str]) -> bool:
    for node in nodes:
        value = string_value(node)
        if value is not None and any(re.search(p, value) for p in patterns):
            return True
    return False


Handler = Callable[[ModuleNames, list[ts.Node], list[str]], bool]

HANDLERS: dict[str, Handler] = {
    "qualified?": lambda names, nodes, strings: _qualified(names, nodes, strings),
    "not-qualified?": lambda names, nodes, strings: not _qualified(names, nodes, strings),
    "dynamic?": lambda names, nodes, strings: bool(nodes)
    and not all(is_constant(n, names.constants) for n in nodes),
    "constant?": lambda names, nodes, strings: bool(nodes)
    and all(is_constant(n, names.constants) for n in nodes),
    "has-kwarg?": lambda names, nodes, strings: _has_kwarg(nodes, strings, splat_counts=False),
    "lacks-kwarg?": lambda names, nodes, strings: not _has_kwarg(nodes, strings, splat_counts=True),
    "value-match?": lambda names, nodes, strings: _value_match(nodes, strings),
}

KNOWN_PREDICATES = BUILTIN_PREDICATES | set(HANDLERS)

_PREDICATE_RE = re.compile(r"\(\s*#([A-Za-z0-9_-]+[?!])")


def unknown_predicates(query_source: str) -> list[str]:
    """Predicate names in a query that neither tree-sitter nor Vigil implements."""
    return sorted({m for m in _PREDICATE_RE.findall(query_source) if m not in KNOWN_PREDICATES})


def make_predicate(names: ModuleNames) -> Callable[[str, PredicateArgs, int, Captures], bool]:
    def predicate(name: str, args: PredicateArgs, pattern_index: int, captures: Captures) -> Any:
        try:
            handler = HANDLERS.get(name)
            if handler is None:
                return False  # unreachable for validated rules; never match on an unknown predicate
            nodes, strings = _nodes(args, captures)
            return handler(names, nodes, strings)
        finally:
            ts_leak.release(captures)  # py-tree-sitter 0.26.1 leaks it (and so every tree)

    return predicate
