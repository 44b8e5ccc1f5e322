"""Can untrusted data occur at all in a file's analysis? A conservative, analysis-free test.

A finding needs a *real* fact (not a symbolic parameter fact), and real facts have exactly
three origins: ``FunctionFlow.source_of`` (a name, attribute chain or callee matching a
source), tainted parameters in ``FileTaint.entry_env`` (route handlers, request objects) and
the summaries of helper modules next to the file (``FunctionFlow.apply_external``), whose
real facts have the same origins in turn. :func:`may_have_sources` over-approximates each of
them: ``source_of`` is asked with an empty environment (a local variable only ever hides a
source) and as a call (which only adds patterns); every parameter of every function is
tried; every helper module an analysis could load is followed, transitively.

When the answer is "no", every sink of the file has no path whatever the analyses would
compute, so ``tainted_by`` answers without running them. Most files of a package have sinks
(``open``, ``subprocess``) but no source, and resolving those sinks' parameters through all
their callers was most of the taint time. The test has no side effects on analysis state: no
flow is run, and helper modules are parsed privately (never into ``summaries._MODULES``), so
the order in which other analyses run, and therefore their results, is unchanged.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

import tree_sitter as ts

from vigil.engine.languages import cached_query, parse
from vigil.engine.names import collect_names
from vigil.engine.taint.flow import FunctionFlow
from vigil.engine.taint.model import AbsVal, TaintSpec
from vigil.engine.taint.summaries import (
    _MAX_MODULE_BYTES,
    MODULE_KEY,
    FileTaint,
    _helper_candidates,
)

_NODES_QUERY = """
            (identifier) @node
            (attribute) @node
            (call function: (_) @callee)
        """


def _query(language: ts.Language) -> ts.Query:
    """Every node ``source_of`` can be asked about: names, attribute chains and callees (a
    callee may also be a call or a subscript: ``OpenAI().chat.completions.create``)."""
    return cached_query(language, _NODES_QUERY)


@dataclass(frozen=True)
class _Own:
    """What one file contributes by itself."""

    #: a source, a tainted parameter or a request object occurs in the file
    direct: bool
    #: dotted callees that may name a function of a helper module (``helpers.clean``)
    helpers: tuple[str, ...]
    #: the file's top-level functions (the only ones a helper call can reach)
    top_level: frozenset[str]


def _own(state: FileTaint) -> _Own:
    top_level = frozenset(state.top_level)
    for info in state.functions.values():
        if info.key == MODULE_KEY:
            continue
        if state._untrusted_params(info):
            return _Own(True, (), top_level)
        if any(state._request_object(param) is not None for param in info.params):
            return _Own(True, (), top_level)
    probe = FunctionFlow(state, state.module)
    captures = ts.QueryCursor(_query(state.tree.language)).captures(state.tree.root_node)
    empty: dict[str, AbsVal] = {}
    names = state.names
    source = state.source
    # ``source_of`` of a name or dotted chain depends only on the node's type and text and on
    # the binding of the name it starts with (``qualify``): ask once per such triple.
    answers: dict[tuple[str, str, int], bool] = {}

    def is_source(node: ts.Node) -> bool:
        text = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
        head = _HEAD.match(text)
        if head is None:
            return probe.source_of(node, empty, call=True) is not None
        key = (node.type, text, id(names.binding_at(head.group(1), node.start_byte)))
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = probe.source_of(node, empty, call=True) is not None
        return answer

    spec = state.spec
    tails = spec.call_tails | spec.attribute_tails
    open_ended = spec.environ or "*" in tails
    plain: dict[str, bool] = {}

    def name_may_be_source(text: str) -> bool:
        """``source_of`` rejects a name whose qualified name (its binding's, or the name
        itself when unbound) matches no source pattern and which is no source tail: decided
        here once per distinct name over all its possible bindings, not per occurrence."""
        if open_ended or text in tails:
            return True
        entries = names.bindings.get(text)
        qualified = [b.qualified for b in entries] if entries else [text]
        return any(q is not None and (
            spec.any_name is not None and spec.any_name.match(q) is not None
            or spec.any_call is not None and spec.any_call.match(q) is not None) for q in qualified)

    for node in captures.get("node", []):
        if node.type == "identifier":
            text = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
            maybe = plain.get(text)
            if maybe is None:
                maybe = plain[text] = name_may_be_source(text)
            if not maybe:
                continue
        if is_source(node):
            return _Own(True, (), top_level)
    helpers: dict[str, None] = {}
    for node in captures.get("callee", []):
        if is_source(node):
            return _Own(True, (), top_level)
        qualified = probe.qualify(node, empty)
        if qualified is not None and "." in qualified:
            helpers[qualified] = None
    return _Own(False, tuple(helpers), top_level)


#: A node text starting with a plain (ASCII) name, followed by a dot or nothing: the name is
#: then the node's first token, whose binding ``qualify`` looks up at the node's start.
_HEAD = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)(?:\.|\Z)")


_ModuleKey = tuple[str, int, int, int]
#: ``_Own`` of helper modules, by (path, mtime, size, spec identity) like ``summaries._MODULES``.
_HELPERS: dict[_ModuleKey, _Own] = {}
_HELPERS_LOCK = threading.Lock()
_MAX_HELPERS = 4096


def _helper(where: str, qualified: str, spec: TaintSpec) -> tuple[str, _ModuleKey, _Own] | None:
    """The helper module ``FileTaint._find_external`` would use for ``qualified`` called in the
    file at ``where`` (same candidates, same order, same size limit), if it defines the
    function. ``None`` also when the module is unreadable: the analysis then gets no summary."""
    name = qualified.rpartition(".")[2]
    for candidate in _helper_candidates(where, qualified):
        try:
            stat = candidate.stat()
        except OSError:
            continue
        if not candidate.is_file() or stat.st_size > _MAX_MODULE_BYTES:
            continue
        resolved = str(candidate.resolve())
        key = (resolved, stat.st_mtime_ns, stat.st_size, id(spec))
        with _HELPERS_LOCK:
            own = _HELPERS.get(key)
        if own is None:
            try:
                source = candidate.read_bytes()
            except OSError:
                continue
            tree = parse(source)
            own = _own(FileTaint(tree, source, collect_names(tree), spec, str(candidate)))
            with _HELPERS_LOCK:
                if len(_HELPERS) >= _MAX_HELPERS:
                    _HELPERS.clear()
                _HELPERS[key] = own
        if name not in own.top_level:
            return None
        return str(candidate), key, own
    return None


def may_have_sources(state: FileTaint) -> bool:
    """Whether any real-source fact can arise in ``state``'s analysis (computed once)."""
    found = state.may_have_sources
    if found is None:
        found = state.may_have_sources = _compute(state)
    return found


def _compute(state: FileTaint) -> bool:
    own = _own(state)
    if own.direct:
        return True
    if state.path is None:
        return False  # no helper module can be found without a path
    pending = [(state.path, qualified) for qualified in own.helpers]
    visited: set[_ModuleKey] = set()
    while pending:
        where, qualified = pending.pop()
        found = _helper(where, qualified, state.spec)
        if found is None:
            continue
        path, key, helper = found
        if key in visited:
            continue
        visited.add(key)
        if helper.direct:
            return True
        if os.path.abspath(path) != key[0]:
            # A link: the analysis may reuse a state read through another path, whose
            # helpers resolve from another folder. Not worth following: assume a source.
            return True
        pending.extend((path, name) for name in helper.helpers)
    return False
