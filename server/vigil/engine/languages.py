"""Grammar registry: which tree-sitter language parses which file.

A language is a grammar plus a file-matching rule plus its rule folder ``queries/<name>/``.
Grammars are imported lazily so that a missing optional grammar only disables its own
language instead of breaking the scanner.

Some file kinds cannot be told apart by name alone: a ``deploy.yaml`` may be a Kubernetes
manifest, a Compose file or neither. Those kinds are *dialects* of one grammar family
(``kubernetes``, ``compose`` and ``github-actions`` share the ``yaml`` grammar). The path
matcher answers ``yaml`` for any YAML file; ``refine_language`` then looks at the parsed
document (``apiVersion`` + ``kind``, a ``services`` table, ``on`` + ``jobs``) to pick the
dialect, so each dialect's rules run only on its own files. Dialects that a path does decide
(``.github/workflows/*.yml``, ``docker-compose.yml``) are matched by path directly.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str  # the grammar package, e.g. "tree_sitter_python"
    function: str  # the function returning the language pointer
    matches: Callable[[PurePath], bool]
    comment_prefix: str = "#"
    #: The grammar family: dialects sharing a grammar (``kubernetes`` is a ``yaml`` dialect).
    family: str = ""
    #: For a family's generic member: picks the dialect from the parsed document, or None.
    refine: Callable[[PurePath | None, ts.Tree, bytes], str | None] | None = None
    #: Whether the Python-only whole-file facts (import names, module constants) apply.
    python_facts: bool = False
    #: Suppression comments may sit on the comment lines right above a statement (Dockerfile
    #: comments cannot trail an instruction, so this is the only place one can go there).
    leading_comments: bool = True


def _is_python(path: PurePath) -> bool:
    return path.suffix in {".py", ".pyi"}


def _is_dockerfile(path: PurePath) -> bool:
    name = path.name
    lower = name.lower()
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith(("Dockerfile.", "Containerfile."))
        or lower.endswith((".dockerfile", ".containerfile"))
    )


def _is_yaml(path: PurePath) -> bool:
    return path.suffix.lower() in (".yml", ".yaml")


def _is_workflow(path: PurePath) -> bool:
    parts = path.parts
    return _is_yaml(path) and len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows"


_COMPOSE_NAME = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$", re.IGNORECASE)


def _is_compose(path: PurePath) -> bool:
    return _COMPOSE_NAME.match(path.name) is not None


def _is_terraform(path: PurePath) -> bool:
    return path.suffix == ".tf"


def _never(path: PurePath) -> bool:
    """Dialects found only by content (Kubernetes manifests have no naming convention)."""
    return False


def _refine_yaml(path: PurePath | None, tree: ts.Tree, source: bytes) -> str | None:
    # Imported here: the sniffing code is YAML-specific and only needed for YAML files.
    from vigil.engine.yaml_kinds import yaml_dialect

    return yaml_dialect(path, tree, source)


_PYTHON_MODULE = "tree_sitter_python"

#: Order matters: the first spec whose path matcher accepts a file wins.
LANGUAGES: dict[str, LanguageSpec] = {
    "python": LanguageSpec("python", _PYTHON_MODULE, "language", _is_python, family="python",
                           python_facts=True, leading_comments=False),
    "dockerfile": LanguageSpec("dockerfile", "tree_sitter_dockerfile", "language", _is_dockerfile,
                               family="dockerfile"),
    "github-actions": LanguageSpec("github-actions", "tree_sitter_yaml", "language", _is_workflow,
                                   family="yaml"),
    "compose": LanguageSpec("compose", "tree_sitter_yaml", "language", _is_compose, family="yaml"),
    "kubernetes": LanguageSpec("kubernetes", "tree_sitter_yaml", "language", _never, family="yaml"),
    "yaml": LanguageSpec("yaml", "tree_sitter_yaml", "language", _is_yaml, family="yaml",
                         refine=_refine_yaml),
    "terraform": LanguageSpec("terraform", "tree_sitter_hcl", "language", _is_terraform,
                              family="terraform"),
}

#: Grammars used for code embedded in other files (shell in ``RUN`` and ``run:``); they have
#: no files or rule folders of their own.
EMBEDDED: dict[str, tuple[str, str]] = {"bash": ("tree_sitter_bash", "language")}


@cache
def _grammar(module_name: str, function: str) -> ts.Language:
    """One ``Language`` object per grammar, shared by its dialects, so a query compiled for
    ``kubernetes`` runs on a tree parsed as ``yaml``."""
    module = importlib.import_module(module_name)
    pointer = getattr(module, function)()
    with warnings.catch_warnings():
        # tree-sitter-dockerfile 0.2 returns a bare int, which py-tree-sitter 0.26 still
        # accepts but flags as deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        return ts.Language(pointer)


def get_language(name: str) -> ts.Language:
    if name in EMBEDDED:
        return _grammar(*EMBEDDED[name])
    spec = LANGUAGES[name]
    return _grammar(spec.module, spec.function)


_QUERIES: dict[tuple[int, str], ts.Query] = {}


def cached_query(language: ts.Language, source: str) -> ts.Query:
    """The engine's own small queries (imports, the taint index...), compiled once per grammar
    and text: compiling costs milliseconds, running them happens per analysis."""
    key = (id(language), source)
    query = _QUERIES.get(key)
    if query is None:
        query = _QUERIES[key] = ts.Query(language, source)
    return query


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


#: Every file name any language may match ends in one of these or starts with the prefixes
#: (see the ``_is_*`` functions above): most of a workspace is rejected without a PurePath.
_NAME_ENDINGS = (".py", ".pyi", ".yml", ".yaml", ".tf", ".dockerfile", ".containerfile")
_NAME_STARTS = ("Dockerfile", "Containerfile")


def language_for_path(path: str | PurePath) -> str | None:
    """The language of a file by its path; ``yaml`` for a YAML file whose dialect only its
    content can tell (see ``refine_language``)."""
    if isinstance(path, str):  # the workspace walk: 6,000 paths took 0.14 s of PurePath parsing
        name = os.path.basename(path)
        if not (name.lower().endswith(_NAME_ENDINGS) or name.startswith(_NAME_STARTS)):
            return None
        if name.endswith((".py", ".pyi")) and not name.startswith("."):
            return "python"
    path = PurePath(path)
    for spec in LANGUAGES.values():
        if spec.matches(path):
            return spec.name
    return None


def refine_language(language: str, path: str | PurePath | None, tree: ts.Tree, source: bytes) -> str:
    """The dialect a generic family member (``yaml``) turns out to be, judged by content;
    any other language is returned unchanged. Unrecognised YAML stays ``yaml`` (no rules)."""
    spec = LANGUAGES.get(language)
    if spec is None or spec.refine is None:
        return language
    found = spec.refine(PurePath(path) if path is not None else None, tree, source)
    return found or language


def same_family(a: str, b: str) -> bool:
    spec_a, spec_b = LANGUAGES.get(a), LANGUAGES.get(b)
    return spec_a is not None and spec_b is not None and spec_a.family == spec_b.family


def has_python_facts(language: str) -> bool:
    spec = LANGUAGES.get(language)
    return spec is not None and spec.python_facts


def language_of_tree(tree: ts.Tree) -> str:
    """Best guess of the language a tree was parsed as (for callers that did not say):
    the first registered language whose grammar is the tree's."""
    found: list[LanguageSpec] = []
    for spec in LANGUAGES.values():
        try:
            if _grammar(spec.module, spec.function) == tree.language:
                found.append(spec)
        except ImportError:
            continue
    # Prefer a family's generic member (``yaml``): its dialect is then sniffed from content.
    generic = [spec for spec in found if spec.refine is not None]
    return (generic or found)[0].name if found else "python"


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


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _is_utf8(source: bytes) -> bool:
    if source.isascii():  # the common case, and a fast C scan
        return True
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def utf8_view(source: bytes) -> bytes:
    """``source`` with every byte that is not valid UTF-8 replaced by ``?``, offsets unchanged.

    Why: py-tree-sitter 0.26 decodes node text strictly for ``#match?``; on invalid UTF-8 (a
    Latin-1 file, or a lone surrogate that an LSP client sent in a JSON string) ``matches``
    raises ``UnicodeDecodeError`` and can leave the error pending, failing later calls with
    ``SystemError``. Each invalid byte becomes one ``?``, so byte offsets still point into
    the original text (tests/robustness/test_bad_text.py).
    """
    text = source.decode("utf-8", "surrogateescape")
    return _ESCAPED_BYTE.sub("?", text).encode("utf-8")


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
    if not _is_utf8(view):
        view = utf8_view(view)
    parser = get_parser(language)
    if old_tree is None:
        return parser.parse(view)
    return parser.parse(view, old_tree)
