"""Flow-sensitive taint analysis of ONE function body (or of the module's top-level code).

The walk is an abstract interpretation over the tree-sitter tree: an environment maps local
names to ``AbsVal``s, statements transform it, branches are analysed separately and joined,
loops are iterated to a (bounded) fixpoint, and code after ``return``/``raise``/``abort()`` or in a
branch whose condition is constantly false is never visited. Every expression evaluated is
recorded with its value, so a rule can later ask "is this argument tainted?" in O(1).

Parameters start as *symbolic* facts (``Fact(PARAM, param=i)``), which turns the result into a
summary: the return value says which parameters reach it, and the recorded sink values say
which parameters reach a sink. ``summaries.FileTaint`` resolves symbolic facts against the
call sites in the file. Nothing here executes the analysed code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import tree_sitter as ts

from vigil.engine.taint import consteval, flat
from vigil.engine.taint.depth import nesting
from vigil.engine.taint.model import (
    ALL,
    CLEAN,
    EMPTY,
    NOCONST,
    AbsVal,
    Fact,
    Step,
    Taint,
    join,
    LazyConst,
    resolve_const,
    union,
)

if TYPE_CHECKING:
    from vigil.engine.taint.summaries import FileTaint, FunctionInfo

Env = dict[str, AbsVal]

#: Loop bodies are re-analysed at most this often; values only grow, so this is a bound,
#: not a source of unsoundness in practice (three rounds cover chains like a -> b -> c).
_LOOP_ROUNDS = 3
_CLEAN_TESTS = {"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"}
_RESOLVERS = {"resolve", "realpath", "abspath", "absolute"}
_URL_PARSERS = {"urllib.parse.urlparse", "urllib.parse.urlsplit", "urlparse.urlparse",
                "urlparse.urlsplit"}
_HOST_PARTS = {"netloc", "hostname"}
_FULLMATCH = {"re.fullmatch", "re.match"}
#: Longer attribute chains (``a.b.c...``) name no imported module, source or callee.
_MAX_CHAIN = 64
#: Longer assignment paths (``a.b.c... = v``) store ``v`` as a weak update at this depth.
_MAX_PATH = 32


@dataclass
class CallRecord:
    """A call to a function of this file, kept so callers' data can reach callee sinks."""

    callee: int                       # FunctionInfo key
    args: dict[int, AbsVal]           # parameter index -> value passed
    node: ts.Node


@dataclass
class LoopContext:
    breaks: list[Env] = field(default_factory=list)
    continues: list[Env] = field(default_factory=list)


def _key(node: ts.Node) -> tuple[int, int, str]:
    return (node.start_byte, node.end_byte, node.type)


def _children(node: ts.Node) -> list[ts.Node]:
    return [c for c in node.named_children if c.type != "comment"]


def join_env(*envs: Env | None) -> Env | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return dict(live[0])
    out: Env = {}
    for name in set().union(*live):
        value: AbsVal | None = None
        for env in live:
            value = join(value, env.get(name)) if value is not None else env.get(name)
        out[name] = value if value is not None else CLEAN
    return out


def _same(a: Env | None, b: Env | None) -> bool:
    if a is None or b is None:
        return a is b
    if a.keys() != b.keys():
        return False
    return all(a[k].signature() == b[k].signature() for k in a)


