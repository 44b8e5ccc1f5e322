"""Real Python code for the benchmarks, chosen deterministically and generated at run time.

Documents of ~1k/10k/50k lines are whole modules of the installed standard library
concatenated (never one snippet repeated: repetition flatters caches and tree-sitter), picked
by a seeded shuffle so every run and every machine with the same Python picks the same ones.
Only modules that tree-sitter parses without an error are used, so the unedited document is
clean and every error a benchmark sees comes from its own edits. Files are written to a cache
folder (``$VIGIL_BENCH_CACHE`` or the system temp folder), never into the repository.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from vigil.engine.languages import parse  # noqa: E402

SEED = 8  # GitHub issue 8
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
#: Standard library folders that are tests, data or vendored code rather than modules.
_SKIP_DIRS = {"test", "tests", "idlelib", "lib2to3", "site-packages", "__pycache__", "turtledemo",
              "ensurepip", "tkinter", "config-3.11-x86_64-linux-gnu"}


def cache_dir() -> Path:
    path = Path(os.environ.get("VIGIL_BENCH_CACHE") or Path(tempfile.gettempdir()) / "vigil-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Module:
    path: Path
    text: str
    lines: int


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


@cache
def stdlib_modules() -> tuple[Module, ...]:
    """Every clean-parsing UTF-8 module of the standard library, in a seeded shuffled order."""
    modules: list[Module] = []
    for path in sorted(STDLIB.rglob("*.py")):
        rel = path.relative_to(STDLIB)
        if any(part in _SKIP_DIRS for part in rel.parts[:-1]) or rel.name.startswith("_sysconfigdata"):
            continue
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "\f" in text or "\r" in text or not text.strip():
            continue  # keep line arithmetic on the client side trivial
        if parse(raw, "python").root_node.has_error:
            continue
        modules.append(Module(path, text if text.endswith("\n") else text + "\n", _line_count(text)))
    random.Random(SEED).shuffle(modules)
    return tuple(modules)


def _has_import_header(module: Module) -> bool:
    head = module.text.splitlines()[:80]
    return any(line.startswith(("import ", "from ")) for line in head)


def select_modules(target_lines: int, exclude: frozenset[Path] = frozenset()) -> list[Module]:
    """Modules adding up to about ``target_lines`` (within 5%), none above half the target so
    each document mixes several modules; the first one starts with an import block."""
    limit = max(60, target_lines // 2)
    chosen: list[Module] = []
    total = 0
    candidates = [m for m in stdlib_modules() if m.path not in exclude and 20 <= m.lines <= limit]
    first = next(m for m in candidates if _has_import_header(m) and m.lines <= target_lines // 2 + 1)
    chosen.append(first)
    total = first.lines
    for module in candidates:
        if total >= target_lines * 0.98:
            break
        if module is first or total + module.lines > target_lines * 1.05:
            continue
        chosen.append(module)
        total += module.lines
    return chosen


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    lines: int
    modules: tuple[str, ...]


def build_document(target_lines: int) -> Document:
    """A ``bench_<n>.py`` of concatenated real modules, cached by content."""
    modules = select_modules(target_lines)
    text = "".join(m.text + "\n\n" for m in modules)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    path = cache_dir() / f"doc_{target_lines}_{digest}" / f"bench_{target_lines}.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    names = tuple(str(m.path.relative_to(STDLIB)) for m in modules)
    return Document(path, text, _line_count(text), names)


def paste_block(lines: int = 50, exclude: frozenset[Path] = frozenset()) -> str:
    """A real top-level function of about ``lines`` lines (45..55) from a module not in the
    document: what a developer pastes."""
    for module in stdlib_modules():
        if module.path in exclude:
            continue
        tree = parse(module.text.encode(), "python")
        for node in tree.root_node.named_children:
            if node.type != "function_definition":
                continue
            size = node.end_point.row - node.start_point.row + 1
            if abs(size - lines) <= 5:
                return module.text.encode()[node.start_byte:node.end_byte].decode() + "\n"
    raise RuntimeError(f"no {lines}-line top-level function in the standard library")


def workspace_files(limit: int | None = None) -> list[Path]:
    """Python files of the installed site-packages (sorted; the workspace-scan corpus)."""
    files = sorted(p for p in SITE_PACKAGES.rglob("*.py") if p.is_file())
    return files[:limit] if limit is not None else files


def real_files(count: int, exclude: tuple[str, ...] = ()) -> list[Path]:
    """``count`` real, clean-parsing standard-library files (for the memory benchmark);
    ``exclude`` lists paths relative to the standard library."""
    skip = {STDLIB / name for name in exclude}
    return [m.path for m in stdlib_modules() if m.path not in skip][:count]
