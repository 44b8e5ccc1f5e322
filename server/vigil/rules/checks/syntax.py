"""Small tree-sitter helpers shared by the secret, web, cloud and LLM checks.

They answer structural questions a query cannot ("which name is this literal bound to?",
"is this call a logger call?", "what integer does ``7 * 24 * 3600`` evaluate to?") without
ever importing or running the analysed code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import edit_for, env_name, node_text
from vigil.engine.runner import Match
from vigil.rules.checks.common import keyword_arg as keyword
from vigil.rules.checks.common import text
from vigil.rules.model import EditSpec

_WRAPPERS = ("parenthesized_expression", "concatenated_string")


def literal_text(node: ts.Node) -> str | None:
    """The characters of a string literal (f-string interpolations become ``{…}``)."""
    if node.type == "concatenated_string":
        parts = [literal_text(c) for c in node.named_children if c.type == "string"]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    if node.type != "string":
        return None
    chunks: list[str] = []
    for child in node.children:
        if child.type in ("string_content", "escape_sequence"):
            chunks.append(text(child))
        elif child.type == "interpolation":
            chunks.append("{…}")
    return "".join(chunks)


def string_prefix(node: ts.Node) -> str:
    """``f``, ``rb``… of a ``string`` node, lower-cased."""
    start = node.child(0)
    return text(start).lower().rstrip("'\"") if start is not None else ""


def is_plain_string(node: ts.Node) -> bool:
    """A single non-f, non-bytes string literal with no interpolation."""
    return node.type == "string" and not ({"f", "b"} & set(string_prefix(node)))


def unwrap_up(node: ts.Node) -> ts.Node:
    """Climb out of parentheses and implicit string concatenation."""
    while node.parent is not None and node.parent.type in _WRAPPERS:
        node = node.parent
    return node


def binding_name(node: ts.Node) -> str | None:
    """The name a literal is bound to: ``x = "…"``, ``f(x="…")``, ``{"x": "…"}``,
    ``def f(x="…")``, ``app.config["X"] = "…"``, ``if x == "…"``."""
    node = unwrap_up(node)
    parent = node.parent
    if parent is None:
        return None
    kind = parent.type
    if kind == "keyword_argument" and parent.child_by_field_name("value") == node:
        return text(parent.child_by_field_name("name"))
    if kind == "assignment" and parent.child_by_field_name("right") == node:
        return target_name(parent.child_by_field_name("left"))
    if kind == "pair" and parent.child_by_field_name("value") == node:
        key = parent.child_by_field_name("key")
        if key is not None and key.type == "string":
            return literal_text(key)
        return text(key) if key is not None and key.type == "identifier" else None
    if kind in ("default_parameter", "typed_default_parameter"):
        return text(parent.child_by_field_name("name"))
    if kind == "comparison_operator":
        for child in parent.named_children:
            if child != node and child.type in ("identifier", "attribute"):
                return target_name(child)
    return None


def target_name(node: ts.Node | None) -> str | None:
    """``x`` / ``self.x`` / ``config["X"]`` -> ``x`` / ``x`` / ``X``."""
    if node is None:
        return None
    if node.type == "identifier":
        return text(node)
    if node.type == "attribute":
        return text(node.child_by_field_name("attribute"))
    if node.type == "subscript":
        index = node.child_by_field_name("subscript")
        if index is not None and index.type == "string":
            return literal_text(index)
    return None


def ancestors(node: ts.Node) -> Iterator[ts.Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent


def enclosing(node: ts.Node, *types: str,
              stop: tuple[str, ...] = ("function_definition", "class_definition", "lambda")
              ) -> ts.Node | None:
    """The nearest ancestor of one of ``types``, not crossing a function or class boundary."""
    for parent in ancestors(node):
        if parent.type in types:
            return parent
        if parent.type in stop:
            return None
    return None


def enclosing_function(node: ts.Node) -> ts.Node | None:
    for parent in ancestors(node):
        if parent.type == "function_definition":
            return parent
    return None




def keyword_value(arguments: ts.Node | None, name: str) -> ts.Node | None:
    found = keyword(arguments, name)
    return found.child_by_field_name("value") if found is not None else None


def positional(arguments: ts.Node | None) -> list[ts.Node]:
    if arguments is None:
        return []
    return [c for c in arguments.named_children
            if c.type not in ("keyword_argument", "comment", "list_splat", "dictionary_splat")]


def int_value(node: ts.Node | None) -> int | None:
    """Evaluate integer literals and ``+ - * //`` over them (``7 * 24 * 3600``)."""
    if node is None:
        return None
    if node.type == "integer":
        try:
            return int(text(node).replace("_", ""), 0)
        except ValueError:
            return None
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return int_value(node.named_children[0])
    if node.type == "binary_operator":
        left = int_value(node.child_by_field_name("left"))
        right = int_value(node.child_by_field_name("right"))
        operator = text(node.child_by_field_name("operator"))
        if left is None or right is None:
            return None
        if operator == "*":
            return left * right
        if operator == "+":
            return left + right
        if operator == "-":
            return left - right
        if operator == "//" and right:
            return left // right
    return None


