"""Compensate py-tree-sitter 0.26.1's reference leak in custom query predicates.

Every call of a predicate callable passed to ``QueryCursor.matches`` receives a fresh
``captures`` dict that the C code never releases (``query_satisfies_predicates``; upstream
tree-sitter/py-tree-sitter#467 and #471 fixed the neighbouring ``captures_for_match`` leak).
The dict holds the captured ``Node`` objects and every node holds its ``Tree``, so no tree
that a Vigil rule with ``#qualified?`` & co. ever matched on was freed: the language server
grew by ~40 KB per keystroke on a 300-line file and by megabytes per keystroke on big files
(measured with bench/memory.py).

The fix is calibrated, not assumed: at import, a probe query measures how many references a
predicate call leaks. Only if it is exactly the known one leak does ``release`` drop that
reference (from inside the callback, where the dict is still referenced by the call's
arguments, so it is freed when the call returns, never earlier). On a py-tree-sitter that
does not leak, ``release`` does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import tree_sitter as ts


def _leaked_references() -> int:
    """References a predicate call leaks on the ``captures`` dict (0 or 1; anything else: 0)."""
    try:
        import tree_sitter_python

        language = ts.Language(tree_sitter_python.language())
        tree = ts.Parser(language).parse(b"a.b(1)\n")
        query = ts.Query(language, "((call function: (attribute) @f) (#vigil-probe? @f))")
    except Exception:  # no grammar or an API change: do not touch reference counts
        return 0
    seen: list[dict[str, Any]] = []

    def probe(name: str, args: Any, pattern_index: int, captures: dict[str, Any]) -> bool:
        seen.append(captures)
        return True

    ts.QueryCursor(query).matches(tree.root_node, probe)
    if len(seen) != 1:
        return 0
    captures = seen.pop()
    extra = sys.getrefcount(captures) - 2  # minus this local and getrefcount's argument
    return extra if extra == 1 else 0


LEAKED_REFERENCES = _leaked_references()

_py_decref = ctypes.pythonapi.Py_DecRef
_py_decref.argtypes = [ctypes.py_object]
_py_decref.restype = None


def release(captures: dict[str, Any]) -> None:
    """Drop the reference py-tree-sitter leaks on ``captures``; call once per predicate call,
    from inside the predicate callable."""
    if LEAKED_REFERENCES:
        _py_decref(captures)
