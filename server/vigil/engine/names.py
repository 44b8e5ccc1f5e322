"""Resolve names in a Python module to fully-qualified names through its imports.

Rules talk about APIs (``yaml.load``), code talks about local names (``y.load`` after
``import yaml as y``, ``load`` after ``from yaml import load``). ``ModuleNames`` bridges the
two so that most rules are one short query with a ``#qualified?`` predicate, and an
unrelated local ``load`` does not fire.

Resolution is deliberately simple and static: it reads import statements anywhere in the file,
and module-level ``def``/``class``/constant assignments. It never imports or runs the code.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import tree_sitter as ts

from vigil.engine.constants import is_constant
from vigil.engine.languages import cached_query

#: Binding kinds. An ``import`` binding has a qualified name; a ``local`` binding
#: (def, class, assignment) shadows imports and resolves to nothing.
IMPORT = "import"
LOCAL = "local"

_COMPOUND = {
    "if_statement",
    "try_statement",
    "with_statement",
    "block",
    "else_clause",
    "elif_clause",
    "except_clause",
    "finally_clause",
    "decorated_definition",
}


@dataclass(frozen=True)
class Binding:
    start_byte: int
    kind: str
    qualified: str | None


@dataclass
class ModuleNames:
    """Name bindings of one module, built once per full analysis."""

    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Byte spans of import statements, so the server can tell whether an edit touches them.
    import_spans: list[tuple[int, int]] = field(default_factory=list)
    #: Module-level names assigned exactly once to a constant expression.
    constants: dict[str, ts.Node] = field(default_factory=dict)
    #: Top-level modules imported anywhere (for supply-chain rules).
    imported_modules: dict[str, int] = field(default_factory=dict)
    #: Local names bound to a qualified name with a different final name (``from yaml import
    #: load as L``, ``L = yaml.load``: ``{"L": {"yaml.load"}}``). The rule prefilters cannot see
    #: through these; the runner re-checks the code that uses them.
    aliases: dict[str, set[str]] = field(default_factory=dict)

    @property
    def renamed(self) -> set[str]:
        """The qualified names behind ``aliases``."""
        return {qualified for targets in self.aliases.values() for qualified in targets}

    def add(self, name: str, binding: Binding) -> None:
        if binding.qualified and binding.qualified.rsplit(".", 1)[-1] != name:
            self.aliases.setdefault(name, set()).add(binding.qualified)
        entries = self.bindings.setdefault(name, [])
        bisect.insort(entries, binding, key=lambda b: b.start_byte)

    def binding_at(self, name: str, byte: int) -> Binding | None:
        """The binding in force for a use of ``name`` at ``byte``.

        Textual order approximates execution order at module level; for a use that comes
        before every binding (typically a function body calling a name imported further down)
        the last binding in the file wins, as it would when the function finally runs.
        """
        entries = self.bindings.get(name)
        if not entries:
            return None
        # ``key=``, not a list of starts built per call: that was O(bindings) per lookup, and
        # minutes on a generated file re-binding one name thousands of times.
        index = bisect.bisect_right(entries, byte, key=lambda b: b.start_byte)
        return entries[index - 1] if index else entries[-1]

    def qualify(self, node: ts.Node | None) -> str | None:
        """Fully-qualified dotted name of an identifier or attribute chain, if it has one.

        Unbound bare names resolve to themselves (builtins such as ``eval`` and ``open``);
        locally defined names resolve to ``None``.
        """
        # Iterative, not recursive: a generated ``a.b.b.b...`` chain thousands of attributes
        # long must not raise RecursionError (tests/robustness/test_bad_text.py).
        attrs: list[str] = []
        while node is not None:
            kind = node.type
            if kind == "attribute":
                attr = node.child_by_field_name("attribute")
                if attr is None:
                    return None
                attrs.append(_text(attr))
                node = node.child_by_field_name("object")
            elif kind == "parenthesized_expression" and node.named_child_count == 1:
                node = node.named_children[0]
            elif kind == "identifier":
                name = _text(node)
                binding = self.binding_at(name, node.start_byte)
                base = name if binding is None else binding.qualified
                if base is None:
                    return None
                return ".".join([base, *reversed(attrs)])
            else:
                return None
        return None

    def touches_imports(self, start: int, end: int) -> bool:
        """Whether the byte range [start, end] overlaps or abuts an import statement."""
        return any(s <= end and start <= e for s, e in self.import_spans)


def _text(node: ts.Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _dotted(node: ts.Node) -> str:
    return ".".join(_text(c) for c in node.named_children if c.type == "identifier") or _text(node)


IMPORT_QUERY = "[(import_statement) (import_from_statement) (future_import_statement)] @import"


def import_query(language: ts.Language) -> ts.Query:
    return cached_query(language, IMPORT_QUERY)


def collect_names(tree: ts.Tree) -> ModuleNames:
    names = ModuleNames()
    root = tree.root_node
    cursor = ts.QueryCursor(import_query(tree.language))
    for node in cursor.captures(root).get("import", []):
        names.import_spans.append((node.start_byte, node.end_byte))
        if node.type == "import_statement":
            _bind_import(names, node)
        elif node.type == "import_from_statement":
            _bind_from_import(names, node)
    names.import_spans.sort()
    _bind_module_level(names, root)
    return names


def _bind_import(names: ModuleNames, node: ts.Node) -> None:
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            dotted = child.child_by_field_name("name")
            alias = child.child_by_field_name("alias")
            if dotted is None or alias is None:
                continue
            full = _dotted(dotted)
            names.add(_text(alias), Binding(node.start_byte, IMPORT, full))
        else:
            full = _dotted(child)
            head = full.split(".")[0]
            # ``import os.path`` binds ``os``, which still resolves ``os.path.join``.
            names.add(head, Binding(node.start_byte, IMPORT, head))
        top = full.split(".")[0]
        if top:
            names.imported_modules.setdefault(top, node.start_byte)


def _bind_from_import(names: ModuleNames, node: ts.Node) -> None:
    module = node.child_by_field_name("module_name")
    if module is None:
        return
    if module.type == "relative_import":
        # Local package code: keep a recognisable prefix so rules never match it by accident.
        base = "." + _text(module).lstrip(".")
        base = base if base != "." else ""
        prefix = "." + base.lstrip(".") if base else "."
    else:
        prefix = _dotted(module)
        names.imported_modules.setdefault(prefix.split(".")[0], node.start_byte)
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            dotted = child.child_by_field_name("name")
            alias = child.child_by_field_name("alias")
            if dotted is None or alias is None:
                continue
            local, imported = _text(alias), _dotted(dotted)
        else:
            imported = _dotted(child)
            local = imported.split(".")[0]
        joiner = "" if prefix.endswith(".") else "."
        names.add(local, Binding(node.start_byte, IMPORT, f"{prefix}{joiner}{imported}"))


def _bind_module_level(names: ModuleNames, root: ts.Node) -> None:
    """Record defs, classes and assignments at module level (descending into if/try/with)."""
    assigned: dict[str, list[ts.Node]] = {}
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            if name is not None:
                names.add(_text(name), Binding(node.start_byte, LOCAL, None))
        elif kind == "expression_statement":
            for expr in node.named_children:
                if expr.type == "assignment":
                    left = expr.child_by_field_name("left")
                    right = expr.child_by_field_name("right")
                    if left is not None and left.type == "identifier":
                        if right is not None and right.type == "none":
                            continue  # ``yaml = None`` after a failed import is a placeholder
                        name = _text(left)
                        # ``load = yaml.load`` is an alias, not a shadowing definition.
                        alias = names.qualify(right) if right is not None and right.type in (
                            "identifier", "attribute") else None
                        kind_ = IMPORT if alias else LOCAL
                        names.add(name, Binding(node.start_byte, kind_, alias))
                        assigned.setdefault(name, []).append(right if right is not None else left)
        elif kind in _COMPOUND:
            stack.extend(reversed(node.named_children))
    for name, values in assigned.items():
        if len(values) == 1 and values[0].type != "identifier" and is_constant(values[0], {}):
            names.constants[name] = values[0]
