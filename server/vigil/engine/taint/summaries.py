"""Whole-file taint state: the functions and classes of a file, their memoised per-function
analyses (which double as summaries), and resolution of symbolic parameter facts.

A sink inside ``def run(cmd): subprocess.run(cmd, shell=True)`` sees the symbolic fact
"parameter 0 of run". ``concrete`` resolves it by looking at the call sites of ``run`` in the
file (their recorded argument values), recursively through callers, and through ``self.x``
writes for methods, up to a small depth. Each function is analysed at most once per file
version, lazily, so N sinks in one function cost one analysis and an edit re-analyses only
what a query touches.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import tree_sitter as ts

from vigil.engine.languages import cached_query, parse
from vigil.engine.names import LOCAL, ModuleNames, collect_names
from vigil.engine.taint.depth import nesting
from vigil.engine.taint.flow import FunctionFlow
from vigil.engine.taint.model import (
    CLEAN,
    PARAM,
    AbsVal,
    Fact,
    Step,
    Taint,
    TaintSpec,
    node_text,
    split_path,
    union,
)
from vigil.engine.taint.scopes import FunctionSpans

#: How many caller levels a symbolic fact is followed through.
MAX_DEPTH = 6
#: Nesting units (``depth.py``) one function analysis costs: ``flow`` -> ``run`` ->
#: ``exec_block`` and the call chain that asked for it (``eval_call`` -> ``apply`` -> ``summary``).
_FLOW_UNITS = 2
MODULE_KEY = -1

_ROUTE_CONVERTER = re.compile(r"<(int|float|uuid):(\w+)>|\{(\w+):(int|float|uuid)\}")


@dataclass
class Param:
    name: str
    index: int
    annotation: str | None
    default: ts.Node | None
    node: ts.Node
    #: "" for a plain parameter, "args" for ``*args``, "kwargs" for ``**kwargs``
    kind: str = ""


@dataclass
class FunctionInfo:
    key: int
    node: ts.Node
    name: str
    body: ts.Node | None
    params: list[Param] = field(default_factory=list)
    class_name: str | None = None
    parent: FunctionInfo | None = None
    decorators: list[ts.Node] = field(default_factory=list)
    is_static: bool = False
    is_classmethod: bool = False

    @property
    def self_name(self) -> str | None:
        if self.class_name is None or self.is_static or self.is_classmethod or not self.params:
            return None
        return self.params[0].name

    @property
    def decorator_texts(self) -> list[tuple[str, ts.Node]]:
        """(callee text, decorator) pairs, computed once: every rule check may ask."""
        cached = self.__dict__.get("_decorator_texts")
        if cached is None:
            cached = self.__dict__["_decorator_texts"] = [(_decorator_text(d), d) for d in self.decorators]
        return cached

    def param_index(self, name: str) -> int | None:
        for param in self.params:
            if param.name == name and not param.kind:
                return param.index
        return None

    def splat_index(self, kind: str) -> int | None:
        """Index of the ``*args`` (kind "args") or ``**kwargs`` (kind "kwargs") parameter."""
        for param in self.params:
            if param.kind == kind:
                return param.index
        return None


@dataclass
class ClassInfo:
    name: str
    node: ts.Node
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)


_INDEX_QUERY = """
            (function_definition) @function
            (class_definition) @class
            (call function: (identifier) @callee)
            (call function: (attribute attribute: (identifier) @callee))
        """


def _index_query(language: ts.Language) -> ts.Query:
    return cached_query(language, _INDEX_QUERY)


def _children(node: ts.Node) -> list[ts.Node]:
    return [c for c in node.named_children if c.type != "comment"]


def _decorator_text(decorator: ts.Node) -> str:
    inner = _children(decorator)
    if not inner:
        return ""
    expr = inner[0]
    if expr.type == "call":
        expr = expr.child_by_field_name("function") or expr
    return node_text(expr)


class FileTaint:
    """Taint facts of one parsed file version (tree + source)."""

    def __init__(self, tree: ts.Tree, source: bytes, names: ModuleNames, spec: TaintSpec,
                 path: str | None = None, modules: ModuleSession | None = None) -> None:
        self.tree = tree
        self.source = source
        self.names = names
        self.spec = spec
        self.path = path
        self.functions: dict[int, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.top_level: dict[str, FunctionInfo] = {}
        self.callers: dict[str, set[int]] = {}
        self._flows: dict[int, FunctionFlow] = {}
        self._in_progress: set[int] = set()
        self._lock = threading.RLock()
        self._external: dict[str, tuple[FileTaint, FunctionInfo] | None] = {}
        #: Helper modules read for this analysis, shared with the helpers' own states (see
        #: ``ModuleSession``); created lazily for the file under analysis.
        self._modules = modules
        #: (enclosing function key, name) -> the first function of that name defined in it
        self._nested: dict[tuple[int, str], FunctionInfo] = {}
        self._incoming_memo: dict[tuple[int, int, str, int, frozenset[tuple[int, int, str]]], Taint] = {}
        #: whether a real source can occur in this file or its helpers (``presence.py``)
        self.may_have_sources: bool | None = None
        root = tree.root_node
        self.module = FunctionInfo(MODULE_KEY, root, "<module>", root)
        self.functions[MODULE_KEY] = self.module
        self._index(root)

    # -- indexing ---------------------------------------------------------------------------
    def _index(self, root: ts.Node) -> None:
        captures = ts.QueryCursor(_index_query(self.tree.language)).captures(root)
        for node in sorted(captures.get("class", []), key=lambda n: n.start_byte):
            name = node_text(node.child_by_field_name("name"))
            bases_node = node.child_by_field_name("superclasses")
            bases = [node_text(b) for b in _children(bases_node)] if bases_node is not None else []
            self.classes.setdefault(name, ClassInfo(name, node, bases=bases))
        definitions = sorted(captures.get("function", []), key=lambda n: n.start_byte)
        self._spans = FunctionSpans(definitions)
        for node in definitions:
            self._add_function(node)
        for callee in captures.get("callee", []):
            enclosing = self.enclosing_function(callee)
            self.callers.setdefault(node_text(callee), set()).add(enclosing.key)

    def _add_function(self, node: ts.Node) -> None:
        holder = node.parent
        decorators: list[ts.Node] = []
        if holder is not None and holder.type == "decorated_definition":
            decorators = [c for c in holder.named_children if c.type == "decorator"]
            holder = holder.parent
        class_name = None
        parent: FunctionInfo | None = None
        if holder is not None and holder.type == "block" and holder.parent is not None:
            owner = holder.parent
            if owner.type == "class_definition":
                class_name = node_text(owner.child_by_field_name("name"))
            elif owner.type == "function_definition":
                parent = self.functions.get(owner.start_byte)
        elif holder is not None and holder.type != "module":
            parent = self.enclosing_function(node)
        name = node_text(node.child_by_field_name("name"))
        decorator_names = {_decorator_text(d).rpartition(".")[2] for d in decorators}
        info = FunctionInfo(
            key=node.start_byte, node=node, name=name, body=node.child_by_field_name("body"),
            class_name=class_name, parent=parent, decorators=decorators,
            is_static="staticmethod" in decorator_names, is_classmethod="classmethod" in decorator_names)
        info.params = list(self._params(node))
        self.functions[info.key] = info
        if parent is not None and class_name is None:
            self._nested.setdefault((parent.key, name), info)
        if class_name is not None:
            cls = self.classes.get(class_name)
            if cls is not None:
                cls.methods.setdefault(name, info)
        elif parent is None and (holder is None or holder.type == "module"):
            self.top_level[name] = info

    def _params(self, node: ts.Node) -> Iterator[Param]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return
        index = 0
        for child in _children(params):
            name_node: ts.Node | None = None
            annotation = None
            default = None
            kind = child.type
            if kind == "identifier":
                name_node = child
            elif kind in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
                inner = [c for c in _children(child) if c.type == "identifier"]
                name_node = inner[0] if inner else None
                type_node = child.child_by_field_name("type")
                annotation = node_text(type_node) if type_node is not None else None
            elif kind in ("default_parameter", "typed_default_parameter"):
                name_node = child.child_by_field_name("name")
                default = child.child_by_field_name("value")
                type_node = child.child_by_field_name("type")
                annotation = node_text(type_node) if type_node is not None else None
            else:
                continue  # "*" / "/" separators
            if name_node is None:
                continue
            splat = {"list_splat_pattern": "args", "dictionary_splat_pattern": "kwargs"}.get(kind, "")
            yield Param(node_text(name_node), index, annotation, default, child, splat)
            index += 1

    def enclosing_function(self, node: ts.Node) -> FunctionInfo:
        """The innermost function around ``node`` (the module at top level); see ``scopes``."""
        if node.start_byte < node.end_byte:
            start = self._spans.innermost(node.start_byte, node.end_byte)
            if start is None:
                return self.module
            found = self.functions.get(start)
            if found is not None:
                return found
        # Zero-width nodes (MISSING tokens of broken code) sit on the boundary of a span: ask
        # the tree which side they belong to.
        current = node.parent
        while current is not None:
            if current.type == "function_definition":
                info = self.functions.get(current.start_byte)
                if info is not None:
                    return info
            current = current.parent
        return self.module

    def function_at(self, definition: ts.Node) -> FunctionInfo | None:
        return self.functions.get(definition.start_byte)

    # -- per-function analyses ----------------------------------------------------------------
    def flow(self, info: FunctionInfo) -> FunctionFlow | None:
        """The (memoised) analysis of ``info``; ``None`` while it is being computed (recursion)
        or when the analyses in progress are nested too deeply to start another one
        (``depth.py``: callers then use their conservative fallbacks, as for recursion)."""
        done = self._flows.get(info.key)
        if done is not None:  # finished analyses never change: no lock needed to read one
            return done
        with self._lock:
            done = self._flows.get(info.key)
            if done is not None:
                return done
            if info.key in self._in_progress:
                return None
            counter = nesting()
            outermost = counter.depth == 0
            if outermost:
                counter.start()
            elif counter.depth + _FLOW_UNITS > counter.limit:
                return None
            counter.depth += _FLOW_UNITS
            try:
                if info.key != MODULE_KEY and MODULE_KEY not in self._flows and MODULE_KEY not in self._in_progress:
                    self.flow(self.module)  # globals first: functions read module-level values
                self._in_progress.add(info.key)
                try:
                    result = self._run(info, outermost)
                finally:
                    self._in_progress.discard(info.key)
            finally:
                counter.depth -= _FLOW_UNITS
            self._flows[info.key] = result
            return result

    def _run(self, info: FunctionInfo, outermost: bool) -> FunctionFlow:
        """Analyse ``info``. The nesting limit keeps the interpreter's own recursion bounded,
        but values can still nest without nested syntax (``x = {"k": x}`` on 1,000 lines);
        should anything still exhaust the stack, the outermost analysis is redone with the
        flat walk, which cannot recurse (``flat.py``), instead of losing the whole file."""
        if not outermost:
            return FunctionFlow(self, info).run()
        try:
            return FunctionFlow(self, info).run()
        except RecursionError:
            return FunctionFlow(self, info, flat_only=True).run()

    def summary(self, info: FunctionInfo) -> AbsVal | None:
        flow = self.flow(info)
        if flow is None:
            return None
        return flow.returns if flow.returns is not None else CLEAN

    def self_writes(self, info: FunctionInfo) -> dict[str, AbsVal]:
        flow = self.flow(info)
        return flow.self_writes if flow is not None else {}

    def method(self, class_name: str, name: str, depth: int = 0) -> FunctionInfo | None:
        cls = self.classes.get(class_name)
        if cls is None or depth > 5:
            return None
        found = cls.methods.get(name)
        if found is not None:
            return found
        for base in cls.bases:
            found = self.method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def class_field(self, class_name: str, key: str) -> AbsVal | None:
        """Real-source facts any method of the class stores in ``self.<key>``."""
        cls = self.classes.get(class_name)
        if cls is None:
            return None
        taint: Taint = ()
        for info in cls.methods.values():
            written = self.self_writes(info).get(key)
            if written is not None:
                taint = union(taint, tuple(f for f in written.whole() if not f.symbolic))
        return AbsVal(taint=taint) if taint else None

    def resolve_local_callable(self, name: str, byte: int, current: FunctionInfo) -> AbsVal | None:
        """A function or class of this file that ``name`` refers to at ``byte``."""
        scope: FunctionInfo | None = current.parent
        while scope is not None:
            nested = self._nested.get((scope.key, name))
            if nested is not None:
                return AbsVal(func=nested.key)
            scope = scope.parent
        binding = self.names.binding_at(name, byte)
        if binding is not None and binding.kind != LOCAL:
            return None
        if name in self.top_level:
            return AbsVal(func=self.top_level[name].key)
        if name in self.classes:
            return AbsVal(func=("class", name))
        return None

    def enclosing_value(self, info: FunctionInfo, name: str) -> AbsVal | None:
        """A free variable: what enclosing functions, then the module, assign to ``name``."""
        scope = info.parent
        while scope is not None:
            flow = self._flows.get(scope.key) or (self.flow(scope) if scope.key not in self._in_progress else None)
            if flow is not None and name in flow.assigned:
                return flow.assigned[name]
            scope = scope.parent
        if info.key == MODULE_KEY:
            return None
        module = self._flows.get(MODULE_KEY)
        if module is None and MODULE_KEY in self._in_progress:
            return None  # being computed; see FunctionFlow.assigned of the module below
        module = module or self.flow(self.module)
        if module is not None and name in module.assigned:
            return module.assigned[name]
        return None

    # -- entry state --------------------------------------------------------------------------
    def entry_env(self, info: FunctionInfo) -> dict[str, AbsVal]:
        env: dict[str, AbsVal] = {}
        if info.key == MODULE_KEY:
            return env
        tainted = self._untrusted_params(info)
        for param in info.params:
            symbolic = Fact(PARAM, param=param.index)
            if param.index == 0 and info.class_name is not None and not info.is_static:
                if info.is_classmethod:
                    env[param.name] = AbsVal(func=("class", info.class_name))
                else:
                    env[param.name] = AbsVal(taint=(symbolic,), sym=(0, ""), cls=info.class_name)
                continue
            if self._clean_annotation(param):
                env[param.name] = CLEAN
                continue
            request = self._request_object(param)
            if request is not None:
                env[param.name] = request
                continue
            value = AbsVal(taint=(symbolic,), sym=(param.index, ""))
            label = tainted.get(param.index)
            if label is not None:
                step = Step(param.node.start_byte, param.node.end_byte,
                            f"source: parameter `{param.name}` of `{info.name}()` ({label[1]})")
                value = AbsVal(taint=(Fact(label[0], trace=(step,)), symbolic), sym=(param.index, ""))
            env[param.name] = value
        return env

    def _clean_annotation(self, param: Param) -> bool:
        if param.default is not None and param.default.type == "call":
            callee = node_text(param.default.child_by_field_name("function"))
            if callee.rpartition(".")[2] in ("Depends", "Security"):
                return True
        if param.annotation is None:
            return False
        text = param.annotation.replace(" ", "")
        for wrapper in ("Optional[", "Annotated["):
            if text.startswith(wrapper):
                text = text[len(wrapper):].split(",")[0].rstrip("]")
        text = text.split("|")[0]
        return text in self.spec.clean_types or text.rpartition(".")[2] in self.spec.clean_types

    def _request_object(self, param: Param) -> AbsVal | None:
        annotation = (param.annotation or "").replace(" ", "")
        for spec in self.spec.request_objects:
            typed = bool(annotation) and (
                annotation in spec.annotations or annotation.rpartition(".")[2] in spec.annotations)
            # A name alone marks a request only when no annotation says otherwise: pip's
            # ``req: InstallRequirement`` and a client's ``request: PreparedRequest`` are not
            # the web request a server received.
            if typed or (param.name in spec.names and not annotation):
                fields = {}
                for attr in spec.attributes:
                    step = Step(param.node.start_byte, param.node.end_byte,
                                f"source: `{param.name}.{attr}` (request data)")
                    fields["." + attr] = AbsVal(taint=(Fact(spec.label, trace=(step,)),))
                return AbsVal(taint=(Fact(PARAM, param=param.index),), fields=fields,
                              sym=(param.index, ""))
        return None

    def _untrusted_params(self, info: FunctionInfo) -> dict[int, tuple[str, str]]:
        """Parameter index -> (label, description) for route handlers, Lambda handlers, tools."""
        out: dict[int, tuple[str, str]] = {}
        decorators = info.decorator_texts
        names = [p.name for p in info.params]
        offset = 1 if info.class_name is not None and not info.is_static else 0
        for spec in self.spec.parameters:
            if spec.requires_import and spec.requires_import not in self.names.imported_modules:
                continue
            candidates: list[Param] = []
            clean_names: set[str] = set()
            if spec.decorators is not None:
                matched = [d for text, d in decorators if spec.decorators.match(text)]
                if not matched:
                    continue
                candidates = info.params[offset:]
                if spec.route_converters:
                    for decorator in matched:
                        for found in _ROUTE_CONVERTER.finditer(node_text(decorator)):
                            clean_names.add(found.group(2) or found.group(3))
            elif spec.signature:
                if tuple(names[offset:]) != spec.signature:
                    continue
                candidates = info.params[offset:]
            elif spec.first_param:
                rest = info.params[offset:]
                if not rest or rest[0].name != spec.first_param:
                    continue
                candidates = rest[1:]
            else:
                continue
            for param in candidates:
                if spec.only and param.name not in spec.only:
                    continue
                if param.name in clean_names:
                    continue
                out.setdefault(param.index, (spec.label, spec.description or spec.label))
        return out

    # -- queries from rules -------------------------------------------------------------------
    def value_at(self, node: ts.Node) -> tuple[AbsVal, FunctionInfo] | None:
        """The value an expression had where it was evaluated (None: never reached)."""
        info = self.enclosing_function(node)
        flow = self.flow(info)
        if flow is None:
            return None
        value = flow.values.get((node.start_byte, node.end_byte, node.type))
        return (value, info) if value is not None else None

    def concrete(self, taint: Taint, info: FunctionInfo, depth: int = 0,
                 seen: frozenset[tuple[int, int, str]] = frozenset()) -> Taint:
        """Real-source facts of ``taint``, resolving symbolic parameter facts through callers."""
        parts: list[Taint] = []
        for fact in taint:
            if not fact.symbolic:
                parts.append((fact,))
                continue
            marker = (info.key, fact.param, fact.path)
            if depth >= MAX_DEPTH or marker in seen:
                continue
            incoming = self._incoming(info, fact.param, fact.path, depth, seen | {marker})
            parts.append(tuple(
                replace(f, sanitized=f.sanitized | fact.sanitized, trace=f.trace + fact.trace)
                for f in incoming))
        return union(*parts)

    def _incoming(self, info: FunctionInfo, index: int, path: str, depth: int,
                  seen: frozenset[tuple[int, int, str]]) -> Taint:
        """What callers (and, for ``self.x``, the methods writing ``x``) pass as parameter
        ``index`` at ``path``. Memoised per file version on all its arguments: the search
        fans out over every method and caller up to ``MAX_DEPTH`` levels, and the same
        (function, parameter, depth, visited set) recurs on many paths (all the methods of a
        class reading each other's ``self`` fields: zipfile.py made 123,000 calls for 16
        sinks) and for every rule asking about the same function. The memo key holds every
        input, so the answer (facts, their order and traces) is exactly the recomputed one."""
        key = (info.key, index, path, depth, seen)
        found = self._incoming_memo.get(key)
        if found is None:
            found = self._incoming_memo[key] = self._compute_incoming(info, index, path, depth, seen)
        return found

    def _compute_incoming(self, info: FunctionInfo, index: int, path: str, depth: int,
                          seen: frozenset[tuple[int, int, str]]) -> Taint:
        parts: list[Taint] = []
        if info.class_name is not None and index == 0 and path and info.self_name is not None:
            keys = split_path(path)
            first, rest = keys[0], "".join(keys[1:])
            cls = self.classes.get(info.class_name)
            for method in (cls.methods.values() if cls is not None else ()):
                written = self.self_writes(method).get(first)
                if written is not None:
                    parts.append(self.concrete(written.read_path(rest).whole(), method, depth + 1, seen))
        names = {info.class_name} if info.name == "__init__" and info.class_name else {info.name}
        for name in names:
            for caller_key in sorted(self.callers.get(name, ())):
                caller = self.functions.get(caller_key)
                flow = self.flow(caller) if caller is not None else None
                if flow is None or caller is None:
                    continue
                for record in flow.calls_to(info.key):
                    passed = record.args.get(index)
                    if passed is not None:
                        parts.append(self.concrete(passed.read_path(path).whole(), caller, depth + 1, seen))
        return union(*parts)

    def affected_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """Byte spans whose taint findings may change after an edit of ``[start, end)``.

        For the language server's keystroke path: the edited function; functions calling it
        (its summary may have changed) and, transitively, their callers; functions it calls
        (it may pass them different data); the other methods of its class (``self`` fields).
        An edit of module-level code can change globals any function reads: the whole file.
        """
        root = self.tree.root_node
        node = root.descendant_for_byte_range(start, max(start, end - 1)) or root
        first = self.enclosing_function(node) if node.type != "function_definition" else \
            self.functions.get(node.start_byte, self.module)
        if first.key == MODULE_KEY:
            return [(root.start_byte, root.end_byte)]
        affected: dict[int, FunctionInfo] = {}
        pending = [first]
        while pending:
            info = pending.pop()
            if info.key in affected:
                continue
            affected[info.key] = info
            for caller_key in self.callers.get(info.class_name if info.name == "__init__" and info.class_name
                                               else info.name, ()):
                caller = self.functions.get(caller_key)
                if caller is not None and caller.key != MODULE_KEY:
                    pending.append(caller)
            if info.class_name is not None and info.class_name in self.classes:
                pending.extend(self.classes[info.class_name].methods.values())
        for info in list(affected.values()):
            flow = self._flows.get(info.key)
            for record in flow.calls if flow is not None else ():
                callee = self.functions.get(record.callee)
                if callee is not None:
                    affected.setdefault(callee.key, callee)
        return sorted((info.node.start_byte, info.node.end_byte) for info in affected.values())

    def external_function(self, qualified: str) -> tuple[FileTaint, FunctionInfo] | None:
        """A top-level function of a helper module next to this file (``from .helpers import f``,
        ``from helpers import f`` for a sibling ``helpers.py``), read from disk and analysed
        with the same spec. Only return-value summaries cross files."""
        if self.path is None:
            return None
        if qualified in self._external:
            return self._external[qualified]
        found = self._find_external(qualified)
        self._external[qualified] = found
        return found

    def _external_candidates(self, qualified: str) -> list[Path]:
        """The files a helper module named by ``qualified`` (``pkg.mod.func``) could be in."""
        assert self.path is not None
        return _helper_candidates(self.path, qualified)

    def _find_external(self, qualified: str) -> tuple[FileTaint, FunctionInfo] | None:
        name = qualified.rpartition(".")[2]
        candidates = self._external_candidates(qualified)
        if not candidates:
            return None
        if self._modules is None:
            self._modules = {}
        for candidate in candidates:
            other = _load_module(candidate, self.spec, self._modules)
            if other is not None:
                info = other.top_level.get(name)
                return (other, info) if info is not None else None
        return None

    def route_handler(self, info: FunctionInfo) -> bool:
        """Whether a function is registered as a web route (its return value is the response)."""
        return bool(self._untrusted_params(info)) or any(
            spec.decorators is not None and spec.route_converters and
            any(spec.decorators.match(text) for text, _ in info.decorator_texts)
            for spec in self.spec.parameters)


def _helper_candidates(where: str, qualified: str) -> list[Path]:
    """The files a helper module named by ``qualified`` (``pkg.mod.func``), called from the
    file at ``where``, could be in (sibling module, relative import, package ``__init__``)."""
    module, _, name = qualified.rpartition(".")
    if not module or not name:
        return []
    here = Path(where).parent
    dots = len(module) - len(module.lstrip("."))
    if dots:
        for _ in range(dots - 1):
            here = here.parent
    parts = [p for p in module.lstrip(".").split(".") if p]
    if not parts:
        return [here / "__init__.py"]
    target = here.joinpath(*parts)
    return [target.with_suffix(".py"), target / "__init__.py"]


_ModuleKey = tuple[str, int, int, int]
#: The helper modules one analysis has read (the analysed file's and, transitively, those its
#: helpers read), keyed like ``_MODULES``; ``None`` marks a path that is no module.
ModuleSession = dict[_ModuleKey | str, "FileTaint | None"]

#: Helper modules read from disk, keyed by (path, mtime, size, spec identity).
_MODULES: OrderedDict[_ModuleKey, FileTaint] = OrderedDict()
_MODULES_LOCK = threading.Lock()
_MAX_MODULE_BYTES = 1_000_000


def _load_module(path: Path, spec: TaintSpec, session: ModuleSession) -> FileTaint | None:
    """Parse a helper module (never imported or run) and keep its taint state for reuse.

    ``session`` is shared by every state loaded for one analysis: a file whose neighbours
    are many modules (the standard library's folder, where ``os.getcwd`` names ``os.py``)
    reaches the same helpers through many paths, and the small LRU below alone evicted and
    re-parsed them over and over (difflib.py: 229 parses of 17 files, ~7 s). Within one
    session each helper is parsed and analysed once, so import cycles also always resolve
    to the same state (its in-progress guard then stops the cycle)."""
    where = str(path)
    if where in session:
        return session[where]
    try:
        stat = path.stat()
    except OSError:
        session[where] = None
        return None
    if not path.is_file() or stat.st_size > _MAX_MODULE_BYTES:
        session[where] = None
        return None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, id(spec))
    state = session.get(key)
    if state is None:
        state = _read_module(path, key, spec, session)
    session[where] = session[key] = state
    return state


def _read_module(path: Path, key: _ModuleKey, spec: TaintSpec, session: ModuleSession) -> FileTaint | None:
    with _MODULES_LOCK:
        found = _MODULES.get(key)
        if found is not None:
            _MODULES.move_to_end(key)
            return found
    try:
        source = path.read_bytes()
    except OSError:
        return None
    tree = parse(source)
    state = FileTaint(tree, source, collect_names(tree), spec, str(path), modules=session)
    with _MODULES_LOCK:
        _MODULES[key] = state
        while len(_MODULES) > 8:
            _MODULES.popitem(last=False)
    return state
