"""Facts about the project a file belongs to, read from disk and cached.

Supply-chain rules need to know which top-level modules a file can import without pulling in an
unknown package: the standard library, the project's own modules, installed distributions and
declared dependencies. Version-aware rules (``torch.load`` is safe by default from torch 2.6) need
the declared version constraints. All of it is read from files only: the analysed code is never
imported and no network is used.

A keystroke must not re-read requirement files, so facts are cached per directory and
re-validated at most every ``REVALIDATE_SECONDS`` by comparing the modification times of the
files they came from (a handful of ``stat`` calls).
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from vigil.rules.checks import layout

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

REVALIDATE_SECONDS = 2.0
_MAX_DEPTH = 40
_ROOT_MARKERS = (".git", ".hg", ".svn")
_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VENV_DIRS = (".venv", "venv", "env", ".env")


def normalize(name: str) -> str:
    """PEP 503-style normalisation, with ``_`` so it compares to import names."""
    return re.sub(r"[-_.]+", "_", name).lower()


@dataclass
class ProjectFacts:
    """What one directory's project declares and contains."""

    root: Path | None = None
    #: normalised distribution name -> version specifier text ("" when unpinned)
    declared: dict[str, str] = field(default_factory=dict)
    #: importable top-level names found in the workspace (modules, packages, src/ layout, venv)
    local_modules: set[str] = field(default_factory=set)
    #: names the project says are its own (project name, isort/ruff known-first-party)
    first_party: set[str] = field(default_factory=set)
    #: files/directories whose modification time the facts depend on
    sources: dict[Path, int] = field(default_factory=dict)

    @property
    def has_declarations(self) -> bool:
        return bool(self.declared)


# --- reading declarations ---------------------------------------------------------------


def requirement_name(line: str) -> str | None:
    """Distribution name of one requirements line, or None for options and comments."""
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    egg = _EGG_RE.search(line)
    if egg:
        return egg.group(1)
    if line.startswith("-"):
        return None
    if "://" in line and "@" not in line:
        return None
    found = _NAME_RE.match(line)
    return found.group(1) if found else None


def _specifier(line: str, name: str) -> str:
    rest = line.split(";", 1)[0].strip()[len(name):].strip()
    if rest.startswith("["):
        rest = rest.split("]", 1)[-1].strip()
    return rest