class FunctionFlow:
    """The analysis of one function; built by ``FileTaint.flow`` and memoised there."""

    def __init__(self, file: FileTaint, info: FunctionInfo, flat_only: bool = False) -> None:
        self.file = file
        self.info = info
        self.spec = file.spec
        #: (start, end, type) of every evaluated expression -> its (joined) value
        self.values: dict[tuple[int, int, str], AbsVal] = {}
        self.returns: AbsVal | None = None
        self.calls: list[CallRecord] = []
        self._calls_index: dict[int, list[CallRecord]] | None = None
        #: values written to ``self.<attr>`` (methods), keyed ``.attr``
        self.self_writes: dict[str, AbsVal] = {}
        #: flow-insensitive union of everything assigned to each name (closures, globals)
        self.assigned: dict[str, AbsVal] = {}
        self._source = file.source
        self._loops: list[LoopContext] = []
        self._lambda_depth = 0
        #: the thread's nesting counter (``depth.py``); past its limit, ``flat.walk`` answers
        self._nesting = nesting()
        #: analyse the whole body with ``flat.walk`` (last resort, see ``FileTaint.flow``)
        self.flat_only = flat_only
        self.flat_memo: dict[Any, tuple[Taint, list[flat.Effect]]] = {}

    def _text(self, node: ts.Node | None) -> str:
        """Source text of a node (slicing the file's bytes is much cheaper than ``Node.text``)."""
        if node is None:
            return ""
        return self._source[node.start_byte:node.end_byte].decode("utf-8", "replace")

    # -- entry ------------------------------------------------------------------------------
    def run(self) -> FunctionFlow:
        env = self.file.entry_env(self.info)
        for name, value in env.items():
            self.assigned[name] = value
        body = self.info.body
        statements = _children(body) if body is not None else []
        if self.flat_only:
            for statement in statements:
                flat.walk(self, statement, env)
            return self
        self.exec_block(statements, env)
        return self

    def calls_to(self, callee: int) -> list[CallRecord]:
        """The recorded calls of one function of the file (indexed on first use: resolving a
        parameter asks this for every caller, and a module-level flow records thousands)."""
        index = self._calls_index
        if index is None:
            index = self._calls_index = {}
            for record in self.calls:
                index.setdefault(record.callee, []).append(record)
        return index.get(callee, [])

    def record(self, node: ts.Node, value: AbsVal) -> None:
        """Remember the value an expression had (joined over every time it is evaluated)."""
        key = _key(node)
        old = self.values.get(key)
        self.values[key] = value if old is None else join(old, value)

    # -- statements -------------------------------------------------------------------------
    def exec_block(self, statements: list[ts.Node], env: Env | None) -> Env | None:
        for statement in statements:
            if env is None:
                break
            env = self.exec_stmt(statement, env)
        return env

    def exec_stmt(self, node: ts.Node, env: Env) -> Env | None:
        """One statement; past the nesting limit, the flat walk (``flat.py``)."""
        counter = self._nesting
        if counter.depth >= counter.limit:
            flat.walk(self, node, env)
            return env
        counter.depth += 1
        try:
            return self._exec_stmt(node, env)
        finally:
            counter.depth -= 1

    def _exec_stmt(self, node: ts.Node, env: Env) -> Env | None:  # noqa: C901 - a dispatcher
        kind = node.type
        if kind == "expression_statement":
            for expr in _children(node):
                if expr.type in ("assignment", "augmented_assignment"):
                    self.exec_assignment(expr, env)
                else:
                    self.eval(expr, env)
                    if self._never_returns(expr, env):
                        return None
            return env
        if kind == "return_statement":
            values = _children(node)
            if values:
                value = self.eval(values[0], env)
                step = Step(node.start_byte, node.end_byte, f"returned from `{self.info.name}()`")
                self.returns = join(self.returns, value.with_step(step))
            elif self.returns is None:
                self.returns = CLEAN
            return None
        if kind == "raise_statement":
            for child in _children(node):
                self.eval(child, env)
            return None
        if kind == "if_statement":
            return self.exec_if(node, env)
        if kind == "for_statement":
            return self.exec_for(node, env)
        if kind == "while_statement":
            return self.exec_while(node, env)
        if kind == "try_statement":
            return self.exec_try(node, env)
        if kind == "with_statement":
            return self.exec_with(node, env)
        if kind == "match_statement":
            return self.exec_match(node, env)
        if kind in ("function_definition", "decorated_definition", "class_definition"):
            definition = node.child_by_field_name("definition") if kind == "decorated_definition" else node
            if definition is not None and definition.type == "function_definition":
                name = self._text(definition.child_by_field_name("name"))
                info = self.file.function_at(definition)
                if info is not None and name:
                    env[name] = AbsVal(func=info.key)
            return env
        if kind == "break_statement":
            if self._loops:
                self._loops[-1].breaks.append(dict(env))
            return None
        if kind == "continue_statement":
            if self._loops:
                self._loops[-1].continues.append(dict(env))
            return None
        if kind == "assert_statement":
            conditions = _children(node)
            if conditions:
                self.eval(conditions[0], env)
                return self.refine(conditions[0], env)[0]
            return env
        if kind == "block":
            return self.exec_block(_children(node), env)
        if kind in ("delete_statement", "print_statement", "exec_statement"):
            for child in _children(node):
                self.eval(child, env)
            return env
        return env  # pass, import, global, nonlocal, type alias...

    def _never_returns(self, expr: ts.Node, env: Env) -> bool:
        if expr.type != "call" or self.spec.no_return is None:
            return False
        fn = expr.child_by_field_name("function")
        name = self.qualify(fn, env) or self._callee_text(fn)
        return bool(name and self.spec.no_return.match(name))

    def exec_if(self, node: ts.Node, env: Env) -> Env | None:
        clauses: list[tuple[ts.Node | None, ts.Node | None]] = [
            (node.child_by_field_name("condition"), node.child_by_field_name("consequence"))]
        for alt in node.children_by_field_name("alternative"):
            if alt.type == "elif_clause":
                clauses.append((alt.child_by_field_name("condition"), alt.child_by_field_name("consequence")))
            else:
                clauses.append((None, alt.child_by_field_name("body")))
        outs: list[Env | None] = []
        current: Env | None = env
        for condition, body in clauses:
            if current is None:
                break
            if condition is None:
                outs.append(self.exec_block(_children(body) if body else [], current))
                current = None
                break
            self.eval(condition, current)
            verdict = consteval.truth(condition, self.const_lookup(current))
            env_true, env_false = self.refine(condition, current)
            # Branches mutate their environment: never let two share one dict.
            env_true, env_false = dict(env_true), dict(env_false)
            if verdict is not False:
                outs.append(self.exec_block(_children(body) if body else [], env_true))
            current = None if verdict is True else env_false
        if current is not None:
            outs.append(current)
        return join_env(*outs)

    def exec_for(self, node: ts.Node, env: Env) -> Env | None:
        iterable = self.eval(node.child_by_field_name("right"), env)
        element = self.element(iterable)
        left = node.child_by_field_name("left")
        body = _children(node.child_by_field_name("body")) if node.child_by_field_name("body") else []
        head: Env = dict(env)
        loop = LoopContext()
        self._loops.append(loop)
        try:
            for _ in range(_LOOP_ROUNDS):
                loop.breaks.clear()
                loop.continues.clear()
                body_env = dict(head)
                if left is not None:
                    self.assign(left, element, body_env, node)
                out = self.exec_block(body, body_env)
                new_head = join_env(head, out, *loop.continues) or head
                if _same(new_head, head):
                    break
                head = new_head
        finally:
            self._loops.pop()
        after: Env | None = head
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            after = self.exec_block(_children(alternative.child_by_field_name("body") or alternative), after)
        return join_env(after, *loop.breaks)

    def exec_while(self, node: ts.Node, env: Env) -> Env | None:
        condition = node.child_by_field_name("condition")
        verdict = consteval.truth(condition, self.const_lookup(env))
        alternative = node.child_by_field_name("alternative")
        if verdict is False:
            if alternative is not None:
                return self.exec_block(_children(alternative.child_by_field_name("body") or alternative), env)
            return env
        body_node = node.child_by_field_name("body")
        body = _children(body_node) if body_node is not None else []
        head: Env = dict(env)
        loop = LoopContext()
        self._loops.append(loop)
        try:
            for _ in range(_LOOP_ROUNDS):
                loop.breaks.clear()
                loop.continues.clear()
                if condition is not None:
                    self.eval(condition, head)
                body_env = dict(self.refine(condition, head)[0] if condition is not None else head)
                out = self.exec_block(body, body_env)
                new_head = join_env(head, out, *loop.continues) or head
                if _same(new_head, head):
                    break
                head = new_head
        finally:
            self._loops.pop()
        # Decide termination on the loop-head state, not the entry state: ``i = 0`` makes
        # ``while i < 3`` constantly true on entry but not once ``i += 1`` has run.
        verdict = consteval.truth(condition, self.const_lookup(head))
        after: Env | None = None if verdict is True else (
            self.refine(condition, head)[1] if condition is not None else head)
        if alternative is not None and after is not None:
            after = self.exec_block(_children(alternative.child_by_field_name("body") or alternative), after)
        return join_env(after, *loop.breaks)

    def exec_try(self, node: ts.Node, env: Env) -> Env | None:
        before = dict(env)
        body = node.child_by_field_name("body")
        out = self.exec_block(_children(body) if body else [], dict(env))
        handler_entry = join_env(before, out) or before
        outs: list[Env | None] = []
        finally_clause = None
        else_out = out
        for child in _children(node):
            if child.type == "except_clause" or child.type == "except_group_clause":
                handler_env = dict(handler_entry)
                for part in _children(child):
                    if part.type == "as_pattern":
                        alias = part.child_by_field_name("alias")
                        target = _children(alias)[0] if alias is not None and _children(alias) else None
                        if target is not None:
                            self.assign(target, CLEAN, handler_env, part)
                block = next((c for c in _children(child) if c.type == "block"), None)
                outs.append(self.exec_block(_children(block) if block else [], handler_env))
            elif child.type == "else_clause":
                block = child.child_by_field_name("body")
                else_out = self.exec_block(_children(block) if block else [], out) if out is not None else None
            elif child.type == "finally_clause":
                finally_clause = child
        result = join_env(else_out, *outs)
        if finally_clause is not None:
            block = next((c for c in _children(finally_clause) if c.type == "block"), None)
            final_env = join_env(before, result) or before
            finally_out = self.exec_block(_children(block) if block else [], final_env)
            if result is None or finally_out is None:
                return None
            return join_env(result, finally_out)
        return result

    def exec_with(self, node: ts.Node, env: Env) -> Env | None:
        for clause in _children(node):
            if clause.type != "with_clause":
                continue
            for item in _children(clause):
                value_node = item.child_by_field_name("value") if item.type == "with_item" else item
                if value_node is None:
                    continue
                if value_node.type == "as_pattern":
                    parts = _children(value_node)
                    value = self.eval(parts[0], env) if parts else CLEAN
                    alias = value_node.child_by_field_name("alias")
                    targets = _children(alias) if alias is not None else []
                    if targets:
                        self.assign(targets[0], value, env, value_node)
                else:
                    self.eval(value_node, env)
        body = node.child_by_field_name("body")
        return self.exec_block(_children(body) if body else [], env)

    def exec_match(self, node: ts.Node, env: Env) -> Env | None:
        subject_node = node.child_by_field_name("subject")
        self.eval(subject_node, env)
        subject = consteval.evaluate(subject_node, self.const_lookup(env))
        body = node.child_by_field_name("body")
        cases = [c for c in _children(body) if c.type == "case_clause"] if body is not None else []
        outs: list[Env | None] = []
        exhaustive = False
        for case in cases:
            patterns = [c for c in _children(case) if c.type == "case_pattern"]
            guard = case.child_by_field_name("guard")
            consequence = case.child_by_field_name("consequence")
            verdict = self._case_matches(patterns, subject, env)
            if verdict is False:
                continue
            case_env = dict(env)
            for pattern in patterns:
                for capture in self._pattern_captures(pattern):
                    self.assign(capture, AbsVal(taint=self.eval(subject_node, env).whole()), case_env, pattern)
            if guard is not None:
                self.eval(guard, case_env)
            outs.append(self.exec_block(_children(consequence) if consequence else [], case_env))
            if verdict is True and guard is None:
                exhaustive = True
                break
        if not exhaustive:
            outs.append(env)
        return join_env(*outs)

    def _case_matches(self, patterns: list[ts.Node], subject: Any, env: Env) -> bool | None:
        """True/False when decidable on constants; None when the case may or may not match."""
        if not patterns:
            return None
        verdicts: list[bool | None] = []
        for pattern in patterns:
            inner = _children(pattern)
            if not inner:
                verdicts.append(True)  # ``case _:``
                continue
            alternatives = _children(inner[0]) if inner[0].type == "union_pattern" else [inner[0]]
            verdict: bool | None = False
            for alternative in alternatives:
                if alternative.type in ("string", "integer", "float", "true", "false", "none",
                                        "concatenated_string"):
                    value = consteval.evaluate(alternative, self.const_lookup(env))
                    if subject is NOCONST or value is NOCONST:
                        verdict = None if verdict is False else verdict
                    elif value == subject and type(value) is type(subject):
                        verdict = True
                        break
                elif alternative.type == "identifier" and len(alternatives) == 1:
                    verdict = True  # a capture pattern matches anything
                    break
                else:
                    verdict = None if verdict is False else verdict
            verdicts.append(verdict)
        if any(v is True for v in verdicts):
            return True
        if all(v is False for v in verdicts):
            return False
        return None

    def _pattern_captures(self, pattern: ts.Node) -> Iterator[ts.Node]:
        inner = _children(pattern)
        if len(inner) == 1 and inner[0].type == "identifier":
            yield inner[0]

    # -- assignment -------------------------------------------------------------------------
    def exec_assignment(self, node: ts.Node, env: Env) -> None:
        counter = self._nesting
        if counter.depth >= counter.limit:  # ``a = b = c = ...`` nests
            flat.walk(self, node, env)
            return
        counter.depth += 1
        try:
            self._exec_assignment(node, env)
        finally:
            counter.depth -= 1

    def _exec_assignment(self, node: ts.Node, env: Env) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if right is None or left is None:
            return
        if node.type == "augmented_assignment":
            old = self.eval(left, env)
            new = self.eval(right, env)
            # ``s += tainted`` taints the whole of ``s``; ``d |= {}`` keeps its precise parts.
            value = replace(old, const=NOCONST) if new.is_clean else AbsVal(taint=union(old.whole(), new.whole()))
            self.assign(left, value, env, node)
            return
        if right.type == "assignment":  # a = b = value
            self.exec_assignment(right, env)
            inner = right
            while inner.type == "assignment" and inner.child_by_field_name("right") is not None:
                inner = inner.child_by_field_name("right")  # type: ignore[assignment]
            value = self.values.get(_key(inner), CLEAN)
        else:
            value = self.eval(right, env)
        self.assign(left, value, env, node)

    def assign(self, target: ts.Node, value: AbsVal, env: Env, where: ts.Node) -> None:
        counter = self._nesting
        if counter.depth >= counter.limit:  # ``((((a, b), c), d), ...) = value`` nests
            flat.bind(self, target, value.whole(), env)
            return
        counter.depth += 1
        try:
            self._assign(target, value, env, where)
        finally:
            counter.depth -= 1

    def _assign(self, target: ts.Node, value: AbsVal, env: Env, where: ts.Node) -> None:
        kind = target.type
        if kind == "identifier":
            name = self._text(target)
            if not value.is_clean:
                value = value.with_step(Step(target.start_byte, target.end_byte, f"assigned to `{name}`"))
            env[name] = value
            self.assigned[name] = join(self.assigned.get(name), value)
            self.values[_key(target)] = value
            return
        if kind in ("pattern_list", "tuple_pattern", "list_pattern", "expression_list", "tuple", "list"):
            parts = _children(target)
            for index, part in enumerate(parts):
                if part.type == "list_splat_pattern":
                    inner = _children(part)
                    if inner:
                        self.assign(inner[0], AbsVal(taint=value.whole()), env, where)
                else:
                    self.assign(part, value.get(f"[{index!r}]"), env, where)
            return
        if kind == "parenthesized_expression":
            inner = _children(target)
            if inner:
                self.assign(inner[0], value, env, where)
            return
        if kind in ("attribute", "subscript"):
            self._assign_path(target, value, env)
            return
        if kind == "list_splat_pattern":
            inner = _children(target)
            if inner:
                self.assign(inner[0], AbsVal(taint=value.whole()), env, where)

    def _assign_path(self, target: ts.Node, value: AbsVal, env: Env) -> None:
        """``a.b["k"] = v``: update the part of variable ``a`` (strong update for constant
        keys, weak update — adding facts to the container — for computed ones)."""
        path: list[str | None] = []
        node = target
        while node.type in ("attribute", "subscript"):
            if node.type == "attribute":
                path.append("." + self._text(node.child_by_field_name("attribute")))
                node = node.child_by_field_name("object")  # type: ignore[assignment]
            else:
                key_node = node.child_by_field_name("subscript")
                self.eval(key_node, env)
                key = consteval.evaluate(key_node, self.const_lookup(env))
                path.append(None if key is NOCONST else f"[{key!r}]")
                node = node.child_by_field_name("value")  # type: ignore[assignment]
            if node is None:
                return
        path.reverse()
        if len(path) > _MAX_PATH:
            # Only the first parts are kept apart; deeper, the value joins every part.
            path = path[:_MAX_PATH] + [None]
        if not value.is_clean:
            value = value.with_step(Step(target.start_byte, target.end_byte,
                                         f"stored in `{self._text(target)}`"))
        self.values[_key(target)] = value
        if node.type != "identifier":
            self.eval(node, env)
            return
        root = self._text(node)
        if root == self.info.self_name and path and path[0] is not None and path[0].startswith("."):
            rest = path[1:]
            stored = value if not rest else AbsVal(taint=value.whole())
            self.self_writes[path[0]] = join(self.self_writes.get(path[0]), stored)
        base = env.get(root)
        if base is None:
            base = self.lookup(node, env)
        env[root] = self._set_path(base, path, value)
        self.assigned[root] = join(self.assigned.get(root), env[root])

    def _set_path(self, base: AbsVal, path: list[str | None], value: AbsVal) -> AbsVal:
        if not path:
            return value
        head, rest = path[0], path[1:]
        if head is None:
            # Unknown key: it may be any existing key too (weak update of every part).
            extra = value.whole()
            fields = {k: v.add_taint(extra) for k, v in base.fields.items()} if base.fields else None
            return replace(base.add_taint(extra), fields=fields)
        return base.with_field(head, self._set_path(base.get(head), rest, value))

    # -- expressions ------------------------------------------------------------------------
    def eval(self, node: ts.Node | None, env: Env) -> AbsVal:
        if node is None:
            return CLEAN
        counter = self._nesting
        if counter.depth >= counter.limit:
            taint = flat.walk(self, node, env)  # records the values itself
            return AbsVal(taint=taint) if taint else CLEAN
        counter.depth += 1
        try:
            value = self._eval(node, env)
        finally:
            counter.depth -= 1
        key = _key(node)
        old = self.values.get(key)
        self.values[key] = value if old is None else join(old, value)
        return value

    def _eval(self, node: ts.Node, env: Env) -> AbsVal:  # noqa: C901 - a dispatcher
        kind = node.type
        if kind == "identifier":
            return self.lookup(node, env)
        if kind == "attribute":
            return self.eval_attribute(node, env)
        if kind == "call":
            return self.eval_call(node, env)
        if kind == "subscript":
            return self.eval_subscript(node, env)
        if kind in ("string", "concatenated_string"):
            parts = [self.eval(c, env) for c in self._interpolations(node)]
            if not parts:
                return AbsVal(const=LazyConst(node, _literal))
            return AbsVal(taint=union(*(p.whole() for p in parts)))
        if kind in ("integer", "float", "true", "false", "none"):
            return AbsVal(const=LazyConst(node, _literal))
        if kind == "binary_operator":
            left = self.eval(node.child_by_field_name("left"), env)
            right = self.eval(node.child_by_field_name("right"), env)
            if left.is_clean and right.is_clean:
                if left.const is NOCONST or right.const is NOCONST:
                    return CLEAN
                # Computed from the operands' values only if a condition or key needs it.
                op = self._text(node.child_by_field_name("operator"))
                lc, rc = left.const, right.const
                return AbsVal(const=LazyConst(node, lambda _n: consteval.binary(op, resolve_const(lc),
                                                                                 resolve_const(rc))))
            return AbsVal(taint=union(left.whole(), right.whole()))
        if kind == "boolean_operator":
            left_node = node.child_by_field_name("left")
            left = self.eval(left_node, env)
            op = self._text(node.child_by_field_name("operator"))
            env_true, env_false = self.refine(left_node, env)
            right = self.eval(node.child_by_field_name("right"), env_true if op == "and" else env_false)
            verdict = consteval.truth(left_node, self.const_lookup(env))
            if verdict is not None:
                if op == "and":
                    return left if not verdict else right
                return left if verdict else right
            return join(left, right)
        if kind in ("comparison_operator", "not_operator"):
            # Booleans carry no payload; conditions are decided by ``consteval.truth``.
            for child in _children(node):
                self.eval(child, env)
            return CLEAN
        if kind == "unary_operator":
            inner = self.eval(node.child_by_field_name("argument"), env)
            if inner.is_clean and inner.const is not NOCONST:
                return AbsVal(const=LazyConst(node, _literal))
            return AbsVal(taint=inner.whole())
        if kind == "conditional_expression":
            parts = _children(node)
            if len(parts) != 3:
                return CLEAN
            self.eval(parts[1], env)
            verdict = consteval.truth(parts[1], self.const_lookup(env))
            env_true, env_false = self.refine(parts[1], env)
            if verdict is True:
                return self.eval(parts[0], env_true)
            if verdict is False:
                return self.eval(parts[2], env_false)
            return join(self.eval(parts[0], env_true), self.eval(parts[2], env_false))
        if kind in ("list", "tuple", "expression_list"):
            fields: dict[str, AbsVal] = {}
            extra: Taint = EMPTY
            for index, child in enumerate(_children(node)):
                value = self.eval(child, env)
                if child.type == "list_splat":
                    extra = union(extra, value.whole())
                else:
                    fields[f"[{index!r}]"] = value.capped()
            const = consteval.evaluate(node, self.const_lookup(env)) if not extra else NOCONST
            return AbsVal(taint=extra, fields=fields or None, const=const)
        if kind == "set":
            parts = [self.eval(c, env) for c in _children(node)]
            return AbsVal(taint=union(*(p.whole() for p in parts)),
                          const=consteval.evaluate(node, self.const_lookup(env)))
        if kind == "dictionary":
            return self.eval_dict(node, env)
        if kind in ("list_comprehension", "set_comprehension", "generator_expression",
                    "dictionary_comprehension"):
            return self.eval_comprehension(node, env)
        if kind == "lambda":
            return AbsVal(func=node)
        if kind in ("await", "parenthesized_expression", "list_splat", "dictionary_splat",
                    "keyword_argument", "pair"):
            children = _children(node)
            if kind == "keyword_argument":
                return self.eval(node.child_by_field_name("value"), env)
            if kind == "pair":
                return AbsVal(taint=union(*(self.eval(c, env).whole() for c in children)))
            return self.eval(children[-1], env) if children else CLEAN
        if kind == "named_expression":
            value = self.eval(node.child_by_field_name("value"), env)
            name = node.child_by_field_name("name")
            if name is not None:
                self.assign(name, value, env, node)
            return value
        if kind in ("interpolation", "format_expression"):
            children = [c for c in _children(node) if c.type not in ("format_specifier", "type_conversion")]
            return self.eval(children[0], env) if children else CLEAN
        if kind in ("slice", "ellipsis"):
            for child in _children(node):
                self.eval(child, env)
            return CLEAN
        # Anything else: the union of its parts (conservative).
        parts = [self.eval(c, env) for c in _children(node)]
        return AbsVal(taint=union(*(p.whole() for p in parts))) if parts else CLEAN

    def _interpolations(self, node: ts.Node) -> Iterator[ts.Node]:
        if node.type == "concatenated_string":
            for child in _children(node):
                yield from self._interpolations(child)
            return
        for child in node.children:
            if child.type == "interpolation":
                yield child

    def eval_dict(self, node: ts.Node, env: Env) -> AbsVal:
        fields: dict[str, AbsVal] = {}
        extra: Taint = EMPTY
        for child in _children(node):
            if child.type == "pair":
                key_node = child.child_by_field_name("key")
                key_val = self.eval(key_node, env)
                value = self.eval(child.child_by_field_name("value"), env)
                key = consteval.evaluate(key_node, self.const_lookup(env))
                if key is NOCONST:
                    extra = union(extra, key_val.whole(), value.whole())
                else:
                    fields[f"[{key!r}]"] = value.capped()
            else:
                extra = union(extra, self.eval(child, env).whole())
        return AbsVal(taint=extra, fields=fields or None)

    def eval_comprehension(self, node: ts.Node, env: Env) -> AbsVal:
        local: Env = dict(env)
        for child in _children(node):
            if child.type == "for_in_clause":
                iterable = self.eval(child.child_by_field_name("right"), local)
                left = child.child_by_field_name("left")
                if left is not None:
                    self.assign(left, self.element(iterable), local, child)
            elif child.type == "if_clause":
                conditions = _children(child)
                if conditions:
                    self.eval(conditions[0], local)
                    local = self.refine(conditions[0], local)[0]
        body = node.child_by_field_name("body")
        value = self.eval(body, local)
        return AbsVal(taint=value.whole())

    def element(self, iterable: AbsVal) -> AbsVal:
        if iterable.fields and not iterable.taint:
            value: AbsVal | None = None
            for part in iterable.fields.values():
                value = join(value, part)
            return value or CLEAN
        whole = iterable.whole()
        return AbsVal(taint=whole) if whole else CLEAN

    def eval_subscript(self, node: ts.Node, env: Env) -> AbsVal:
        base = self.eval(node.child_by_field_name("value"), env)
        key_node = node.child_by_field_name("subscript")
        self.eval(key_node, env)
        if key_node is not None and key_node.type == "slice":
            return AbsVal(taint=base.whole())
        key = consteval.evaluate(key_node, self.const_lookup(env))
        if key is NOCONST:
            if base.sym is not None:
                return base.get("[?]")
            return AbsVal(taint=base.whole()) if not base.is_clean else CLEAN
        value = base.get(f"[{key!r}]")
        container = resolve_const(base.const)
        if value.is_clean and container is not NOCONST:
            try:
                return AbsVal(const=container[key])
            except Exception:
                return value
        return value

    def eval_attribute(self, node: ts.Node, env: Env) -> AbsVal:
        source = self.source_of(node, env)
        if source is not None:
            return source
        obj = self.eval(node.child_by_field_name("object"), env)
        attr = self._text(node.child_by_field_name("attribute"))
        value = obj.get("." + attr)
        if obj.cls is not None and value.is_clean and not (obj.fields and "." + attr in obj.fields):
            field_value = self.file.class_field(obj.cls, "." + attr)
            if field_value is not None:
                value = field_value
        return value

    def lookup(self, node: ts.Node, env: Env) -> AbsVal:
        name = self._text(node)
        if name in env:
            return env[name]
        info = self.file.resolve_local_callable(name, node.start_byte, self.info)
        if info is not None:
            return info
        enclosing = self.file.enclosing_value(self.info, name)
        if enclosing is not None:
            return enclosing
        source = self.source_of(node, env)
        if source is not None:
            return source
        constant = self.file.names.constants.get(name)
        if constant is not None:
            return AbsVal(const=consteval.evaluate(constant, self.const_lookup({})))
        return CLEAN

    # -- sources ----------------------------------------------------------------------------
    def qualify(self, node: ts.Node | None, env: Env) -> str | None:
        """Import-resolved dotted name, unless its root is a local variable."""
        if node is None:
            return None
        root = node
        length = 0
        while root.type == "attribute":
            root = root.child_by_field_name("object")  # type: ignore[assignment]
            length += 1
            if root is None or length > _MAX_CHAIN:
                return None
        if root.type != "identifier" or self._text(root) in env:
            return None
        return self.file.names.qualify(node)

    def _callee_text(self, node: ts.Node | None) -> str | None:
        """Dotted text of an identifier/attribute chain, ignoring calls and subscripts in it:
        ``client.chat.completions.create`` or ``OpenAI().chat.completions.create``."""
        if node is None:
            return None
        parts: list[str] = []
        while True:
            if len(parts) > _MAX_CHAIN:
                return None
            if node.type == "identifier":
                parts.append(self._text(node))
                break
            if node.type == "attribute":
                parts.append(self._text(node.child_by_field_name("attribute")))
                node = node.child_by_field_name("object")  # type: ignore[assignment]
            elif node.type in ("call",):
                node = node.child_by_field_name("function")  # type: ignore[assignment]
            elif node.type == "subscript":
                node = node.child_by_field_name("value")  # type: ignore[assignment]
            else:
                parts.append("?")
                break
            if node is None:
                return None
        return ".".join(reversed(parts))

    def source_of(self, node: ts.Node, env: Env, call: bool = False) -> AbsVal | None:
        spec_all = self.file.spec
        qualified = self.qualify(node, env)
        # Quick rejection (most names are not sources): one combined pattern per kind.
        maybe = qualified is not None and (
            spec_all.any_name is not None and spec_all.any_name.match(qualified) is not None
            or call and spec_all.any_call is not None and spec_all.any_call.match(qualified) is not None
            or spec_all.environ)
        if not maybe:
            last = self._text(node.child_by_field_name("attribute") if node.type == "attribute" else node)
            tails = spec_all.call_tails | spec_all.attribute_tails if call else spec_all.attribute_tails
            if last not in tails and "*" not in tails:
                return None
        text = None
        for spec in spec_all.sources:
            hit = False
            if qualified is not None:
                if spec.names is not None and spec.names.match(qualified):
                    hit = True
                elif call and spec.calls is not None and spec.calls.match(qualified):
                    hit = True
            if not hit and (spec.call_text is not None and call or spec.attribute_text is not None):
                text = text if text is not None else self._callee_text(node)
                if text:
                    if call and spec.call_text is not None and spec.call_text.match(text):
                        hit = True
                    elif spec.attribute_text is not None and spec.attribute_text.match(text):
                        hit = True
            if hit:
                return self.source_value(spec.label, node, spec.description)
        if self.file.spec.environ and qualified is not None and (
                qualified == "os.environ" or qualified.startswith("os.environ.")
                or call and qualified in ("os.getenv", "os.environ.get")):
            return self.source_value("env", node, "environment variable")
        return None

    def source_value(self, label: str, node: ts.Node, description: str) -> AbsVal:
        text = " ".join(self._text(node).split())
        text = text if len(text) <= 50 else text[:47] + "..."
        what = f" ({description})" if description else ""
        step = Step(node.start_byte, node.end_byte, f"source: `{text}`{what}")
        return AbsVal(taint=(Fact(label, trace=(step,)),))

    # -- calls ------------------------------------------------------------------------------
    def eval_call(self, node: ts.Node, env: Env) -> AbsVal:  # noqa: C901
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        positional: list[AbsVal] = []
        keywords: dict[str, AbsVal] = {}
        splat: Taint = EMPTY
        positional_nodes: list[ts.Node] = []
        if args_node is not None:
            if args_node.type == "generator_expression":
                positional.append(self.eval(args_node, env))
                positional_nodes.append(args_node)
            else:
                for child in _children(args_node):
                    if child.type == "keyword_argument":
                        name = self._text(child.child_by_field_name("name"))
                        keywords[name] = self.eval(child, env)
                    elif child.type in ("list_splat", "dictionary_splat"):
                        splat = union(splat, self.eval(child, env).whole())
                    else:
                        positional.append(self.eval(child, env))
                        positional_nodes.append(child)
        args_taint = union(splat, *(v.whole() for v in positional), *(v.whole() for v in keywords.values()))
        qualified = self.qualify(fn, env)
        text = self._callee_text(fn) if fn is not None else None
        method = self._text(fn.child_by_field_name("attribute")) if fn is not None and fn.type == "attribute" else None
        receiver = fn.child_by_field_name("object") if method is not None and fn is not None else None

        sanitized = self._sanitizer(qualified, text, method, positional_nodes, env)
        if sanitized is not None:
            if ALL in sanitized:
                if receiver is not None:
                    self.eval(receiver, env)
                return AbsVal(const=consteval.evaluate(node, self.const_lookup(env)))
            base = args_taint
            if receiver is not None:
                base = union(base, self.eval(receiver, env).whole())
            return AbsVal(taint=base).sanitize(sanitized)
        if fn is not None:
            source = self.source_of(fn, env, call=True)
            if source is not None:
                if receiver is not None:
                    self.eval(receiver, env)
                return source
        # Functions, lambdas, classes and methods defined in this file come first: their
        # summaries are more precise than any name-based rule.
        if fn is not None and fn.type == "identifier":
            callee = self.lookup(fn, env)
            if isinstance(callee.func, tuple):  # ("class", name): a class of this file
                return self.construct(callee.func[1], positional, keywords, node, env)
            if callee.func is not None:
                return self.apply(callee.func, positional, keywords, node, env, None)
        obj = self.eval(receiver, env) if receiver is not None else CLEAN
        if receiver is not None and method is not None and obj.cls is not None:
            target = self.file.method(obj.cls, method)
            if target is not None:
                return self.apply(target.key, positional, keywords, node, env, obj)
        if qualified is not None and "." in qualified:
            external = self.file.external_function(qualified)
            if external is not None:
                return self.apply_external(external[0], external[1], positional, keywords, node)
        if self._clean_call(qualified, text, method):
            return CLEAN
        if receiver is not None and method is not None:
            if method in self.spec.mutators and receiver.type in ("identifier", "attribute", "subscript"):
                if args_taint:
                    self._add_to_path(receiver, args_taint, env)
                return CLEAN
            if method in ("get", "pop", "setdefault") and positional_nodes:
                key = consteval.evaluate(positional_nodes[0], self.const_lookup(env))
                if key is not NOCONST and (obj.fields or obj.sym is not None):
                    value = obj.get(f"[{key!r}]")
                    default = positional[1].whole() if len(positional) > 1 else EMPTY
                    return value.add_taint(default)
            if method == "get" and "type" in keywords and positional_nodes:
                kind = keywords["type"]
                if kind.func is None and self._is_clean_type(args_node, "type"):
                    return CLEAN
            if obj.is_clean and args_taint == EMPTY:
                return CLEAN
            result = AbsVal(taint=union(obj.whole(), args_taint))
            if method in _RESOLVERS:
                result = replace(result, tags=result.tags | {"resolved"})
            return result
        if qualified is not None:
            tags: frozenset[str] = frozenset()
            if qualified in _URL_PARSERS and positional_nodes and positional_nodes[0].type == "identifier":
                tags = frozenset({"url-of:" + self._text(positional_nodes[0])})
            elif qualified.rpartition(".")[2] in _RESOLVERS:
                tags = frozenset({"resolved"})
            return AbsVal(taint=args_taint, tags=tags) if args_taint or tags else CLEAN
        callee_value = self.eval(fn, env) if fn is not None else CLEAN
        if callee_value.func is not None:
            return self.apply(callee_value.func, positional, keywords, node, env, None)
        if args_taint or not callee_value.is_clean:
            return AbsVal(taint=union(args_taint, callee_value.whole()))
        return CLEAN

    def _is_clean_type(self, args_node: ts.Node | None, keyword: str) -> bool:
        if args_node is None:
            return False
        for child in _children(args_node):
            if child.type == "keyword_argument" and self._text(child.child_by_field_name("name")) == keyword:
                value = child.child_by_field_name("value")
                name = self.file.names.qualify(value) or self._text(value)
                return name in self.spec.clean_types
        return False

    def _add_to_path(self, target: ts.Node, extra: Taint, env: Env) -> None:
        current = self.eval(target, env)
        self._assign_path(target, current.add_taint(extra), env) if target.type != "identifier" else \
            self.assign(target, current.add_taint(extra), env, target)

    def _sanitizer(self, qualified: str | None, text: str | None, method: str | None,
                   args: list[ts.Node], env: Env) -> frozenset[str] | None:
        classes: set[str] = set()
        for spec in self.spec.sanitizers:
            if qualified is not None and spec.names is not None and spec.names.match(qualified):
                classes |= spec.classes
            elif text is not None and spec.text is not None and spec.text.match(text):
                classes |= spec.classes
            elif method is not None and method in spec.methods:
                # ``s.replace("\n", "")``: only when the replaced text is a line break.
                if method == "replace" and args:
                    old = consteval.evaluate(args[0], self.const_lookup(env))
                    if isinstance(old, str) and ("\n" in old or "\r" in old):
                        classes |= spec.classes
                elif method != "replace":
                    classes |= spec.classes
        return frozenset(classes) if classes else None

    def _clean_call(self, qualified: str | None, text: str | None, method: str | None) -> bool:
        pattern = self.spec.clean_calls
        if pattern is None:
            return False
        if qualified is not None and pattern.match(qualified):
            return True
        if method is not None and pattern.match("*." + method):
            return True
        return bool(text and qualified is None and "." not in text and pattern.match(text))

    def apply(self, func: Any, positional: list[AbsVal], keywords: dict[str, AbsVal], node: ts.Node,
              env: Env, receiver: AbsVal | None) -> AbsVal:
        """Value of a call to a function/lambda of this file, through its summary."""
        if isinstance(func, ts.Node):
            return self.apply_lambda(func, positional, env)
        info = self.file.functions.get(func)
        if info is None:
            return CLEAN
        args: dict[int, AbsVal] = {}
        offset = 0
        if info.class_name is not None and not info.is_static:
            if receiver is not None:
                args[0] = receiver
            offset = 1
        self._bind_arguments(info, args, offset, positional, keywords)
        step = Step(node.start_byte, node.end_byte, f"passed to `{info.name}()`")
        args = {i: v.with_step(step) for i, v in args.items()}
        self.calls.append(CallRecord(info.key, args, node))
        summary = self.file.summary(info)
        if summary is None:
            return AbsVal(taint=union(*(v.whole() for v in args.values())))
        return substitute(summary, args)

    @staticmethod
    def _bind_arguments(info: FunctionInfo, args: dict[int, AbsVal], offset: int,
                        positional: list[AbsVal], keywords: dict[str, AbsVal]) -> None:
        """Map call arguments to parameter indexes; extra ones go into ``*args``/``**kwargs``
        as precise parts (``kwargs["cmd"]``)."""
        star = info.splat_index("args")
        double = info.splat_index("kwargs")
        for index, value in enumerate(positional):
            target = index + offset
            if star is not None and target >= star:
                collected = args.get(star, AbsVal(fields={}))
                args[star] = collected.with_field(f"[{target - star!r}]", value)
            else:
                args[target] = value
        for name, value in keywords.items():
            index = info.param_index(name)
            if index is not None:
                args[index] = value
            elif double is not None:
                collected = args.get(double, AbsVal(fields={}))
                args[double] = collected.with_field(f"[{name!r}]", value)

    def apply_external(self, other: FileTaint, info: FunctionInfo, positional: list[AbsVal],
                       keywords: dict[str, AbsVal], node: ts.Node) -> AbsVal:
        """A call into a helper module of the same package, through that module's summary.

        Steps recorded in the other file have offsets in *that* file, so they are replaced by
        one step at the call site here."""
        summary = other.summary(info)
        if summary is None:
            return AbsVal(taint=union(*(v.whole() for v in positional), *(v.whole() for v in keywords.values())))
        args: dict[int, AbsVal] = {}
        self._bind_arguments(info, args, 0, positional, keywords)
        where = other.path.rpartition("/")[2] if other.path else "another module"
        here = Step(node.start_byte, node.end_byte, f"through `{info.name}()` in {where}")

        def local(fact: Fact) -> Fact:
            if fact.symbolic:
                return replace(fact, trace=(here,))
            return replace(fact, trace=(Step(node.start_byte, node.end_byte,
                                             f"source: `{info.name}()` in {where} returns {fact.label} data"),))

        return substitute(summary.map_facts(local), args)

    def construct(self, cls: str, positional: list[AbsVal], keywords: dict[str, AbsVal],
                  node: ts.Node, env: Env) -> AbsVal:
        init = self.file.method(cls, "__init__")
        instance = AbsVal(cls=cls)
        if init is None:
            return instance
        args: dict[int, AbsVal] = {0: instance}
        self._bind_arguments(init, args, 1, positional, keywords)
        step = Step(node.start_byte, node.end_byte, f"passed to `{cls}()`")
        args = {i: (v.with_step(step) if i else v) for i, v in args.items()}
        self.calls.append(CallRecord(init.key, args, node))
        writes = self.file.self_writes(init)
        fields = {k: substitute(v, args) for k, v in writes.items()}
        return AbsVal(cls=cls, fields=fields or None)

    def apply_lambda(self, func: ts.Node, positional: list[AbsVal], env: Env) -> AbsVal:
        if self._lambda_depth > 3:
            return AbsVal(taint=union(*(v.whole() for v in positional)))
        local = dict(env)
        params = func.child_by_field_name("parameters")
        names = [c for c in _children(params)] if params is not None else []
        for index, param in enumerate(names):
            target = param.child_by_field_name("name") if param.type != "identifier" else param
            if target is not None and target.type == "identifier":
                local[self._text(target)] = positional[index] if index < len(positional) else CLEAN
        self._lambda_depth += 1
        try:
            return self.eval(func.child_by_field_name("body"), local)
        finally:
            self._lambda_depth -= 1

    # -- conditions -------------------------------------------------------------------------
    def const_lookup(self, env: Env) -> consteval.Lookup:
        def lookup(name: str) -> Any:
            if name.startswith("<builtin "):
                return False if name[9:-1] in env else NOCONST
            value = env.get(name)
            if value is not None:
                return resolve_const(value.const)
            constant = self.file.names.constants.get(name)
            if constant is not None:
                return consteval.evaluate(constant, lambda _n: NOCONST)
            outer = self.file.enclosing_value(self.info, name)
            return resolve_const(outer.const) if outer is not None else NOCONST

        return lookup

    def refine(self, cond: ts.Node | None, env: Env) -> tuple[Env, Env]:
        """Environments for the true and the false outcome of ``cond`` (allow-list checks,
        guards and validation predicates sanitise the tested variable on one side)."""
        if cond is None:
            return env, env
        counter = self._nesting
        if counter.depth >= counter.limit:
            return env, env  # too deep to read as a guard: nothing is proven safe
        counter.depth += 1
        try:
            return self._refine(cond, env)
        finally:
            counter.depth -= 1

    def _refine(self, cond: ts.Node, env: Env) -> tuple[Env, Env]:  # noqa: C901
        kind = cond.type
        if kind == "parenthesized_expression":
            inner = _children(cond)
            return self.refine(inner[0], env) if len(inner) == 1 else (env, env)
        if kind == "not_operator":
            env_true, env_false = self.refine(cond.child_by_field_name("argument"), env)
            return env_false, env_true
        if kind == "boolean_operator":
            op = self._text(cond.child_by_field_name("operator"))
            left_true, left_false = self.refine(cond.child_by_field_name("left"), env)
            if op == "and":
                right_true, right_false = self.refine(cond.child_by_field_name("right"), left_true)
                return right_true, join_env(left_false, right_false) or env
            right_true, right_false = self.refine(cond.child_by_field_name("right"), left_false)
            return join_env(left_true, right_true) or env, right_false
        if kind == "comparison_operator":
            return self._refine_comparison(cond, env)
        if kind == "call":
            classes, target = self._guard(cond, env)
            if target is not None and classes:
                return self._sanitized(env, target, classes), env
        return env, env

    def _refine_comparison(self, cond: ts.Node, env: Env) -> tuple[Env, Env]:
        operands = _children(cond)
        ops = [c.type for c in cond.children if not c.is_named]
        op = " ".join(ops)
        if len(operands) != 2:
            return env, env
        left, right = operands
        lookup = self.const_lookup(env)
        right_const = consteval.evaluate(right, lookup)
        left_const = consteval.evaluate(left, lookup)
        target, other = (left, right_const) if left_const is NOCONST else (right, left_const)
        if other is NOCONST or op not in ("in", "not in", "==", "!="):
            return env, env
        if op in ("in", "not in") and target is not left:
            return env, env
        if target.type == "call":  # x.lower() in ..., x.strip() == ...
            inner = target.child_by_field_name("function")
            call_args = target.child_by_field_name("arguments")
            if inner is not None and inner.type == "attribute" and call_args is not None and not _children(call_args):
                target = inner.child_by_field_name("object") or target
        classes: frozenset[str] = frozenset({ALL})
        if target.type == "attribute" and self._text(target.child_by_field_name("attribute")) in _HOST_PARTS:
            base = target.child_by_field_name("object")
            url_var = self._url_variable(base, env)
            if url_var is None:
                return env, env
            classes = frozenset({"ssrf", "redirect"})
            sanitized = self._sanitized(env, url_var, classes, by_name=True)
            if base is not None and base.type == "identifier":
                sanitized = self._sanitized(sanitized, base, classes)
            return (sanitized, env) if op in ("in", "==") else (env, sanitized)
        sanitized = self._sanitized(env, target, classes)
        return (sanitized, env) if op in ("in", "==") else (env, sanitized)

    def _url_variable(self, base: ts.Node | None, env: Env) -> ts.Node | str | None:
        if base is None:
            return None
        if base.type == "identifier":
            value = env.get(self._text(base))
            if value is not None:
                for tag in value.tags:
                    if tag.startswith("url-of:"):
                        return tag[7:]
            return None
        if base.type == "call":
            name = self.qualify(base.child_by_field_name("function"), env)
            args = base.child_by_field_name("arguments")
            if name in _URL_PARSERS and args is not None and _children(args):
                return _children(args)[0]
        return None

    def _guard(self, call: ts.Node, env: Env) -> tuple[frozenset[str], ts.Node | None]:
        fn = call.child_by_field_name("function")
        args_node = call.child_by_field_name("arguments")
        args = _children(args_node) if args_node is not None else []
        qualified = self.qualify(fn, env)
        text = self._callee_text(fn)
        for spec in self.spec.guards:
            if (qualified is not None and spec.names is not None and spec.names.match(qualified)) or (
                    text is not None and spec.text is not None and spec.text.match(text)):
                for arg in args:
                    if arg.type == "keyword_argument" and spec.keyword and \
                            self._text(arg.child_by_field_name("name")) == spec.keyword:
                        return spec.classes, arg.child_by_field_name("value")
                positional = [a for a in args if a.type != "keyword_argument"]
                if spec.argument < len(positional):
                    return spec.classes, positional[spec.argument]
        if fn is not None and fn.type == "attribute":
            method = self._text(fn.child_by_field_name("attribute"))
            obj = fn.child_by_field_name("object")
            if method in _CLEAN_TESTS and not args:
                return frozenset({ALL}), obj
            if method in ("is_relative_to", "startswith") and obj is not None:
                subject = obj
                if subject.type == "call":  # str(p).startswith(base)
                    inner_args = subject.child_by_field_name("arguments")
                    inner = _children(inner_args) if inner_args is not None else []
                    subject = inner[0] if len(inner) == 1 else subject
                if subject.type == "identifier" and "resolved" in env.get(self._text(subject), CLEAN).tags:
                    return frozenset({"path"}), subject
        if qualified == "isinstance" and len(args) == 2:
            kinds = self._text(args[1]).strip("()").replace(" ", "").split(",")
            if kinds and all(k in self.spec.clean_types for k in kinds):
                return frozenset({ALL}), args[0]
        if qualified in _FULLMATCH and len(args) >= 2:
            pattern = consteval.evaluate(args[0], self.const_lookup(env))
            if isinstance(pattern, str) and (qualified == "re.fullmatch" or pattern.endswith(("$", r"\Z"))):
                return frozenset({ALL}), args[1]
        return frozenset(), None

    def _sanitized(self, env: Env, target: ts.Node | str, classes: frozenset[str],
                   by_name: bool = False) -> Env:
        """A copy of ``env`` where ``target`` (a name, or a node naming a variable or a
        constant-key part of one) is sanitised for ``classes``."""
        if isinstance(target, str):
            name = target
            out = dict(env)
            current = out.get(name) or self.file.enclosing_value(self.info, name) or CLEAN
            out[name] = current.sanitize(classes)
            return out
        if target.type == "parenthesized_expression" and _children(target):
            return self._sanitized(env, _children(target)[0], classes)
        if target.type == "identifier":
            return self._sanitized(env, self._text(target), classes)
        if target.type in ("attribute", "subscript"):
            out = dict(env)
            current = self.eval(target, out)
            self._assign_path(target, current.sanitize(classes), out)
            return out
        return env


def _literal(node: ts.Node) -> object:
    """Value of a literal node (strings, numbers, booleans: no names to look up)."""
    return consteval.evaluate(node, lambda _name: NOCONST)


def substitute(value: AbsVal, args: dict[int, AbsVal]) -> AbsVal:
    """Replace symbolic parameter facts in a callee's value by what the caller passed."""

    def facts(taint: Taint) -> Taint:
        out: list[Taint] = []
        for fact in taint:
            if not fact.symbolic:
                out.append((fact,))
                continue
            passed = args.get(fact.param)
            if passed is None:
                continue
            actual = passed.read_path(fact.path).whole()
            out.append(tuple(
                replace(f, sanitized=f.sanitized | fact.sanitized, trace=f.trace + fact.trace)
                for f in actual))
        return union(*out)

    def convert(v: AbsVal) -> AbsVal:
        fields = {k: convert(x) for k, x in v.fields.items()} if v.fields else None
        return AbsVal(taint=facts(v.taint), fields=fields, const=v.const, cls=v.cls, tags=v.tags)

    return convert(value)
