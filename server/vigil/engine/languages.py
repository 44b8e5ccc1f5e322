"""Grammar registry: which tree-sitter language parses which file.

A language is a grammar plus a file-matching rule plus its rule folder ``queries/<name>/``.
Grammars are imported lazily so that a missing optional grammar only disables its own
language instead of breaking the scanner.
"""

from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Callable

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str  # the grammar package, e.g. "tree_sitter_python"
    function: str  # the function returning the language pointer
    matches: Callable[[PurePath], bool]
    comment_prefix: str = "#"


def _is_python(path: PurePath) -> bool:
    return path.suffix in {".py", ".pyi"}


LANGUAGES: dict[str, LanguageSpec] = {
    "python": LanguageSpec("python", "tree_sitter_python", "language", _is_python),
}


@lru_cache(maxsize=None)
def get_language(name: str) -> ts.Language:
    spec = LANGUAGES[name]
    module = importlib.import_module(spec.module)
    return ts.Language(getattr(module, spec.function)())


_local = threading.local()


def get_parser(name: str) -> ts.Parser:
    """One parser per thread and language: ``ts.Parser`` is not safe to share across threads."""
    parsers: dict[str, ts.Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(name)
    if parser is None:
        parser = parsers[name] = ts.Parser(get_language(name))
    return parser


def language_for_path(path: PurePath) -> str | None:
    for spec in LANGUAGES.values():
        if spec.matches(path):
            return spec.name
    return None


_LONE_CR = re.compile(rb"\r(?!\n)")


def has_lone_cr(source: bytes) -> bool:
    return b"\r" in source and _LONE_CR.search(source) is not None


def parser_view(source: bytes) -> bytes:
    """The bytes tree-sitter should see: lone ``\r`` line breaks become ``\n``.

    LSP and Python both accept a lone CR as a line break, tree-sitter's grammars do not (the
    rest of the file turns into one comment or an ERROR). The replacement keeps every byte
    offset unchanged, so findings still point into the original text.
    """
    return _LONE_CR.sub(b"\n", source) if b"\r" in source else source


def parse(
    source: bytes,
    language: str = "python",
    old_tree: ts.Tree | None = None,
    *,
    lone_cr: bool | None = None,
) -> ts.Tree:
    """Parse UTF-8 ``source``. ``lone_cr`` may be passed by callers that track it
    incrementally (the language server) to keep the keystroke path free of a whole-file scan."""
    if lone_cr is None:
        lone_cr = has_lone_cr(source)
    view = parser_view(source) if lone_cr else source
    parser = get_parser(language)
    if old_tree is None:
        return parser.parse(view)
    return parser.parse(view, old_tree)