def parse_requirements(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        name = requirement_name(raw)
        if name:
            line = raw.split(" #", 1)[0].strip()
            out[normalize(name)] = "" if _EGG_RE.search(line) else _specifier(line, name)
    return out


def _dependency_strings(data: dict[str, Any]) -> Iterator[str]:
    project = data.get("project", {})
    if isinstance(project, dict):
        yield from _strings(project.get("dependencies"))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                yield from _strings(group)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            yield from _strings(group)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return
    uv = tool.get("uv", {})
    if isinstance(uv, dict):
        yield from _strings(uv.get("dev-dependencies"))
    pdm = tool.get("pdm", {})
    if isinstance(pdm, dict) and isinstance(pdm.get("dev-dependencies"), dict):
        for group in pdm["dev-dependencies"].values():
            yield from _strings(group)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def _poetry(data: dict[str, Any]) -> dict[str, str]:
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(poetry, dict):
        return {}
    tables: list[Any] = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables.extend(g.get("dependencies") for g in groups.values() if isinstance(g, dict))
    out: dict[str, str] = {}
    for table in tables:
        if isinstance(table, dict):
            for name, spec in table.items():
                if name.lower() != "python":
                    out[normalize(name)] = spec if isinstance(spec, str) else ""
    return out


def parse_pyproject(text: str) -> tuple[dict[str, str], set[str]]:
    """(declared dependencies, first-party names) of a ``pyproject.toml``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}, set()
    declared = parse_requirements("\n".join(_dependency_strings(data)))
    declared.update(_poetry(data))
    first_party: set[str] = set()
    project = data.get("project", {})
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    names = [project.get("name") if isinstance(project, dict) else None]
    poetry = tool.get("poetry", {})
    names.append(poetry.get("name") if isinstance(poetry, dict) else None)
    first_party.update(normalize(n) for n in names if isinstance(n, str))
    isort = tool.get("isort", {})
    ruff = tool.get("ruff", {})
    lint = ruff.get("lint", ruff) if isinstance(ruff, dict) else {}
    ruff_isort = lint.get("isort", {}) if isinstance(lint, dict) else {}
    for table, key in ((isort, "known_first_party"), (ruff_isort, "known-first-party")):
        if isinstance(table, dict):
            first_party.update(normalize(n) for n in _strings(table.get(key)))
    return declared, first_party


def parse_setup_cfg(text: str) -> dict[str, str]:
    """``install_requires`` (and extras) of a setup.cfg, without configparser's interpolation."""
    lines: list[str] = []
    collecting = False
    for raw in text.splitlines():
        stripped = raw.strip()
        if re.match(r"^(install_requires|tests_require)\s*=", stripped):
            collecting = True
            lines.append(stripped.split("=", 1)[1])
            continue
        if collecting and raw[:1] in (" ", "\t") and stripped:
            lines.append(stripped)
            continue
        collecting = False
    return parse_requirements("\n".join(lines))


def parse_pipfile(text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    out: dict[str, str] = {}
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        if isinstance(table, dict):
            for name, spec in table.items():
                out[normalize(name)] = spec if isinstance(spec, str) and spec != "*" else ""
    return out


# --- walking the workspace --------------------------------------------------------------


def find_root(start: Path) -> Path:
    """The project root for a directory: the nearest VCS root above it, else the top-most
    directory holding a project file, else the directory itself."""
    top_project: Path | None = None
    current = start
    for _ in range(_MAX_DEPTH):
        if any((current / marker).exists() for marker in _ROOT_MARKERS):
            return current
        if any((current / name).is_file() for name in _PROJECT_FILES):
            top_project = current
        if current.parent == current:
            break
        current = current.parent
    return top_project or start


def _chain(start: Path, root: Path) -> list[Path]:
    chain = [start]
    current = start
    while current != root and current.parent != current and len(chain) < _MAX_DEPTH:
        current = current.parent
        chain.append(current)
    return chain


def _module_names(directory: Path) -> Iterator[str]:
    """Top-level import names provided by the entries of a directory."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if entry.is_dir():
            if _IDENT_RE.match(name):  # packages and namespace packages
                yield name
        else:
            stem = name.split(".", 1)[0]
            if name.endswith((".py", ".pyi", ".so", ".pyd")) and _IDENT_RE.match(stem):
                yield stem


def _site_packages(root: Path) -> Iterator[Path]:
    for venv in _VENV_DIRS:
        lib = root / venv / "lib"
        if lib.is_dir():
            yield from lib.glob("python*/site-packages")
        windows = root / venv / "Lib" / "site-packages"
        if windows.is_dir():
            yield windows


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _requirement_files(directory: Path) -> Iterator[Path]:
    yield from sorted(directory.glob("requirements*.txt"))
    yield from sorted(directory.glob("requirements/*.txt"))
    yield from sorted(directory.glob("*requirements*.in"))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _add_layout(facts: ProjectFacts, directory: Path, file_name: str, text: str) -> None:
    """Packages the build backend builds are first-party, wherever they live (``server/vigil``
    declared by hatch, setuptools' ``package-dir``, Poetry's ``from``): code elsewhere in the
    project (scripts, benchmarks) imports them without any dependency declaring them."""
    reader = layout.READERS.get(file_name)
    if reader is None:
        return
    found = reader(text)
    facts.first_party.update(normalize(n) for n in found.names)
    for folder in layout.source_directories(directory, found):
        facts.sources[folder] = _mtime(folder)
        facts.local_modules.update(_module_names(folder))


def build_facts(start: Path) -> ProjectFacts:
    """Read everything ``start`` (a directory) can see between itself and its project root."""
    root = find_root(start)
    facts = ProjectFacts(root=root)
    for directory in _chain(start, root):
        facts.sources[directory] = _mtime(directory)
        facts.local_modules.update(_module_names(directory))
        src = directory / "src"
        if src.is_dir():
            facts.sources[src] = _mtime(src)
            facts.local_modules.update(_module_names(src))
        for name in _PROJECT_FILES:
            path = directory / name
            text = _read(path) if path.is_file() else None
            if text is None:
                continue
            facts.sources[path] = _mtime(path)
            _add_layout(facts, directory, name, text)
            if name == "pyproject.toml":
                declared, first_party = parse_pyproject(text)
                facts.declared.update(declared)
                facts.first_party.update(first_party)
            elif name == "setup.cfg":
                facts.declared.update(parse_setup_cfg(text))
            elif name == "Pipfile":
                facts.declared.update(parse_pipfile(text))
        for path in _requirement_files(directory):
            text = _read(path)
            if text is not None:
                facts.sources[path] = _mtime(path)
                facts.declared.update(parse_requirements(text))
    for site in _site_packages(root):
        facts.sources[site] = _mtime(site)
        facts.local_modules.update(_module_names(site))
    installed = _installed_distribution(start)
    if installed is not None:
        facts.declared.update(installed)
    return facts


_SITE_DIRS = ("site-packages", "dist-packages")


def _installed_distribution(start: Path) -> dict[str, str] | None:
    """For code inside an installed ``site-packages`` tree (vendored or scanned libraries), the
    owning distribution's ``Requires-Dist`` (extras included) is its declaration of dependencies,
    just as ``pyproject.toml`` is for a checkout: ``import h2`` in urllib3 is declared by its
    ``http2`` extra. None when ``start`` is not inside such a tree."""
    parts = start.parts
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] in _SITE_DIRS and index + 1 < len(parts):
            return dict(_requirements_by_top_level(Path(*parts[: index + 1])).get(parts[index + 1], {}))
    return None


@lru_cache(maxsize=8)
def _requirements_by_top_level(site: Path) -> dict[str, dict[str, str]]:
    """Top-level package -> declared requirements of the distribution that installed it."""
    out: dict[str, dict[str, str]] = {}
    for info in sorted(site.glob("*.dist-info")):
        metadata = _read(info / "METADATA")
        record = _read(info / "RECORD")
        if metadata is None or record is None:
            continue
        requires = [line.split(":", 1)[1].split(";", 1)[0] for line in metadata.splitlines()
                    if line.startswith("Requires-Dist:")]
        declared = parse_requirements("\n".join(requires))
        tops = {line.split("/", 1)[0] for line in record.splitlines() if "/" in line.split(",", 1)[0]}
        for top in tops:
            if _IDENT_RE.match(top):
                out.setdefault(top, {}).update(declared)
    return out


@dataclass
class _Entry:
    facts: ProjectFacts
    checked: float


class FactsCache:
    """Per-directory ``ProjectFacts``, re-validated by modification times."""

    def __init__(self, revalidate_seconds: float = REVALIDATE_SECONDS, max_entries: int = 256) -> None:
        self.revalidate_seconds = revalidate_seconds
        self.max_entries = max_entries
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()
        self.builds = 0  # how many times facts were (re)built: lets tests see the cache work

    def get(self, directory: Path) -> ProjectFacts:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(directory)
            if entry is not None and now - entry.checked < self.revalidate_seconds:
                return entry.facts
        if entry is not None and all(_mtime(p) == m for p, m in entry.facts.sources.items()):
            with self._lock:
                entry.checked = now
            return entry.facts
        facts = build_facts(directory)
        with self._lock:
            self.builds += 1
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[directory] = _Entry(facts, now)
        return facts

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = FactsCache()


def facts_for(path: str | None) -> ProjectFacts | None:
    """Facts for the project of a file path (relative paths are taken from the working
    directory, as the CLI passes them); None when the file has no path (an untitled buffer)."""
    if not path:
        return None
    directory = Path(path).absolute().parent
    for _ in range(_MAX_DEPTH):
        if directory.is_dir() or directory.parent == directory:
            break
        directory = directory.parent
    return CACHE.get(directory)


@lru_cache(maxsize=1)
def installed_modules() -> frozenset[str]:
    """Top-level modules provided by distributions installed in Vigil's own interpreter."""
    try:
        return frozenset(importlib.metadata.packages_distributions())
    except (OSError, ValueError, KeyError):  # a broken dist-info must not take the rule down
        return frozenset()


def minimum_version(specifier: str) -> tuple[int, ...] | None:
    """The lowest version a specifier allows, when it states one (``>=2.6``, ``==2.7.1``,
    ``~=2.6``, poetry's ``^2.6``); None when unbounded below."""
    best: tuple[int, ...] | None = None
    for part in re.split(r"[,|]", specifier):
        found = re.match(r"\s*(>=|==|~=|\^|>|===)\s*v?(\d+(?:\.\d+)*)", part)
        if not found:
            continue
        version = tuple(int(x) for x in found.group(2).split("."))
        if best is None or version > best:
            best = version
    return best

