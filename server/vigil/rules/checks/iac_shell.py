"""Shell scripts embedded in other files: Dockerfile ``RUN`` lines and workflow ``run:`` steps.

The script is parsed with tree-sitter-bash from a *same-length view* of the outer file's bytes:
characters bash must not see (the ``|`` header of a YAML block scalar, the quotes around a
quoted scalar, GitHub's ``${{ ... }}`` expressions) are overwritten with blanks or letters of
the same byte length. Offsets in the bash tree therefore equal offsets in the outer file minus
one constant, and every finding or fix maps back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter as ts

from vigil.engine.languages import get_parser

_EXPRESSION = re.compile(rb"\$\{\{.*?\}\}", re.DOTALL)
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish"})
DOWNLOADERS = frozenset({"curl", "wget", "fetch"})
#: Prefix commands that run their arguments as another command.
WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "time", "exec", "command"})


@dataclass(frozen=True)
class Embedded:
    """A parsed script; ``offset`` is the outer-file byte offset of the script's byte 0."""

    tree: ts.Tree
    offset: int
    source: bytes  # the outer file

    def text(self, node: ts.Node) -> str:
        """The node's text as written in the outer file (expressions included)."""
        return self.source[self.offset + node.start_byte : self.offset + node.end_byte].decode("utf-8", "replace")

    def span(self, node: ts.Node) -> tuple[int, int]:
        return self.offset + node.start_byte, self.offset + node.end_byte


def _mask_expressions(view: bytes) -> bytes:
    return _EXPRESSION.sub(lambda m: b"X" * len(m.group(0)), view)


def parse_shell(view: bytes, offset: int, source: bytes) -> Embedded:
    return Embedded(get_parser("bash").parse(_mask_expressions(view)), offset, source)


def dockerfile_script(run: ts.Node, source: bytes) -> Embedded | None:
    """The shell form of a ``RUN`` (``RUN apt-get ...``); None for the exec form ``RUN [...]``.
    Dockerfile line continuations (``\\`` + newline) are bash continuations too."""
    body = next((c for c in run.named_children if c.type == "shell_command"), None)
    if body is None:
        return None
    heredoc = next((c for c in run.named_children if c.type == "heredoc_block"), None)
    end = heredoc.end_byte if heredoc is not None else body.end_byte
    view = bytearray(source[body.start_byte : end])

    def blank(start: int, stop: int) -> None:
        start, stop = start - body.start_byte, min(stop, end) - body.start_byte
        view[start:stop] = re.sub(rb"[^\n]", b" ", bytes(view[start:stop]))

    for child in body.named_children:
        if child.type == "comment":
            # Docker drops comment lines inside a continued RUN; bash would end the command
            # there, so the line (and its newline) becomes blanks.
            blank(child.start_byte, child.end_byte)
            newline = child.end_byte - body.start_byte
            if newline < len(view) and view[newline : newline + 1] == b"\n":
                view[newline : newline + 1] = b" "
    if heredoc is not None:
        # ``RUN <<EOF`` runs the heredoc's lines as the script: keep only those.
        blank(body.start_byte, heredoc.start_byte)
        for child in heredoc.children:
            if child.type == "heredoc_end":
                blank(child.start_byte, child.end_byte)
    return parse_shell(bytes(view), body.start_byte, source)


def yaml_script(value: ts.Node, source: bytes) -> Embedded | None:
    """The script in a YAML scalar (``run: |`` block, plain or quoted scalar)."""
    node = value
    while node.type in ("block_node", "flow_node") and node.named_child_count:
        node = node.named_children[0]
    raw = bytearray(source[node.start_byte : node.end_byte])
    if node.type == "block_scalar":
        header_end = raw.find(b"\n")
        if header_end < 0:
            return None
        raw[:header_end] = b" " * header_end
    elif node.type in ("double_quote_scalar", "single_quote_scalar") and len(raw) >= 2:
        raw[0:1] = b" "
        raw[-1:] = b" "
    elif node.type != "plain_scalar":
        return None
    return parse_shell(bytes(raw), node.start_byte, source)


@dataclass(frozen=True)
class Command:
    node: ts.Node  # the bash ``command`` node
    name: str
    args: tuple[ts.Node, ...]


def _word(embedded: Embedded, node: ts.Node) -> str:
    return embedded.text(node).strip("\"'")


def commands(embedded: Embedded, root: ts.Node | None = None) -> Iterator[Command]:
    """Every simple command in the script (or under ``root``), with wrappers (``sudo -E bash``)
    unwrapped so the wrapped command is reported as well, under its own name."""
    stack = [root if root is not None else embedded.tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.named_children))
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("name")
        if name_node is None:
            continue
        args = tuple(node.children_by_field_name("argument"))
        name = _word(embedded, name_node).rsplit("/", 1)[-1]
        yield Command(node, name, args)
        while name in WRAPPERS:
            rest = [a for a in args if not _word(embedded, a).startswith("-") and "=" not in _word(embedded, a)]
            if not rest:
                break
            index = args.index(rest[0])
            name = _word(embedded, rest[0]).rsplit("/", 1)[-1]
            args = args[index + 1 :]
            yield Command(node, name, args)


def arg_words(embedded: Embedded, command: Command) -> list[str]:
    return [_word(embedded, a) for a in command.args]


def _contains_download(node: ts.Node, embedded: Embedded) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "command":
            name = current.child_by_field_name("name")
            if name is not None and _word(embedded, name).rsplit("/", 1)[-1] in DOWNLOADERS:
                return True
        stack.extend(current.named_children)
    return False


_INTERPRETERS = frozenset({"perl", "ruby", "node", "php"})


def _runs_shell(node: ts.Node, embedded: Embedded) -> bool:
    """Whether a pipeline stage executes its standard input as a program: ``sh``,
    ``sudo -E bash -``, ``python3`` with no script, but not ``python -c '...'`` or
    ``bash build.sh`` (those read the download as data)."""
    for command in commands(embedded, node):
        if not (command.name in SHELLS or command.name.startswith("python") or command.name in _INTERPRETERS):
            continue
        words = arg_words(embedded, command)
        if any(w in ("-c", "-e", "-m") for w in words):
            continue
        if all(w.startswith("-") for w in words):
            return True
    return False


def download_and_execute(embedded: Embedded) -> list[ts.Node]:
    """``curl ... | sh``, ``wget -O- ... | sudo bash``, ``sh -c "$(curl ...)"``, ``bash <(curl ...)``:
    the bash nodes (pipelines or commands) that run a downloaded script unverified."""
    found: list[ts.Node] = []
    stack = [embedded.tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "pipeline":
            stages = [c for c in node.named_children if c.type in ("command", "redirected_statement")]
            for i, stage in enumerate(stages[:-1]):
                if _contains_download(stage, embedded) and any(_runs_shell(s, embedded) for s in stages[i + 1 :]):
                    found.append(node)
                    break
        elif node.type == "command":
            name = node.child_by_field_name("name")
            if name is None or _word(embedded, name).rsplit("/", 1)[-1] not in SHELLS:
                continue
            for arg in node.children_by_field_name("argument"):
                if arg.type in ("string", "command_substitution", "process_substitution") and _contains_download(arg, embedded):
                    found.append(node)
                    break
    return found
