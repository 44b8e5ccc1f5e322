"""The values the taint engine computes, and the source/sanitizer specification it reads.

A *fact* says "this value may carry data from a source of kind ``label``"; it remembers which
vulnerability classes a sanitizer has already neutralised it for (``int()`` kills every class,
``shlex.quote`` only ``command``) and the steps the data took, so a finding can show the path.
Symbolic facts (``label == PARAM``) stand for "whatever the caller passed as parameter *i*";
they make a function's analysis reusable as a summary for every call site in the file.

An ``AbsVal`` is what a variable holds: the facts of the value as a whole plus, for containers
and objects, precise per-key / per-attribute parts (``d["a"]`` tainted, ``d["b"]`` clean).
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import tree_sitter as ts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: The label of symbolic "parameter of the analysed function" facts.
PARAM = "<param>"
#: A sanitizer class meaning "every class" (type conversions such as ``int()``).
ALL = "*"
#: Traces longer than this keep their first and last steps only.
MAX_TRACE = 14
#: Facts per value beyond which extra ones are dropped (keeps pathological files bounded).
MAX_FACTS = 12
#: Containers nested deeper than this keep their inner parts as one opaque value (their taint
#: joined). Reading a value recurses through its parts, and ``x = {"k": x}`` repeated 600
#: times made every statement walk (and copy) all 600 levels: quadratic, then a RecursionError.
MAX_HEIGHT = 16


@dataclass(frozen=True)
class Step:
    """One location on a taint path, in UTF-8 byte offsets."""

    start: int
    end: int
    message: str


@dataclass(frozen=True)
class Fact:
    label: str
    sanitized: frozenset[str] = frozenset()
    trace: tuple[Step, ...] = ()
    #: For symbolic facts: parameter index and the access path read from it (``.x["k"]``).
    param: int = -1
    path: str = ""

    @property
    def key(self) -> tuple[str, frozenset[str], int, str]:
        """Identity for de-duplication: two facts that differ only in their trace are one."""
        return (self.label, self.sanitized, self.param, self.path)

    @property
    def symbolic(self) -> bool:
        return self.label == PARAM

    def with_step(self, step: Step) -> Fact:
        if self.trace and self.trace[-1] == step:
            return self
        trace = self.trace + (step,)
        if len(trace) > MAX_TRACE:
            trace = trace[:2] + trace[-(MAX_TRACE - 2):]
        # Direct construction: dataclasses.replace() was a visible cost in the hot path.
        return Fact(self.label, self.sanitized, trace, self.param, self.path)

    def sanitize(self, classes: frozenset[str]) -> Fact:  # noqa: D102
        return Fact(self.label, self.sanitized | classes, self.trace, self.param, self.path)

    def reaches(self, vuln_class: str, labels: frozenset[str]) -> bool:
        return self.label in labels and vuln_class not in self.sanitized and ALL not in self.sanitized


Taint = tuple[Fact, ...]
EMPTY: Taint = ()


def union(*parts: Taint) -> Taint:
    """Merge fact tuples, keeping the first trace seen for each fact identity."""
    non_empty = [p for p in parts if p]
    if not non_empty:
        return EMPTY
    if len(non_empty) == 1:
        return non_empty[0]
    seen: dict[tuple[str, frozenset[str], int, str], Fact] = {}
    for part in non_empty:
        for fact in part:
            if fact.key not in seen and len(seen) < MAX_FACTS:
                seen[fact.key] = fact
    return tuple(seen.values())


class _NoConst:
    """Marker for "not a known constant" (``None`` is a legitimate constant value)."""

    _instance: _NoConst | None = None

    def __new__(cls) -> _NoConst:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOCONST"


NOCONST: Any = _NoConst()


class LazyConst:
    """The value of a literal, computed only when a condition or key lookup needs it.

    Most literals in a function are never looked at as constants; evaluating each eagerly
    was a measurable share of the analysis time."""

    __slots__ = ("node", "evaluator", "_value")

    def __init__(self, node: ts.Node, evaluator: Any) -> None:
        self.node = node
        self.evaluator = evaluator
        self._value: Any = None

    def value(self) -> Any:
        if self._value is None:
            computed = self.evaluator(self.node)
            self._value = (computed,)
        return self._value[0]


def resolve_const(const: Any) -> Any:
    return const.value() if isinstance(const, LazyConst) else const


@dataclass(frozen=True)
class AbsVal:
    """The abstract value of an expression or variable."""

    taint: Taint = EMPTY
    #: Precise parts: ``.attr`` for attributes, ``[repr(key)]`` for constant keys/indexes.
    fields: Mapping[str, AbsVal] | None = None
    const: Any = NOCONST
    #: A callable defined in the file: a FunctionInfo key, or a lambda node.
    func: Any = None
    #: Instance of a class defined in the file (its name).
    cls: str | None = None
    #: Symbolic origin (parameter index, path) so reads of unknown parts stay symbolic.
    sym: tuple[int, str] | None = None
    #: Facts about how the value was produced, e.g. ``resolved`` (an absolute, normalised path)
    #: or ``url-of:<var>`` (``urlparse(var)``), used by guard conditions.
    tags: frozenset[str] = frozenset()

    def height(self) -> int:
        """How deeply parts nest (0: no parts); cached, and bounded by ``MAX_HEIGHT``."""
        cached = self.__dict__.get("_height")
        if cached is None:
            cached = 1 + max(v.height() for v in self.fields.values()) if self.fields else 0
            object.__setattr__(self, "_height", cached)
        return cached

    def capped(self) -> AbsVal:
        """This value, or (when it would nest too deeply as a part) its taint as one whole."""
        if not self.fields or self.height() < MAX_HEIGHT:
            return self
        return AbsVal(self.whole(), None, NOCONST, self.func, self.cls, self.sym, self.tags)

    def whole(self) -> Taint:
        """Every fact anywhere in the value (reading it as one opaque thing)."""
        if not self.fields:
            return self.taint
        return union(self.taint, *(v.whole() for v in self.fields.values()))

    @property
    def is_clean(self) -> bool:
        return not self.whole()

    def get(self, key: str) -> AbsVal:
        """Read one part. Unknown parts carry the container's own (imprecise) facts."""
        if self.fields and key in self.fields:
            return self.fields[key]
        if self.sym is not None:
            index, path = self.sym
            fact = Fact(PARAM, param=index, path=path + key)
            base = tuple(f for f in self.taint if not (f.symbolic and f.param == index and f.path == path))
            return AbsVal(taint=union(base, (fact,)), sym=(index, path + key))
        return AbsVal(taint=self.taint) if self.taint else CLEAN

    def read_path(self, path: str) -> AbsVal:
        value = self
        for key in split_path(path):
            value = value.get(key)
        return value

    def with_field(self, key: str, value: AbsVal) -> AbsVal:
        fields = dict(self.fields or {})
        fields[key] = value.capped()
        return AbsVal(self.taint, fields, NOCONST, self.func, self.cls, self.sym, self.tags)

    def add_taint(self, extra: Taint) -> AbsVal:
        if not extra:
            return self
        return AbsVal(union(self.taint, extra), self.fields, NOCONST, self.func, self.cls, self.sym, self.tags)

    def map_facts(self, fn: Any) -> AbsVal:
        """Apply ``fn(fact) -> fact | None`` to every fact, in the value and all its parts."""
        taint = tuple(f2 for f in self.taint if (f2 := fn(f)) is not None)
        fields = {k: v.map_facts(fn) for k, v in self.fields.items()} if self.fields else None
        return AbsVal(taint, fields, self.const, self.func, self.cls, self.sym, self.tags)

    def with_step(self, step: Step) -> AbsVal:
        if self.is_clean:
            return self
        return self.map_facts(lambda f: f.with_step(step))

    def sanitize(self, classes: frozenset[str]) -> AbsVal:
        if ALL in classes:
            return CLEAN
        if self.is_clean:
            return self
        return self.map_facts(lambda f: f.sanitize(classes))

    def signature(self) -> Any:
        """Trace-free identity, for fixpoint tests."""
        fields = tuple(sorted((k, v.signature()) for k, v in self.fields.items())) if self.fields else ()
        return (frozenset(f.key for f in self.taint), fields, self.cls, self.func is not None)


