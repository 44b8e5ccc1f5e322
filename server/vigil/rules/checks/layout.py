"""Which top-level packages a project builds, read from its build-backend configuration.

A project's own package often does not sit next to the code that imports it: Vigil itself lives
under ``server/vigil`` and is declared with ``[tool.hatch.build.targets.wheel] packages``; other
projects use setuptools' ``package-dir = {"" = "lib"}``, Poetry's ``packages = [{include, from}]``
or a ``src/`` folder. A script in ``scripts/`` importing that package is importing first-party
code, and the supply-chain rules must not call it a possibly hallucinated dependency. Only files
are read (``pyproject.toml``, ``setup.cfg``, ``setup.py`` as text); nothing is executed.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Layout:
    """First-party import names and the folders packages are built from (relative paths)."""

    names: set[str] = field(default_factory=set)
    source_dirs: set[str] = field(default_factory=set)

    def update(self, other: Layout) -> None:
        self.names |= other.names
        self.source_dirs |= other.source_dirs


def _top_name(spec: str) -> str | None:
    """``server/vigil`` -> ``vigil``; ``acme.billing`` -> ``acme``; ``acme*`` -> ``acme``;
    ``tool.py`` -> ``tool``. Path-like specs name the package by their last component."""
    parts = [p for p in spec.strip().replace("\\", "/").split("/") if p]
    while parts and parts[-1].startswith("*"):  # Poetry's "acme/**/*.py" globs
        parts.pop()
    if not parts:
        return None
    spec = parts[-1].removesuffix(".py").split(".", 1)[0].rstrip("*")
    return spec if _IDENT.match(spec) else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _names(specs: Iterator[str]) -> set[str]:
    return {n for n in (_top_name(s) for s in specs) if n is not None}


def _path_names(specs: Iterator[str]) -> set[str]:
    """Names from a list of paths that may also hold data files (``README.md``, ``py.typed``)."""
    return _names(s for s in specs if "." not in PurePosixPath(s.rstrip("/")).name or s.endswith(".py"))


def _hatch(tool: dict[str, Any]) -> Layout:
    layout = Layout()
    for table in (_table(tool, "hatch", "build"), _table(tool, "hatch", "build", "targets", "wheel")):
        layout.names |= _names(_strings(table.get("packages")))
        layout.names |= _path_names(_strings(table.get("only-include")))
        sources = table.get("sources")
        if isinstance(sources, list):
            layout.source_dirs.update(s for s in sources if isinstance(s, str))
        elif isinstance(sources, dict):
            layout.source_dirs.update(k for k in sources if isinstance(k, str) and k)
    return layout


def _setuptools(tool: dict[str, Any]) -> Layout:
    layout = Layout()
    table = _table(tool, "setuptools")
    layout.names |= _names(_strings(table.get("packages")))
    layout.names |= _names(_strings(table.get("py-modules")))
    package_dir = table.get("package-dir")
    if isinstance(package_dir, dict):
        for package, folder in package_dir.items():
            if package == "" and isinstance(folder, str):
                layout.source_dirs.add(folder)
            elif isinstance(package, str):
                layout.names |= _names(iter([package]))
    find = _table(tool, "setuptools", "packages", "find")
    layout.source_dirs.update(_strings(find.get("where")))
    layout.names |= _names(s for s in _strings(find.get("include")) if s.strip("*."))
    return layout


def _others(tool: dict[str, Any]) -> Layout:
    """Flit, Poetry, PDM and maturin."""
    layout = Layout()
    flit = _table(tool, "flit", "module")
    layout.names |= _names(_strings(flit.get("name")))
    packages = _table(tool, "poetry").get("packages")
    if isinstance(packages, list):
        for entry in packages:
            if isinstance(entry, dict):
                layout.names |= _names(_strings(entry.get("include")))
                layout.source_dirs.update(_strings(entry.get("from")))
    pdm = _table(tool, "pdm", "build")
    layout.source_dirs.update(_strings(pdm.get("package-dir")))
    layout.names |= _path_names(_strings(pdm.get("includes")))
    maturin = _table(tool, "maturin")
    layout.names |= _names(_strings(maturin.get("module-name")))
    layout.source_dirs.update(_strings(maturin.get("python-source")))
    return layout


def pyproject_layout(text: str) -> Layout:
    """The packages a ``pyproject.toml`` builds, whatever its build backend."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Layout()
    tool = _table(data, "tool")
    layout = _hatch(tool)
    layout.update(_setuptools(tool))
    layout.update(_others(tool))
    return layout


def _cfg_list(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\n]", value) if item.strip()]


def setup_cfg_layout(text: str) -> Layout:
    """``[options] packages / py_modules / package_dir`` and ``[options.packages.find] where``."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return Layout()
    layout = Layout()
    if parser.has_section("options"):
        options = parser["options"]
        packages = options.get("packages", "")
        if not packages.strip().startswith("find"):
            layout.names |= _names(iter(_cfg_list(packages)))
        layout.names |= _names(iter(_cfg_list(options.get("py_modules", ""))))
        for item in _cfg_list(options.get("package_dir", "")):
            package, _, folder = item.partition("=")
            if package.strip():
                layout.names |= _names(iter([package]))
            elif folder.strip():
                layout.source_dirs.add(folder.strip())
    if parser.has_section("options.packages.find"):
        layout.source_dirs.update(_cfg_list(parser["options.packages.find"].get("where", "")))
    return layout


_SETUP_PY_DIR = re.compile(r"""package_dir\s*=\s*\{\s*(['"])\1\s*:\s*['"]([^'"]+)['"]""")
_SETUP_PY_FIND = re.compile(r"""find_(?:namespace_)?packages\(\s*(?:where\s*=\s*)?['"]([^'"]+)['"]""")
_SETUP_PY_LIST = re.compile(r"""\b(?:packages|py_modules)\s*=\s*\[([^\]]*)\]""")
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


def setup_py_layout(text: str) -> Layout:
    """Literal ``packages=[...]``, ``py_modules=[...]``, ``package_dir={"": "src"}`` and
    ``find_packages("src")`` in a ``setup.py``, read as text (it is never run)."""
    layout = Layout()
    layout.source_dirs.update(m.group(2) for m in _SETUP_PY_DIR.finditer(text))
    layout.source_dirs.update(m.group(1) for m in _SETUP_PY_FIND.finditer(text))
    for found in _SETUP_PY_LIST.finditer(text):
        layout.names |= _names(m.group(1) for m in _QUOTED.finditer(found.group(1)))
    return layout


READERS = {"pyproject.toml": pyproject_layout, "setup.cfg": setup_cfg_layout, "setup.py": setup_py_layout}


def source_directories(directory: Path, layout: Layout) -> Iterator[Path]:
    """The declared source folders that exist, kept inside ``directory`` (no ``..`` escapes)."""
    base = directory.resolve()
    for relative in sorted(layout.source_dirs):
        candidate = (directory / relative).resolve()
        if candidate != base and base in candidate.parents and candidate.is_dir():
            yield candidate