_LOGGER_NAME = re.compile(r"^_*(?:\w+_)?(?:log|logger|logging|audit_log|syslog)(?:_\w+)?$", re.IGNORECASE)
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg",
                "fatal"}


def is_log_or_print(call: ts.Node, match: Match) -> bool:
    """``print(...)``, ``logging.info(...)``, ``logger.warning(...)``, ``self.log.debug(...)``."""
    function = call.child_by_field_name("function")
    if function is None:
        return False
    if function.type == "identifier":
        return match.qualify(function) == "print"
    if function.type == "attribute":
        method = text(function.child_by_field_name("attribute"))
        obj = function.child_by_field_name("object")
        if method not in _LOG_METHODS or obj is None:
            return False
        qualified = match.qualify(obj) or ""
        last = text(obj).rsplit(".", 1)[-1]
        return qualified.startswith(("logging", "structlog", "loguru")) or bool(_LOGGER_NAME.match(last))
    return False


def env_lookup(match: Match, name: str) -> tuple[str, list[Edit]]:
    """Source text for ``os.environ["NAME"]`` here, plus the ``import os`` edit if needed."""
    spelled, edits = match.reference("os.environ")
    return f'{spelled}["{env_name(name)}"]', edits


def replace(node: ts.Node, replacement: str) -> Edit:
    return Edit(node.start_byte, node.end_byte, replacement)


_SETTINGS_NAME = re.compile(r"^(?:settings|config|conf|base|prod|production|common|global_settings)"
                            r"(?:_[a-z0-9]+)?\.py$")
_DEV_PARTS = re.compile(r"(?:^|[_./-])(?:dev|develop|development|local|test|tests|testing|ci|"
                        r"example|sample|demo)(?:[_./-]|$)")


def is_settings_module(path: str | None) -> bool:
    """Django/Flask settings files: ``settings.py``, ``settings/prod.py``, ``config/base.py``;
    development, local and test settings are deliberately excluded."""
    if not path:
        return False
    pure = PurePath(path)
    lowered = [p.lower() for p in pure.parts]
    if any(_DEV_PARTS.search(part) for part in lowered[-2:]):
        return False
    in_settings_dir = len(lowered) >= 2 and lowered[-2] in ("settings", "config", "conf")
    return bool(_SETTINGS_NAME.match(lowered[-1])) or in_settings_dir


def is_dev_module(path: str | None) -> bool:
    """Scripts meant for local development (``dev.py``, ``scripts/run_local.py``, tests)."""
    if not path:
        return False
    lowered = PurePath(path).as_posix().lower()
    return bool(_DEV_PARTS.search(lowered.rsplit("/", 2)[-1])) or "/scripts/" in f"/{lowered}"


def imports_any(match: Match, *modules: str) -> bool:
    """Whether the module imports one of these top-level packages."""
    return any(m in match.names.imported_modules for m in modules)


def imports_prefixed(match: Match, *prefixes: str) -> bool:
    """Like :func:`imports_any` for package families (``langchain`` matches ``langchain_openai``)."""
    return any(m.startswith(prefixes) for m in match.names.imported_modules)


def source_text(match: Match, node: ts.Node) -> str:
    return node_text(match.source, node)


def remove_argument(node: ts.Node, source: bytes) -> Edit:
    """Delete a (keyword) argument or dict pair with its comma.

    When the argument sits alone on its line(s) (``black`` style multi-line calls) the whole
    line goes, so no blank, indented line is left behind.
    """
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    end = node.end_byte
    after = node.next_sibling
    if after is not None and after.type == ",":
        end = after.end_byte
    line_end = source.find(b"\n", end)
    line_end = len(source) if line_end < 0 else line_end
    alone = not source[line_start:node.start_byte].strip() and not source[end:line_end].strip()
    if alone and node.prev_sibling is not None and node.prev_sibling.end_byte <= line_start:
        return Edit(line_start, min(line_end + 1, len(source)), "")
    return edit_for(EditSpec("remove_argument", "arg"), {"arg": [node]}, source)