CLEAN = AbsVal()


_PATH_PART = re.compile(r"\.[A-Za-z_][A-Za-z_0-9]*|\[[^\]]*\]")


@lru_cache(maxsize=4096)
def _split_path(path: str) -> tuple[str, ...]:
    return tuple(_PATH_PART.findall(path))


def split_path(path: str) -> list[str]:
    """``.a["k"].b`` -> ``[".a", '["k"]', ".b"]`` (memoised: resolving symbolic facts splits
    the same few paths over and over)."""
    return list(_split_path(path)) if path else []


def join(a: AbsVal | None, b: AbsVal | None) -> AbsVal:
    """Least upper bound of two values (either may be missing: unbound on that path)."""
    if a is None:
        return b if b is not None else CLEAN
    if b is None or a is b:
        return a
    fields: dict[str, AbsVal] | None = None
    if a.fields or b.fields:
        fields = {}
        for key in set(a.fields or ()) | set(b.fields or ()):
            fields[key] = join(a.get(key), b.get(key))
    left, right = resolve_const(a.const), resolve_const(b.const)
    const = left if (left is not NOCONST and right is not NOCONST and left == right
                     and type(left) is type(right)) else NOCONST
    return AbsVal(
        taint=union(a.taint, b.taint),
        fields=fields,
        const=const,
        func=a.func if a.func is not None else b.func,
        cls=a.cls if a.cls == b.cls else (a.cls or b.cls),
        sym=a.sym if a.sym == b.sym else None,
        tags=a.tags & b.tags,
    )


