"""The editor-independent half of the workspace scan: list files, analyse one file.

The language server's scan (``vigil.lsp.features.workspace_scan``) runs these on its own
worker thread. They use the same discovery rules as ``vigil check`` (``.gitignore``,
``exclude``, default folder exclusions) and the same persistent cache, so a workspace that was
just checked on the command line opens with its results already known — as long as the path
strings agree (the cache key includes the path the analyser sees; the server uses absolute
paths, the CLI paths relative to the working directory).

No tree outlives ``analyse_file``: trees take ~21x the source in memory, and a workspace has
thousands of files.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vigil.cache import (
    CacheNamespace,
    ResultCache,
    policy_fingerprint,
    rules_fingerprint,
)
from vigil.cli.discovery import Walker
from vigil.cli.sources import SourceError, read_source
from vigil.config import Config
from vigil.engine.findings import Finding
from vigil.engine.languages import language_for_path
from vigil.engine.runner import Analyzer
from vigil.rules.loader import default_rule_dirs


class TooManyFiles(Exception):
    """The workspace has more files than ``maxWorkspaceFiles``."""


def iter_python_files(root: Path, config: Config, cancelled: threading.Event | None = None) -> Iterator[Path]:
    """The workspace's Python files, in a stable order, one at a time: the caller decides
    how many it keeps (the language server stops at ``maxWorkspaceFiles`` + 1 and reports
    progress while listing). Stops early once ``cancelled`` is set."""
    for candidate in Walker(config).candidates([root]):
        if cancelled is not None and cancelled.is_set():
            return
        if language_for_path(candidate.path) == "python":
            yield candidate.path


def python_files(root: Path, config: Config, limit: int | None = None,
                 cancelled: threading.Event | None = None) -> list[Path]:
    """The workspace's Python files, in a stable order. Raises ``TooManyFiles`` as soon as
    the count passes ``limit`` (a huge monorepo is not walked to the end just to be refused)."""
    found: list[Path] = []
    for path in iter_python_files(root, config, cancelled):
        found.append(path)
        if limit is not None and len(found) > limit:
            raise TooManyFiles(f"more than {limit} Python files")
    return found


def namespace_for(config: Config, ruleset_fingerprint: str, trusted: tuple[Path, ...] = ()) -> CacheNamespace:
    rule_dirs = [*default_rule_dirs(), *config.rule_dirs]
    return CacheNamespace.build(rules_fingerprint(rule_dirs, trusted), policy_fingerprint(config),
                                (ruleset_fingerprint,))


@dataclass
class FileFindings:
    path: Path
    source: bytes
    findings: list[Finding]
    cached: bool


def analyse_file(path: Path, analyzer: Analyzer, config: Config, cache: ResultCache | None,
                 namespace: CacheNamespace | None) -> FileFindings | None:
    """One file's findings from the cache or a fresh analysis; None when it cannot be read."""
    try:
        source = read_source(path, config.max_file_size)
    except SourceError:
        return None
    key = namespace.key(source.data, str(path), "python") if namespace is not None else None
    if cache is not None and key is not None:
        cached = cache.get(key)
        if cached is not None:
            return FileFindings(path, source.data, cached, True)
    analysis = analyzer.analyze(source.data, str(path), language="python")
    findings = list(analysis.findings)
    clean = not analysis.result.failures and not analysis.result.timed_out
    del analysis  # drop the tree now, not when the next file replaces it
    if cache is not None and key is not None and clean:
        cache.put(key, findings)
    return FileFindings(path, source.data, findings, False)


def batches(items: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
