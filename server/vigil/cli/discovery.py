"""Which files ``vigil check`` looks at.

Directories are walked recursively, honouring ``.gitignore`` files (the root one, nested ones
and those of parent folders up to the repository root, plus ``.git/info/exclude``), the
project's ``exclude`` patterns and a built-in list of folders nobody wants scanned (virtualenvs,
caches, ``node_modules``). Paths named on the command line are always checked, like Ruff: an
explicit file is never excluded, and an explicit directory is walked even when a pattern would
exclude it (patterns still apply to what is inside it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pathspec

from vigil.config import Config
from vigil.engine.languages import language_for_path

#: Folders skipped everywhere (Ruff's default exclusions, minus ones that hold real code).
DEFAULT_EXCLUDED_DIRS = frozenset({
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox",
    ".venv", ".vscode", "__pypackages__", "__pycache__", "_build", "buck-out", "node_modules",
    "site-packages", "venv",
})


@dataclass(frozen=True)
class Candidate:
    """A file to analyse. ``explicit`` files were named on the command line."""

    path: Path
    explicit: bool


@dataclass(frozen=True)
class _Ignore:
    """The patterns of one ignore file, anchored at the folder that holds it."""

    base: Path
    spec: pathspec.GitIgnoreSpec

    @cached_property
    def prefix(self) -> str:
        """``base`` as a string ending in ``/``: relative paths are cut off walked paths by
        string slicing; ``Path.relative_to`` per file and ignore file was most of the walk's
        time on 100k files."""
        return os.path.join(str(self.base), "")

    def check(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matched
        (or ``path``, an absolute path as ``os.scandir`` spells it, is not under ``base``)."""
        prefix = self.prefix
        if not path.startswith(prefix) or len(path) == len(prefix):
            return None
        relative = path[len(prefix):]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        return self.spec.check_file(relative + "/" if is_dir else relative).include


def _read_ignore(path: Path, base: Path) -> _Ignore | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        return _Ignore(base, pathspec.GitIgnoreSpec.from_lines(lines))
    except ValueError:  # a malformed pattern must not stop the scan; git ignores those too
        return None


def _without_matching(ignore: _Ignore, folder: Path) -> _Ignore:
    """Drop the patterns that exclude ``folder`` itself or one of its parents: the user named
    ``folder`` explicitly, so it is scanned; the other patterns still apply inside it."""
    chain = [folder, *folder.parents]
    kept = []
    for pattern in ignore.spec.patterns:
        if pattern.include is True and any(_matches(pattern, ignore.base, p) for p in chain):
            continue
        kept.append(pattern)
    return _Ignore(ignore.base, pathspec.GitIgnoreSpec(kept))


def _matches(pattern: pathspec.Pattern, base: Path, folder: Path) -> bool:
    try:
        relative = folder.relative_to(base).as_posix()
    except ValueError:
        return False
    if relative in ("", "."):
        return False
    return pattern.match_file(relative + "/") is not None


def _repository_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


class Walker:
    """Expands command-line paths into candidate files."""

    def __init__(self, config: Config, respect_gitignore: bool = True) -> None:
        self.config = config
        self.respect_gitignore = respect_gitignore

    def _parent_ignores(self, folder: Path) -> list[_Ignore]:
        """Ignore files above ``folder`` (up to the repository root), outermost first."""
        if not self.respect_gitignore:
            return []
        root = _repository_root(folder)
        if root is None:
            return []
        found: list[_Ignore] = []
        info = _read_ignore(root / ".git" / "info" / "exclude", root)
        if info is not None:
            found.append(info)
        chain = [p for p in (folder, *folder.parents) if p == root or root in p.parents]
        for directory in reversed(chain[1:]):  # parents of folder, from the repository root down
            ignore = _read_ignore(directory / ".gitignore", directory)
            if ignore is not None:
                found.append(ignore)
        return found

    def candidates(self, paths: Sequence[Path]) -> Iterator[Candidate]:
        """Each file once, even when the paths overlap (``vigil check src src/pkg``). One path
        cannot overlap itself, so its walk keeps no set of every file seen (100k ``Path``
        objects, ~30 MiB, for the language server's workspace scan)."""
        seen: set[Path] = set()
        overlap_possible = len(paths) > 1
        for raw in paths:
            path = Path(os.path.abspath(raw))
            if path.is_dir():
                for candidate in self._walk(path):
                    key = candidate.path
                    if not overlap_possible:
                        yield candidate
                    elif key not in seen:
                        seen.add(key)
                        yield candidate
            elif path not in seen:
                seen.add(path)
                yield Candidate(path, explicit=True)

    def _walk(self, top: Path) -> Iterator[Candidate]:
        ignores = [_without_matching(i, top) for i in self._parent_ignores(top)]
        config = self.config
        exclude = config.exclude and config.root is not None
        exclude_spec = None
        if exclude:
            exclude_spec = _without_matching(
                _Ignore(config.root, pathspec.GitIgnoreSpec.from_lines(config.exclude)), top  # type: ignore[arg-type]
            )
        yield from self._walk_dir(top, ignores, exclude_spec)

    def _ignored(self, path: str, is_dir: bool, ignores: list[_Ignore], exclude: _Ignore | None) -> bool:
        if exclude is not None and exclude.check(path, is_dir):
            return True
        for ignore in reversed(ignores):  # the deepest ignore file that has an opinion decides
            verdict = ignore.check(path, is_dir)
            if verdict is not None:
                return verdict
        return False

    def _walk_dir(self, top: Path, ignores: list[_Ignore], exclude: _Ignore | None) -> Iterator[Candidate]:
        """Depth-first, files of a folder (sorted by name) before its sub-folders, like the
        recursive walk it replaces, but with an explicit stack: a recursive generator re-enters
        one frame per level for every file it yields (O(depth) per file) and overflows Python's
        recursion limit on trees ~1,000 folders deep. Excluded and ignored folders are pruned
        before they are listed."""
        stack: list[tuple[str, list[_Ignore]]] = [(str(top), ignores)]
        while stack:
            folder, inherited = stack.pop()
            if self.respect_gitignore:
                own = _read_ignore(Path(folder, ".gitignore"), Path(folder))
                if own is not None:
                    inherited = [*inherited, own]
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue
            subdirs: list[str] = []
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name in DEFAULT_EXCLUDED_DIRS or _is_virtualenv(Path(entry.path)):
                        continue
                    if not self._ignored(entry.path, True, inherited, exclude):
                        subdirs.append(entry.path)
                    continue
                if language_for_path(entry.path) is None:
                    continue
                # Symlinks are yielded unresolved: a dangling one is reported when it is read.
                if not self._ignored(entry.path, False, inherited, exclude):
                    yield Candidate(Path(entry.path), explicit=False)
            stack.extend((sub, inherited) for sub in reversed(subdirs))