# -- specification ----------------------------------------------------------------------------


def _globs(patterns: Iterable[str], prefix: bool) -> re.Pattern[str] | None:
    """One regex for a list of globs; with ``prefix`` a pattern also matches dotted extensions
    (``flask.request.args`` matches ``flask.request.args.get``)."""
    parts = [fnmatch.translate(p).removesuffix(r"\Z").removeprefix("(?s:").removesuffix(")")
             for p in patterns]
    if not parts:
        return None
    tail = r"(?:\..*)?" if prefix else ""
    return re.compile(rf"(?s:(?:{'|'.join(parts)}){tail})\Z")


def _tails(globs: Iterable[str]) -> frozenset[str]:
    tails: set[str] = set()
    for glob in globs:
        tail = glob.rpartition(".")[2]
        tails.add("*" if any(ch in tail for ch in "*?[") else tail)
    return frozenset(tails)


def _union_patterns(patterns: Iterable[re.Pattern[str] | None]) -> re.Pattern[str] | None:
    parts = [p.pattern for p in patterns if p is not None]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


@dataclass(frozen=True)
class SourceSpec:
    label: str
    description: str = ""
    names: re.Pattern[str] | None = None       # qualified names (prefix match)
    calls: re.Pattern[str] | None = None       # qualified callees whose result is tainted
    call_text: re.Pattern[str] | None = None   # callee source text (methods on local objects)
    attribute_text: re.Pattern[str] | None = None
    attribute_globs: tuple[str, ...] = ()
    call_globs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParameterSpec:
    """Which parameters of which functions are untrusted."""

    label: str
    description: str = ""
    decorators: re.Pattern[str] | None = None  # decorator callee text
    signature: tuple[str, ...] = ()            # exact parameter names, e.g. (event, context)
    only: tuple[str, ...] = ()                 # which of them is tainted (default: all)
    first_param: str | None = None             # Django views: first parameter named this
    requires_import: str | None = None         # top-level module the file must import
    route_converters: bool = False             # honour <int:x> / {x:int} path converters


@dataclass(frozen=True)
class RequestObjectSpec:
    label: str
    names: frozenset[str] = frozenset()
    annotations: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SanitizerSpec:
    classes: frozenset[str]
    names: re.Pattern[str] | None = None       # qualified callee names
    text: re.Pattern[str] | None = None        # callee text (local helpers: *escape_xpath*)
    methods: frozenset[str] = frozenset()      # string methods, e.g. "replace" with newline arg


