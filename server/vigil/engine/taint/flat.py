"""The interpreter's answer for code nested too deeply to follow precisely (see ``depth.py``).

Past the nesting limit, a subtree is walked once with an explicit stack (no recursion, so no
input can exhaust the stack) and every expression in it gets as value *the union of the
taint of everything inside it*: names read from the environment, sources (``input()``,
``request.args``...) and the values of nested expressions. Assignments, ``for`` targets,
comprehension variables, ``with ... as`` and walrus targets add (join) that taint to the names
they bind, in source order; ``return`` adds it to the function's return value.

Why this direction: a sink argument too deep to follow is still reported when any untrusted
source or tainted variable appears inside it. Deeply nested code is generated or hostile
code, where a missed injection costs more than a false alarm. What the flat walk gives up:
sanitizers, validation guards and constant conditions inside the subtree are not honoured
(the taint flows through them), calls to the file's own functions and lambdas are not
followed into their bodies (their arguments' taint flows through, and calls of plain
functions are recorded so the callee's parameters still resolve to this data; sources that
only the callee reads are missed), control flow is ignored (code after ``return`` is walked, loop
bodies once) and container parts are not kept apart. Nested ``def``/``class`` bodies and
lambda bodies are not entered, as in the precise walk (they are analysed when called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tree_sitter as ts

from vigil.engine.taint.model import CLEAN, EMPTY, AbsVal, Step, Taint, join, union

if TYPE_CHECKING:
    from vigil.engine.taint.flow import Env, FunctionFlow

#: Not walked: definitions (bound by name only), lambda bodies, imports, comments.
_OPAQUE = frozenset({"function_definition", "class_definition", "decorated_definition", "lambda",
                     "import_statement", "import_from_statement", "future_import_statement",
                     "global_statement", "nonlocal_statement", "comment", "type"})
#: Node type -> field holding a binding target, walked only for the names it binds.
_TARGET_FIELD = {"assignment": "left", "augmented_assignment": "left", "for_statement": "left",
                 "for_in_clause": "left", "named_expression": "name", "as_pattern": "alias"}
#: Node type -> field whose value the target receives.
_VALUE_FIELD = {"assignment": "right", "augmented_assignment": "right", "for_statement": "right",
                "for_in_clause": "right", "named_expression": "value"}
#: Attribute chains longer than this are no source names (``request.args.get`` is 3).
_MAX_SOURCE_CHAIN = 32
_COMPREHENSIONS = frozenset({"list_comprehension", "set_comprehension", "generator_expression",
                             "dictionary_comprehension"})


class _Frame:
    __slots__ = ("arguments", "children", "next", "node", "parts", "taint", "value_taint")

    def __init__(self, node: ts.Node, children: list[ts.Node]) -> None:
        self.node = node
        self.children = children
        self.next = 0
        self.taint: Taint = EMPTY
        #: taint of the child a target of this node receives (``_VALUE_FIELD``)
        self.value_taint: Taint = EMPTY
        #: (child, its taint), for argument lists
        self.parts: list[tuple[ts.Node, Taint]] = []
        #: for calls: the parts of their argument list
        self.arguments: list[tuple[ts.Node, Taint]] = []


def _key(node: ts.Node) -> tuple[int, int, str]:
    return (node.start_byte, node.end_byte, node.type)


def _same(a: ts.Node | None, b: ts.Node) -> bool:
    return a is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte and a.type == b.type


def _walk_order(node: ts.Node) -> list[ts.Node]:
    """Children in evaluation order, without the ones that are not evaluated as values."""
    kind = node.type
    skip: list[ts.Node | None] = []
    if kind in _TARGET_FIELD:
        skip.append(node.child_by_field_name(_TARGET_FIELD[kind]))
    if kind == "attribute":
        skip.append(node.child_by_field_name("attribute"))
    elif kind == "keyword_argument":
        skip.append(node.child_by_field_name("name"))
    children = [c for c in node.named_children
                if c.type not in _OPAQUE and not any(_same(s, c) for s in skip)]
    if kind in _COMPREHENSIONS:
        # ``for`` clauses bind the names the body reads: walk them first.
        body = node.child_by_field_name("body")
        children = [c for c in children if not _same(body, c)] + ([body] if body is not None else [])
    elif kind in ("for_statement", "for_in_clause"):
        value = node.child_by_field_name("right")
        children = ([value] if value is not None else []) + [c for c in children if not _same(value, c)]
    return children


def _target_names(target: ts.Node) -> list[ts.Node]:
    """Identifiers a target binds: ``a``, ``a, (b, *c)``, and the root ``a`` of ``a.b[k]``."""
    names: list[ts.Node] = []
    pending = [target]
    while pending:
        node = pending.pop()
        if node.type == "identifier":
            names.append(node)
        elif node.type == "attribute":
            inner = node.child_by_field_name("object")
            if inner is not None:
                pending.append(inner)
        elif node.type == "subscript":
            inner = node.child_by_field_name("value")
            if inner is not None:
                pending.append(inner)
        else:
            pending.extend(c for c in node.named_children if c.type != "comment")
    return names


def _chain_length(node: ts.Node, limit: int) -> int:
    length = 0
    while node.type == "attribute" and length <= limit:
        length += 1
        inner = node.child_by_field_name("object")
        if inner is None:
            break
        node = inner
    return length


def _own_taint(flow: FunctionFlow, node: ts.Node, env: Env) -> Taint:
    """What a node adds besides its children: the value of a name, or a source."""
    kind = node.type
    if kind == "identifier":
        return flow.lookup(node, env).whole()
    if kind == "attribute" and _chain_length(node, _MAX_SOURCE_CHAIN) <= _MAX_SOURCE_CHAIN:
        source = flow.source_of(node, env)
        return source.taint if source is not None else EMPTY
    if kind == "call":
        function = node.child_by_field_name("function")
        if function is not None and function.type in ("identifier", "attribute") and \
                _chain_length(function, _MAX_SOURCE_CHAIN) <= _MAX_SOURCE_CHAIN:
            source = flow.source_of(function, env, call=True)
            return source.taint if source is not None else EMPTY
    return EMPTY


#: What a walk did to its environment and function, to replay on a memo hit: ("bind", name,
#: value joined in), ("define", name, function value), ("return", "", value joined in) or
#: ("call", "", _) (a call record, kept the first time only).
Effect = tuple[str, str, AbsVal]


def bind(flow: FunctionFlow, target: ts.Node | None, taint: Taint, env: Env,
         effects: list[Effect] | None = None) -> None:
    """Weak update: every name the target binds gets ``taint`` added."""
    if target is None:
        return
    value = AbsVal(taint=taint) if taint else CLEAN
    for name_node in _target_names(target):
        name = flow._text(name_node)
        _join_name(flow, name, value, env)
        flow.record(name_node, env[name])
        if effects is not None:
            effects.append(("bind", name, value))


def _join_name(flow: FunctionFlow, name: str, value: AbsVal, env: Env) -> None:
    env[name] = join(env.get(name), value)
    flow.assigned[name] = join(flow.assigned.get(name), env[name])


def _define(flow: FunctionFlow, node: ts.Node, env: Env, effects: list[Effect]) -> None:
    """``def f`` in a flat region binds ``f`` like the precise walk does."""
    definition = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
    if definition is not None and definition.type == "function_definition":
        info = flow.file.function_at(definition)
        name = flow._text(definition.child_by_field_name("name"))
        if info is not None and name:
            env[name] = AbsVal(func=info.key)
            effects.append(("define", name, env[name]))


def _record_call(flow: FunctionFlow, call: ts.Node, arguments: list[tuple[ts.Node, Taint]],
                 env: Env, effects: list[Effect]) -> None:
    """``f(x)`` to a plain function of this file: record what is passed, so the parameters
    of ``f`` still resolve to this caller's data (``FileTaint.concrete``)."""
    from vigil.engine.taint.flow import CallRecord  # flow imports this module

    function = call.child_by_field_name("function")
    if function is None or function.type != "identifier":
        return
    callee = flow.lookup(function, env).func
    info = flow.file.functions.get(callee) if isinstance(callee, int) else None
    if info is None or info.class_name is not None:
        return
    step = Step(call.start_byte, call.end_byte, f"passed to `{info.name}()`")
    passed: dict[int, AbsVal] = {}
    position = 0
    for node, taint in arguments:
        if node.type == "keyword_argument":
            index = info.param_index(flow._text(node.child_by_field_name("name")))
        elif node.type in ("list_splat", "dictionary_splat"):
            continue
        else:
            index, position = position, position + 1
        if index is not None and taint:
            passed[index] = AbsVal(taint=taint).with_step(step)
    flow.calls.append(CallRecord(info.key, passed, call))
    effects.append(("call", "", CLEAN))


