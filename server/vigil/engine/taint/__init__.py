"""Intra-file taint analysis: does untrusted data reach this argument?

Rules stay ordinary query rules: the query matches the sink call and captures the dangerous
argument (``@sink``); a check in ``vigil.rules.checks.taint`` asks :func:`tainted_by` whether that
argument carries data from a source, for the rule's vulnerability class (sanitizers are per
class). Sources, sanitizers and guards are data: ``queries/python/_taint/*.toml`` plus the
``_taint`` folders of extra rule directories.

Per-file state (:class:`FileTaint`) is memoised per tree, so all sinks of an analysis run share
one analysis per function.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts

from vigil.engine.names import ModuleNames
from vigil.engine.taint.model import ALL, Fact, SpecError, Step, TaintSpec, load_spec
from vigil.engine.taint.presence import may_have_sources
from vigil.engine.taint.summaries import FileTaint, FunctionInfo

__all__ = [
    "ALL", "FileTaint", "FunctionInfo", "SpecError", "TaintPath", "TaintSpec", "bundled_spec_dir",
    "file_taint", "spec_for", "tainted_by",
]

#: Trees are ~21x their source in memory: keep only the current file and the previous one
#: (the memo exists for the sinks of ONE analysis run; workspace scans must not pile up trees).
_CACHE_SIZE = 2
_cache: OrderedDict[int, FileTaint] = OrderedDict()
_cache_lock = threading.Lock()
_specs: dict[tuple[tuple[str, float], ...], TaintSpec] = {}


def bundled_spec_dir() -> Path:
    package_dir = Path(__file__).resolve().parents[2]
    repo = package_dir.parent.parent / "queries" / "python" / "_taint"
    if repo.is_dir():
        return repo
    return package_dir / "queries" / "python" / "_taint"


def spec_files(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    files: list[Path] = []
    for directory in [bundled_spec_dir(), *extra_dirs]:
        if directory.is_dir():
            files.extend(sorted(directory.glob("*.toml")))
    return files


_RECHECK_SECONDS = 2.0
_recent: dict[tuple[str, ...], tuple[float, TaintSpec]] = {}


def spec_for(extra_dirs: Sequence[Path] = ()) -> TaintSpec:
    """The merged spec (bundled + extensions), re-read when a file changes.

    The folders are re-listed at most every two seconds: checks call this once per sink, and
    a stat() per file per sink was measurable on files with many sinks.
    """
    dirs_key = tuple(str(d) for d in extra_dirs)
    now = time.monotonic()
    recent = _recent.get(dirs_key)
    if recent is not None and now - recent[0] < _RECHECK_SECONDS:
        return recent[1]
    files = spec_files(extra_dirs)
    key = tuple((str(f), f.stat().st_mtime) for f in files)
    spec = _specs.get(key)
    if spec is None:
        spec = _specs[key] = load_spec(files)
    _recent[dirs_key] = (now, spec)
    return spec


def file_taint(tree: ts.Tree, source: bytes, names: ModuleNames, spec: TaintSpec,
               path: str | None = None) -> FileTaint:
    """The shared per-file state for this exact tree (created on first use)."""
    with _cache_lock:
        found = _cache.get(id(tree))
        if found is not None and found.tree is tree and found.spec is spec and found.source == source:
            _cache.move_to_end(id(tree))
            return found
        created = FileTaint(tree, source, names, spec, path)
        _cache[id(tree)] = created
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return created


@dataclass(frozen=True)
class TaintPath:
    """One way untrusted data reaches a sink: the source fact and its steps."""

    fact: Fact

    @property
    def label(self) -> str:
        return self.fact.label

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.fact.trace


def tainted_by(state: FileTaint, node: ts.Node, vuln_class: str, labels: frozenset[str],
               shallow: bool = False) -> list[TaintPath]:
    """Paths by which data with one of ``labels`` reaches ``node`` unsanitised for
    ``vuln_class``. ``shallow`` only looks at the value itself and its ``$where`` part, not at
    the values nested inside it (a Mongo filter dict whose field values are strings is safe).
    A file in which no source can occur has no paths (``presence.py``)."""
    if not may_have_sources(state):
        return []
    found = state.value_at(node)
    if found is None:
        return []
    value, info = found
    if shallow:
        taint = value.taint
        if value.fields and "['$where']" in value.fields:
            taint = taint + value.fields["['$where']"].whole()
    else:
        taint = value.whole()
    concrete = state.concrete(taint, info)
    return [TaintPath(f) for f in concrete if f.reaches(vuln_class, labels)]
