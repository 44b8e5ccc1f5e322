"""Fix functions of the injection rules: SQL placeholders, escaping wrappers, defusedxml, Jinja2
autoescaping. Each returns byte edits or ``None`` when the code has a shape the fix cannot
rewrite with certainty (the finding then keeps no fix rather than a wrong one)."""

from __future__ import annotations

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import Match

_DEFUSED = {
    "xml.etree.ElementTree": "defusedxml.ElementTree",
    "xml.etree.cElementTree": "defusedxml.cElementTree",
    "xml.dom.minidom": "defusedxml.minidom",
    "xml.dom.pulldom": "defusedxml.pulldom",
    "xml.sax": "defusedxml.sax",
}


def _sink(match: Match) -> ts.Node | None:
    for name, nodes in match.captures.items():
        if (name == "sink" or name.startswith("sink.")) and nodes:
            return nodes[0]
    return None


def _plain_expression(node: ts.Node) -> bool:
    """``name`` or ``obj.attr.attr``: safe to move from an f-string into a tuple."""
    if node.type == "identifier":
        return True
    if node.type == "attribute":
        obj = node.child_by_field_name("object")
        return obj is not None and _plain_expression(obj)
    return False


def _fstring_parts(match: Match, node: ts.Node) -> tuple[str, list[str | ts.Node], str] | None:
    """(prefix without f, [literal text | interpolated expression], closing quote)."""
    if node.type != "string":
        return None
    children = node.children
    if len(children) < 2 or children[0].type != "string_start" or children[-1].type != "string_end":
        return None
    start = match.text(children[0])
    if "f" not in start.lower():
        return None
    parts: list[str | ts.Node] = []
    cursor = children[0].end_byte
    for child in children[1:-1]:
        if child.type == "interpolation":
            if cursor < child.start_byte:
                parts.append(match.source[cursor:child.start_byte].decode("utf-8"))
            inner = [c for c in child.named_children if c.type != "comment"]
            if len(inner) != 1:
                return None  # format spec or conversion: leave alone
            parts.append(inner[0])
            cursor = child.end_byte
    if cursor < children[-1].start_byte:
        parts.append(match.source[cursor:children[-1].start_byte].decode("utf-8"))
    prefix = start.replace("f", "").replace("F", "")
    literal = [p.replace("{{", "{").replace("}}", "}") if isinstance(p, str) else p for p in parts]
    return prefix, literal, match.text(children[-1])


def sql_placeholders_fix(match: Match) -> list[Edit] | None:
    """``execute(f"... '{name}' ... {uid}")`` -> ``execute("... %s ... %s", (name, uid))``."""
    sink = match.node("sink")
    if sink is None or sink.parent is None:
        return None
    arguments = [c for c in sink.parent.named_children if c.type != "comment"]
    if sink.parent.type != "argument_list" or len(arguments) != 1:
        return None
    parsed = _fstring_parts(match, sink)
    if parsed is None:
        return None
    prefix, parts, end = parsed
    placeholder = "?" if "sqlite3" in match.names.imported_modules else "%s"
    pieces: list[str] = []
    params: list[str] = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            text = part.replace("%", "%%") if placeholder == "%s" else part
            pieces.append(text)
            continue
        if not _plain_expression(part):
            return None
        before = parts[index - 1] if index else ""
        after = parts[index + 1] if index + 1 < len(parts) else ""
        quoted = isinstance(before, str) and isinstance(after, str) and before.endswith(("'", '"')) \
            and after.startswith(before[-1])
        if quoted:
            pieces[-1] = pieces[-1][:-1]
            parts[index + 1] = after[1:]
        elif isinstance(before, str) and before.endswith(("'", '"', "%")) or \
                isinstance(after, str) and after.startswith(("'", '"', "%")):
            return None  # '%{x}%' LIKE patterns and partial quoting need a human
        pieces.append(placeholder)
        params.append(match.text(part))
    if not params:
        return None
    tuple_text = f"({params[0]},)" if len(params) == 1 else f"({', '.join(params)})"
    return [Edit(sink.start_byte, sink.end_byte, f"{prefix}{''.join(pieces)}{end}, {tuple_text}")]


def escape_fix(match: Match) -> list[Edit] | None:
    """Wrap each value interpolated into an f-string (or the whole argument) in ``escape()``."""
    sink = _sink(match)
    if sink is None:
        return None
    spelled, imports = match.reference("markupsafe.escape")
    if sink.type == "string" and any(c.type == "interpolation" for c in sink.children):
        edits: list[Edit] = []
        for child in sink.children:
            if child.type != "interpolation":
                continue
            inner = [c for c in child.named_children if c.type != "comment"]
            if len(inner) != 1:
                return None
            expr = inner[0]
            edits.append(Edit(expr.start_byte, expr.end_byte, f"{spelled}({match.text(expr)})"))
        return [*edits, *imports]
    return [Edit(sink.start_byte, sink.end_byte, f"{spelled}({match.text(sink)})"), *imports]


def regex_escape_fix(match: Match) -> list[Edit] | None:
    sink = _sink(match)
    if sink is None:
        return None
    spelled, imports = match.reference("re.escape")
    return [Edit(sink.start_byte, sink.end_byte, f"{spelled}({match.text(sink)})"), *imports]


def jinja_autoescape_fix(match: Match) -> list[Edit] | None:
    spelled, imports = match.reference("jinja2.select_autoescape")
    value = match.node("_value")
    if value is not None:
        return [Edit(value.start_byte, value.end_byte, f"{spelled}()"), *imports]
    args = match.node("_args")
    if args is None or args.type != "argument_list" or not args.children:
        return None
    close = args.children[-1]
    if close.type != ")":
        return None
    has_args = any(c.type != "comment" for c in args.named_children)
    trailing_comma = any(c.type == "," for c in args.children[-2:-1])
    separator = "" if not has_args or trailing_comma else ", "
    return [Edit(close.start_byte, close.start_byte, f"{separator}autoescape={spelled}()"), *imports]


def defusedxml_fix(match: Match) -> list[Edit] | None:
    """Point the import of the parser module at its defusedxml twin (same API)."""
    fn = match.node("_fn")
    qualified = match.qualify(fn)
    if fn is None or qualified is None:
        return None
    module = qualified.rpartition(".")[0]
    target = _DEFUSED.get(module)
    if target is None:
        return None
    root = fn
    while root.type == "attribute":
        root = root.child_by_field_name("object")  # type: ignore[assignment]
        if root is None:
            return None
    if root.type != "identifier":
        return None
    binding = match.names.binding_at(match.text(root), root.start_byte)
    if binding is None or binding.qualified not in (module, qualified):
        return None  # ``import xml.etree.ElementTree`` used fully dotted: rewrite by hand
    statement = match.tree.root_node.descendant_for_byte_range(binding.start_byte, binding.start_byte)
    while statement is not None and statement.type not in ("import_statement", "import_from_statement"):
        statement = statement.parent
    if statement is None:
        return None
    for node in _dotted_names(statement):
        if match.text(node) == module:
            return [Edit(node.start_byte, node.end_byte, target)]
    return None


def _dotted_names(node: ts.Node) -> list[ts.Node]:
    out: list[ts.Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "dotted_name":
            out.append(current)
            continue
        stack.extend(current.named_children)
    return out