def _fingerprint(env: Env) -> frozenset[tuple[str, frozenset[object], object]]:
    """All a flat walk reads of its environment: which facts each name carries, and which
    function of the file it names (calls to it are recorded)."""
    return frozenset((name, frozenset(f.key for f in value.whole()), _callable(value.func))
                     for name, value in env.items())


def _callable(func: object) -> object:
    if isinstance(func, ts.Node):  # a lambda
        return (func.start_byte, func.end_byte)
    return func


def walk(flow: FunctionFlow, root: ts.Node, env: Env) -> Taint:
    """Walk ``root`` (an expression or a statement) flatly; returns its taint. Records the
    value of every expression on ``flow`` and updates ``env`` with what it binds.

    Memoised per function on (node, facts of every name): the precise walk around a flat
    region re-runs it for each branch and loop round (1,000 nested blocks alternating
    ``for``/``with``/``try``/``while`` walked the same deep subtree 122 times), and a walk
    reads the environment only through those facts. A hit replays the recorded effects; the
    recorded values of expressions are already joined in."""
    key = (root.start_byte, root.end_byte, root.type, _fingerprint(env))
    found = flow.flat_memo.get(key)
    if found is not None:
        taint, effects = found
        for kind, name, value in effects:
            if kind == "call":
                continue  # recorded the first time; a parameter joins what every call passes
            if kind == "define":
                env[name] = value
            elif kind == "bind":
                _join_name(flow, name, value, env)
            else:
                flow.returns = join(flow.returns, value)
        return taint
    effects: list[Effect] = []
    taint = _walk(flow, root, env, effects)
    flow.flat_memo[key] = (taint, effects)
    return taint