@dataclass(frozen=True)
class GuardSpec:
    """A call that, used as an ``if`` condition, proves its argument safe in the true branch."""

    classes: frozenset[str]
    names: re.Pattern[str] | None = None
    text: re.Pattern[str] | None = None
    argument: int = 0
    keyword: str | None = None


@dataclass(frozen=True)
class SinkClassSpec:
    """The vulnerability class of calls to ``names`` (for ``@sink.auto`` captures)."""

    vuln_class: str
    names: re.Pattern[str] | None = None


@dataclass(frozen=True)
class TaintSpec:
    sources: tuple[SourceSpec, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    request_objects: tuple[RequestObjectSpec, ...] = ()
    sanitizers: tuple[SanitizerSpec, ...] = ()
    guards: tuple[GuardSpec, ...] = ()
    sink_classes: tuple[SinkClassSpec, ...] = ()
    #: Annotations that make a parameter clean (``item_id: int``).
    clean_types: frozenset[str] = frozenset()
    #: Callees whose result never carries taint (``len``, ``isinstance``...).
    clean_calls: re.Pattern[str] | None = None
    #: Calls that never return (``abort``, ``sys.exit``): the path ends there.
    no_return: re.Pattern[str] | None = None
    #: Callees that mutate their receiver with their arguments (``append``...).
    mutators: frozenset[str] = frozenset()
    #: Whether ``os.environ`` / ``os.getenv`` count as a source (label ``env``).
    environ: bool = False
    files: tuple[Path, ...] = field(default=(), compare=False)

    @cached_property
    def any_name(self) -> re.Pattern[str] | None:
        """All ``names`` of all sources as one pattern (a fast "certainly not a source")."""
        return _union_patterns(s.names for s in self.sources)

    @cached_property
    def any_call(self) -> re.Pattern[str] | None:
        return _union_patterns(s.calls for s in self.sources)

    @cached_property
    def call_tails(self) -> frozenset[str]:
        """Last segments of ``call_text`` globs (``*`` when a glob ends in a wildcard)."""
        return _tails(glob for source in self.sources for glob in source.call_globs)

    @cached_property
    def attribute_tails(self) -> frozenset[str]:
        """Last segments of ``attribute_text`` globs (``*`` when a glob ends in a wildcard)."""
        return _tails(glob for source in self.sources for glob in source.attribute_globs)

    def sink_class(self, qualified: str | None) -> str | None:
        if qualified is None:
            return None
        for entry in self.sink_classes:
            if entry.names is not None and entry.names.match(qualified):
                return entry.vuln_class
        return None


class SpecError(ValueError):
    """A taint specification file that cannot be used (names the file and the problem)."""


def _strs(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


_SECTION_KEYS = {
    "sources": {"label", "description", "names", "calls", "call_text", "attribute_text"},
    "parameters": {"label", "description", "decorators", "signature", "only", "first_param",
                   "requires_import", "route_converters"},
    "request_objects": {"label", "description", "names", "annotations", "attributes"},
    "sanitizers": {"classes", "description", "names", "text", "methods"},
    "guards": {"classes", "description", "names", "text", "argument", "keyword"},
    "sink_classes": {"class", "description", "names"},
}
_TOP_KEYS = set(_SECTION_KEYS) | {"clean_types", "clean_calls", "no_return", "mutators", "config"}


def load_spec(paths: Sequence[Path]) -> TaintSpec:
    """Merge spec files (bundled first, then user extensions) into one ``TaintSpec``.

    Extension files add entries; ``[config] environ = true`` turns on environment sources.
    """
    sources: list[SourceSpec] = []
    parameters: list[ParameterSpec] = []
    objects: list[RequestObjectSpec] = []
    sanitizers: list[SanitizerSpec] = []
    guards: list[GuardSpec] = []
    sink_classes: list[SinkClassSpec] = []
    clean_types: set[str] = set()
    clean_calls: list[str] = []
    no_return: list[str] = []
    mutators: set[str] = set()
    environ = False
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SpecError(f"{path}: cannot read taint spec: {exc}") from None
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise SpecError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        for section, keys in _SECTION_KEYS.items():
            entries = data.get(section, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise SpecError(f"{path}: '{section}' must be an array of tables ([[{section}]])")
            for entry in entries:
                bad = set(entry) - keys
                if bad:
                    raise SpecError(f"{path}: [[{section}]] has unknown key(s) {', '.join(sorted(bad))}")
        where = str(path)
        for e in data.get("sources", []):
            sources.append(SourceSpec(
                label=_label(e, where), description=e.get("description", ""),
                names=_globs(_strs(e, "names", where), prefix=True),
                calls=_globs(_strs(e, "calls", where), prefix=False),
                call_text=_globs(_strs(e, "call_text", where), prefix=False),
                attribute_text=_globs(_strs(e, "attribute_text", where), prefix=True),
                attribute_globs=_strs(e, "attribute_text", where),
                call_globs=_strs(e, "call_text", where)))
        for e in data.get("parameters", []):
            parameters.append(ParameterSpec(
                label=_label(e, where), description=e.get("description", ""),
                decorators=_globs(_strs(e, "decorators", where), prefix=False),
                signature=_strs(e, "signature", where), only=_strs(e, "only", where),
                first_param=e.get("first_param"), requires_import=e.get("requires_import"),
                route_converters=bool(e.get("route_converters", False))))
        for e in data.get("request_objects", []):
            objects.append(RequestObjectSpec(
                label=_label(e, where), names=frozenset(_strs(e, "names", where)),
                annotations=frozenset(_strs(e, "annotations", where)),
                attributes=frozenset(_strs(e, "attributes", where))))
        for e in data.get("sanitizers", []):
            sanitizers.append(SanitizerSpec(
                classes=frozenset(_strs(e, "classes", where)),
                names=_globs(_strs(e, "names", where), prefix=False),
                text=_globs(_strs(e, "text", where), prefix=False),
                methods=frozenset(_strs(e, "methods", where))))
        for e in data.get("guards", []):
            guards.append(GuardSpec(
                classes=frozenset(_strs(e, "classes", where)),
                names=_globs(_strs(e, "names", where), prefix=False),
                text=_globs(_strs(e, "text", where), prefix=False),
                argument=int(e.get("argument", 0)), keyword=e.get("keyword")))
        for e in data.get("sink_classes", []):
            vuln_class = e.get("class")
            if not isinstance(vuln_class, str) or not vuln_class:
                raise SpecError(f"{where}: every [[sink_classes]] entry needs a 'class'")
            sink_classes.append(SinkClassSpec(vuln_class, _globs(_strs(e, "names", where), prefix=False)))
        clean_types.update(_strs(data, "clean_types", where))
        clean_calls.extend(_strs(data, "clean_calls", where))
        no_return.extend(_strs(data, "no_return", where))
        mutators.update(_strs(data, "mutators", where))
        config = data.get("config", {})
        if not isinstance(config, dict) or set(config) - {"environ"}:
            raise SpecError(f"{path}: [config] accepts only 'environ'")
        environ = environ or bool(config.get("environ", False))
    return TaintSpec(
        sources=tuple(sources), parameters=tuple(parameters), request_objects=tuple(objects),
        sanitizers=tuple(sanitizers), guards=tuple(guards), sink_classes=tuple(sink_classes),
        clean_types=frozenset(clean_types),
        clean_calls=_globs(clean_calls, prefix=False), no_return=_globs(no_return, prefix=False),
        mutators=frozenset(mutators), environ=environ, files=tuple(paths))


def _label(entry: Mapping[str, Any], where: str) -> str:
    label = entry.get("label")
    if not isinstance(label, str) or not label:
        raise SpecError(f"{where}: every entry needs a 'label' (remote, user, llm, tool, lambda, env)")
    return label


def node_text(node: ts.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")
