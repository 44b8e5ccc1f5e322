"""Checks of the taint rules: "does untrusted data reach the captured sink argument?".

A taint rule's query matches the dangerous call and captures the argument that matters as
``@sink`` (or ``@sink.<class>`` when one rule covers sinks of several classes, e.g. CLD007).
Each function below fixes the vulnerability class (which decides the sanitizers that count)
and the source labels the rule reports; the taint engine does the rest. The finding carries
the path source -> steps -> sink as related locations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import tree_sitter as ts

from vigil.engine.findings import Related
from vigil.engine.runner import CheckResult, Match
from vigil.engine.taint import FileTaint, TaintPath, bundled_spec_dir, file_taint, spec_for, tainted_by

#: Web and user input. Tool-call arguments and Lambda events are reported by LLM011/CLD007
#: for the sinks those rules cover, and by these rules for the others.
UNTRUSTED = frozenset({"remote", "user", "env", "lambda", "tool"})
NOT_LAMBDA = UNTRUSTED - {"lambda"}
NOT_TOOL = UNTRUSTED - {"tool"}
NOT_LAMBDA_OR_TOOL = UNTRUSTED - {"lambda", "tool"}
LLM = frozenset({"llm"})
TOOL = frozenset({"tool"})
LAMBDA = frozenset({"lambda"})

_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*[\s>/]")


@lru_cache(maxsize=32)
def _extension_dirs(dirs: tuple[Path, ...]) -> tuple[Path, ...]:
    """The ``_taint`` folders of extra rule directories (the bundled one is always read)."""
    bundled = bundled_spec_dir().resolve()
    return tuple(d for d in dirs if d.resolve() != bundled)


def state(match: Match) -> FileTaint:
    """The shared taint state of the matched file (created once per tree)."""
    extra: tuple[Path, ...] = ()
    if match.ruleset is not None:
        extra = _extension_dirs(tuple(match.ruleset.data_dirs.get("python/_taint", ())))
    spec = spec_for(extra)
    return file_taint(match.tree, match.source, match.names, spec, match.path)


def _sinks(match: Match, default_class: str) -> Iterator[tuple[ts.Node, str]]:
    """Captured sink nodes with their class. ``@sink_args`` captures a whole argument list
    (every argument is a sink): one match per call instead of one per argument."""
    for name, nodes in match.captures.items():
        if name in ("sink", "sink_args"):
            vuln_class = default_class
        elif name.startswith("sink."):
            vuln_class = name[5:]
        else:
            continue
        for node in nodes:
            if name == "sink_args":
                for argument in node.named_children:
                    if argument.type == "keyword_argument":
                        value = argument.child_by_field_name("value")
                        if value is not None:
                            yield value, vuln_class
                    elif argument.type != "comment":
                        yield argument, vuln_class
            else:
                yield node, vuln_class


def _render(template: str, match: Match) -> str:
    def substitute(found: re.Match[str]) -> str:
        node = match.node(found.group(1))
        if node is None:
            return found.group(0)
        text = " ".join(match.text(node).split())
        return text if len(text) <= 60 else text[:57] + "..."

    return re.sub(r"\{([A-Za-z_][\w.]*)\}", substitute, template)


def _line(source: bytes, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


def result(match: Match, sink: ts.Node, path: TaintPath) -> CheckResult:
    """A finding whose related locations walk from the source to the sink."""
    related = [Related(s.start, s.end, s.message) for s in path.steps]
    related.append(Related(sink.start_byte, sink.end_byte, "reaches the sink here"))
    message = _render(match.rule.message, match)
    if path.steps:
        first = path.steps[0]
        origin = match.source[first.start:first.end].decode("utf-8", "replace")
        origin = " ".join(origin.split())
        origin = origin if len(origin) <= 40 else origin[:37] + "..."
        message = f"{message} Untrusted data from `{origin}` (line {_line(match.source, first.start)})."
    return CheckResult(message=message, related=tuple(related))


_SHELL_OPTIONAL = {"subprocess.run", "subprocess.call", "subprocess.check_call",
                   "subprocess.check_output", "subprocess.Popen"}


def _without_shell(match: Match, node: ts.Node) -> bool:
    """``subprocess.run(cmd)`` without a truthy ``shell=`` runs no shell: the first argument
    is a program (list), so metacharacters in it are inert."""
    args = node.parent
    call = args.parent if args is not None else None
    if args is None or call is None or args.type != "argument_list" or call.type != "call":
        return False
    if match.qualify(call.child_by_field_name("function")) not in _SHELL_OPTIONAL:
        return False
    for child in args.named_children:
        if child.type == "keyword_argument" and match.text(child.child_by_field_name("name")) == "shell":
            value = child.child_by_field_name("value")
            return value is not None and value.type in ("false", "none") or match.text(value) == "0"
    return True


def _call_class(match: Match, taint_state: FileTaint, argument: ts.Node) -> str | None:
    """Class of the call an ``@sink.auto`` argument belongs to (``[[sink_classes]]``)."""
    call = argument.parent.parent if argument.parent is not None else None
    if call is None or call.type != "call":
        return None
    return taint_state.spec.sink_class(match.qualify(call.child_by_field_name("function")))


def check(match: Match, vuln_class: str, labels: frozenset[str], *, shallow: bool = False) -> CheckResult | None:
    """The generic taint check: the first tainted sink capture produces the finding."""
    taint_state = state(match)
    for node, node_class in _sinks(match, vuln_class):
        if node_class == "auto":
            node_class = _call_class(match, taint_state, node) or vuln_class
        if node_class == "command" and _without_shell(match, node):
            continue
        paths = tainted_by(taint_state, node, node_class, labels, shallow=shallow)
        if paths:
            return result(match, node, paths[0])
    return None


# -- one function per rule family ------------------------------------------------------------
def sql(match: Match) -> CheckResult | None:
    """SQL text of ``execute``/``raw``/``text()``. ``execute(text(...))`` is reported at ``text``."""
    sink = match.node("sink")
    if sink is not None and sink.type == "call":
        callee = match.qualify(sink.child_by_field_name("function"))
        if callee in ("sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"):
            return None
    return check(match, "sql", NOT_LAMBDA_OR_TOOL)


def command(match: Match) -> CheckResult | None:
    """Command strings; with ``@_shell`` captured, only when ``shell=`` is not constantly false."""
    shell = match.node("_shell")
    if shell is not None and shell.type in ("false", "none"):
        return None
    if shell is not None and shell.type == "integer" and match.text(shell) == "0":
        return None
    return check(match, "command", NOT_LAMBDA_OR_TOOL)


def code(match: Match) -> CheckResult | None:
    return check(match, "code", NOT_TOOL)


_MONGO_MODULES = ("pymongo", "motor", "mongoengine", "flask_pymongo", "bson", "mongomock")


def nosql(match: Match) -> CheckResult | None:
    """A Mongo filter that is itself request data (operator injection), or a tainted ``$where``.

    ``find``/``count_documents`` are common method names, so the file must use a MongoDB
    driver for the call to be read as a query."""
    if not any(module in match.names.imported_modules for module in _MONGO_MODULES):
        return None
    return check(match, "nosql", NOT_LAMBDA, shallow=True)


def template(match: Match) -> CheckResult | None:
    return check(match, "template", UNTRUSTED)


def xss(match: Match) -> CheckResult | None:
    return check(match, "xss", UNTRUSTED)


def returned_html(match: Match) -> CheckResult | None:
    """An HTML string built from request data and returned by a route handler."""
    sink = match.node("sink")
    if sink is None or not _HTML_TAG.search(match.text(sink)):
        return None
    taint_state = state(match)
    if not taint_state.route_handler(taint_state.enclosing_function(sink)):
        return None
    outcome = check(match, "xss", UNTRUSTED)
    if outcome is not None:
        outcome.drop_fix = True
    return outcome


def ssrf(match: Match) -> CheckResult | None:
    return check(match, "ssrf", NOT_TOOL)


def redirect(match: Match) -> CheckResult | None:
    return check(match, "redirect", UNTRUSTED)


def path(match: Match) -> CheckResult | None:
    return check(match, "path", NOT_TOOL)


def xml(match: Match) -> CheckResult | None:
    return check(match, "xml", UNTRUSTED)


def regex(match: Match) -> CheckResult | None:
    return check(match, "regex", UNTRUSTED)


def xpath(match: Match) -> CheckResult | None:
    return check(match, "xpath", UNTRUSTED)


def ldap(match: Match) -> CheckResult | None:
    return check(match, "ldap", UNTRUSTED)


def trust_boundary(match: Match) -> CheckResult | None:
    return check(match, "trust-boundary", UNTRUSTED)


def header(match: Match) -> CheckResult | None:
    return check(match, "header", UNTRUSTED)


def log(match: Match) -> CheckResult | None:
    return check(match, "log", UNTRUSTED)


def cookie(match: Match) -> CheckResult | None:
    return check(match, "cookie", UNTRUSTED)


def deserialization(match: Match) -> CheckResult | None:
    """Untrusted bytes into a deserializer; ``yaml.load(..., Loader=SafeLoader)`` is fine."""
    loader = match.node("_loader")
    if loader is not None and match.qualify(loader) in ("yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader"):
        return None
    return check(match, "deserialization", NOT_LAMBDA)


def llm(match: Match) -> CheckResult | None:
    """LLM output reaching a sink of the class named by the capture (``@sink.code`` ...)."""
    return check(match, "llm", LLM)


def tool(match: Match) -> CheckResult | None:
    """Tool-call arguments / MCP tool parameters reaching a sink."""
    return check(match, "tool", TOOL)


def lambda_event(match: Match) -> CheckResult | None:
    """A cloud-function event reaching a SQL, OS command, deserialization or DynamoDB sink."""
    return check(match, "lambda", LAMBDA)