def _walk(flow: FunctionFlow, root: ts.Node, env: Env, effects: list[Effect]) -> Taint:
    if root.type in _OPAQUE:
        _define(flow, root, env, effects)
        return EMPTY
    stack = [_Frame(root, _walk_order(root))]
    result: Taint = EMPTY
    while stack:
        frame = stack[-1]
        if frame.next < len(frame.children):
            child = frame.children[frame.next]
            frame.next += 1
            if child.type in ("function_definition", "decorated_definition", "class_definition"):
                _define(flow, child, env, effects)
                continue
            stack.append(_Frame(child, _walk_order(child)))
            continue
        stack.pop()
        node = frame.node
        taint = union(frame.taint, _own_taint(flow, node, env))
        kind = node.type
        if kind in _TARGET_FIELD:
            bound = frame.value_taint if kind != "as_pattern" else taint
            bind(flow, node.child_by_field_name(_TARGET_FIELD[kind]), bound, env, effects)
        elif kind == "call":
            _record_call(flow, node, frame.arguments, env, effects)
        elif kind == "return_statement":
            value = AbsVal(taint=taint) if taint else CLEAN
            flow.returns = join(flow.returns, value)
            effects.append(("return", "", value))
        if node.is_named and not kind.endswith("statement") and kind not in ("block", "module"):
            flow.record(node, AbsVal(taint=taint) if taint else CLEAN)
        if stack:
            parent = stack[-1]
            parent.taint = union(parent.taint, taint)
            parent.parts.append((node, taint))
            if kind == "argument_list":
                parent.arguments = frame.parts
            value_field = _VALUE_FIELD.get(parent.node.type)
            if value_field is not None and _same(parent.node.child_by_field_name(value_field), node):
                parent.value_taint = taint
                if parent.node.type in ("for_statement", "for_in_clause"):
                    # The loop variable exists before the body runs.
                    bind(flow, parent.node.child_by_field_name("left"), taint, env, effects)
        else:
            result = taint
    return result
