"""Persistent per-file result cache shared by ``vigil check`` and the language server.

Why this shape:

* **JSON only, never pickle.** diskcache pickles any value that is not ``bytes``/``str``/number
  and unpickles rows whose mode says "pickle". A security tool must not execute whatever a
  planted cache row contains, so ``JSONOnlyDisk`` refuses to store anything but ``bytes`` and
  refuses to fetch pickled rows or non-raw keys; values are ``json.dumps`` bytes of
  ``Finding.to_json``.
* **Keyed by everything that decides the result**: the file's bytes, the path string handed to
  the analyser (test-file severity and per-path ignores depend on it), the rule files, the
  engine's own code, Vigil's version and the policy (select / ignore / severities). Results are
  cached *after* the policy is applied: a Python check may lower a finding's severity in test
  files, which cannot be replayed on raw findings without re-running the check.
* **Self-healing.** A cache that cannot be opened (corrupt database, unreadable or read-only
  folder, full disk) is bypassed for the rest of the process with ONE log line; a row that
  does not decode is dropped and counted as a miss. The cache only ever makes a scan faster;
  it never makes one fail.
* **Flags** (``set_flag``/``has_flag``) record facts about a whole namespace rather than one
  file: ``vigil check`` marks a namespace whose rules it loaded without errors, so a later
  fully cached run may skip loading them (``vigil.cli.check``).
* **Several processes at once**: diskcache keeps its index in SQLite (WAL mode), which
  serialises writers across processes; each process opens its own ``ResultCache``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE, UNKNOWN

from vigil import __version__
from vigil.engine.findings import Finding

log = logging.getLogger(__name__)

ENV_VAR = "VIGIL_CACHE_DIR"
#: Bounded so a long-lived developer machine does not grow the cache forever; ~1 KB per file
#: with findings, far less without, so this holds results for hundreds of thousands of files.
DEFAULT_SIZE_LIMIT = 256 * 1024 * 1024
#: Layout of the stored JSON; bump when it changes (old rows then simply miss).
FORMAT_VERSION = 1
#: Seconds SQLite waits for another process's write lock before this read/write is skipped.
LOCK_TIMEOUT = 5.0


class UnsafeCacheEntry(Exception):
    """A row diskcache would have unpickled (planted or written by a foreign tool)."""


class JSONOnlyDisk(diskcache.Disk):
    """A diskcache ``Disk`` that stores and returns ``bytes`` only and never unpickles."""

    def put(self, key: Any) -> tuple[Any, bool]:
        if not isinstance(key, str):
            raise TypeError("cache keys must be strings")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise UnsafeCacheEntry("refusing to unpickle a cache key")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[int, int, str | None, Any]:
        if read or type(value) is not bytes:
            raise TypeError("only bytes (JSON) values may be cached")
        return super().store(value, read, key=key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise UnsafeCacheEntry("refusing to unpickle a cache entry")
        if filename is not None and not self._inside(filename):
            raise UnsafeCacheEntry("cache entry points outside the cache folder")
        return super().fetch(mode, filename, value, read)

    def remove(self, file_path: str) -> None:
        """Eviction deletes value files; a planted row must not make it delete other files."""
        if self._inside(file_path):
            super().remove(file_path)

    def _inside(self, relative: str) -> bool:
        root = os.path.realpath(self._directory)
        full = os.path.realpath(os.path.join(root, relative))
        return full.startswith(root + os.sep)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$VIGIL_CACHE_DIR``, else the platform's per-user cache folder (what ``platformdirs``
    computes, written out here to avoid a dependency for four lines)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "vigil" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "vigil"
    xdg = env.get("XDG_CACHE_HOME")
    base_dir = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base_dir / "vigil"


def resolve_cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The command-line option or editor setting wins, then the environment, then the default."""
    if explicit:
        return Path(explicit).expanduser()
    return default_cache_dir()


@cache
def _code_fingerprint() -> str:
    """Vigil's version plus the size and mtime of its own Python files: a development checkout
    edits checks without bumping the version, and stale results would be silently wrong."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        try:
            info = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Vigil's version and code (computed once per process), for other keys into this cache."""
    return _code_fingerprint()


def rules_fingerprint(directories: Iterable[Path], trusted: Iterable[Path] = ()) -> str:
    """Content hash of every file in the rule directories (TOML rules, shared data, Python
    checks of extra directories) plus which of them are trusted to run Python. Cheaper than
    loading the rules (~10 ms against ~2 s), so a fully cached scan need not compile them."""
    digest = hashlib.sha256()
    for directory in directories:
        digest.update(f"dir:{directory}\n".encode())
        if not directory.is_dir():
            digest.update(b"missing\n")  # a folder that is gone is a load error, not an empty one
            continue
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{path.relative_to(directory).as_posix()}\n".encode())
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                digest.update(b"unreadable")
    for directory in sorted(str(d) for d in trusted):
        digest.update(f"trusted:{directory}\n".encode())
    return digest.hexdigest()


def policy_fingerprint(config: Any) -> str:
    """The parts of a ``vigil.config.Config`` that change which findings a file gets."""
    parts = {
        "select": list(config.select),
        "ignore": list(config.ignore),
        "per_path_ignores": sorted((k, list(v)) for k, v in config.per_path_ignores.items()),
        "severity": sorted((k, v.label) for k, v in config.severity.items()),
        "test_severity": config.test_severity.label if config.test_severity is not None else None,
        "root": str(config.root) if config.root is not None else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class CacheNamespace:
    """Everything in a key except the file itself, computed once per scan."""

    digest: str

    @classmethod
    def build(cls, rules: str, policy: str, extra: Sequence[str] = ()) -> CacheNamespace:
        digest = hashlib.sha256()
        for part in (str(FORMAT_VERSION), __version__, _code_fingerprint(), rules, policy, *extra):
            digest.update(part.encode())
            digest.update(b"\0")
        return cls(digest.hexdigest())

    def key(self, source: bytes, path: str | None, language: str | None) -> str:
        digest = hashlib.sha256(self.digest.encode())
        digest.update(f"\0{path or ''}\0{language or ''}\0".encode())
        digest.update(source)
        return digest.hexdigest()


def encode_findings(findings: Sequence[Finding]) -> bytes:
    return json.dumps({"v": FORMAT_VERSION, "findings": [f.to_json() for f in findings]},
                      separators=(",", ":")).encode()


def decode_findings(data: bytes) -> list[Finding]:
    """Raises ``ValueError`` (or ``KeyError``/``TypeError``) on anything not written by us."""
    payload = json.loads(data)
    if not isinstance(payload, dict) or payload.get("v") != FORMAT_VERSION:
        raise ValueError("unexpected cache payload")
    raw = payload["findings"]
    if not isinstance(raw, list):
        raise ValueError("unexpected cache payload")
    return [Finding.from_json(item) for item in raw]


_FLAG_VALUE = b"1"


def _flag_key(name: str) -> str:
    return f"flag:{name}"


def _blob_key(name: str) -> str:
    return f"blob:{name}"


_BROKEN = (sqlite3.Error, OSError, diskcache.Timeout, UnsafeCacheEntry, TypeError, ValueError)


class ResultCache:
    """Findings per file. Every method swallows cache failures: a broken cache is a slow scan,
    never a failed one. ``enabled`` turns False after the first serious failure."""

    def __init__(self, directory: Path, *, size_limit: int = DEFAULT_SIZE_LIMIT,
                 timeout: float = LOCK_TIMEOUT) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0
        self._cache: diskcache.Cache | None = None
        self._failed = False
        try:
            self._cache = diskcache.Cache(
                str(directory), disk=JSONOnlyDisk, size_limit=size_limit, timeout=timeout,
                # Least-recently-*stored*: a read never writes, so many readers never contend.
                eviction_policy="least-recently-stored",
            )
        except Exception as exc:  # noqa: BLE001 - anything diskcache/SQLite raise on open
            self._disable("cannot open", exc)

    @property
    def enabled(self) -> bool:
        return self._cache is not None and not self._failed

    def _disable(self, action: str, exc: BaseException) -> None:
        if not self._failed:
            log.warning("vigil cache at %s disabled (%s: %s: %s); continuing without it",
                        self.directory, action, type(exc).__name__, exc)
        self._failed = True
        if self._cache is not None:
            try:
                self._cache.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._cache = None

    def get(self, key: str) -> list[Finding] | None:
        """The cached findings, or None on a miss (or any problem with the row)."""
        if not self.enabled:
            return None
        assert self._cache is not None
        try:
            data = self._cache.get(key, default=None, retry=True)
        except diskcache.Timeout:
            self.misses += 1
            return None
        except UnsafeCacheEntry as exc:
            log.warning("vigil cache: %s; entry dropped", exc)
            self._discard(key)
            self.misses += 1
            return None
        except _BROKEN as exc:
            self._disable("read failed", exc)
            self.misses += 1
            return None
        if data is None:
            self.misses += 1
            return None
        try:
            findings = decode_findings(data if isinstance(data, bytes) else str(data).encode())
        except (ValueError, KeyError, TypeError, IndexError):
            log.debug("vigil cache: undecodable entry %s dropped", key)
            self._discard(key)
            self.misses += 1
            return None
        self.hits += 1
        return findings

    def get_many(self, keys: Iterable[str]) -> dict[str, list[Finding]]:
        """The hits among ``keys`` (misses are simply absent); once the cache is disabled (say,
        it broke half-way) the remaining keys are misses without touching it. Each key is its
        own SQLite read, ~12 us, so no lock is held across a scan; one ``IN (...)`` query would
        save ~10 ms per 2,000 files (measured) but would reach into diskcache's private API."""
        found: dict[str, list[Finding]] = {}
        for key in keys:
            if not self.enabled:
                self.misses += 1
                continue
            findings = self.get(key)
            if findings is not None:
                found[key] = findings
        return found

    def has_flag(self, name: str) -> bool:
        """Whether ``set_flag(name)`` was called (and its row survived eviction). Flags record
        facts about a whole namespace, e.g. that its rules once loaded without errors; flag
        names never look like result keys (which are bare hex digests)."""
        return self._get_row(_flag_key(name)) == _FLAG_VALUE

    def set_flag(self, name: str) -> None:
        self._set_row(_flag_key(name), _FLAG_VALUE, "flag")

    def get_blob(self, name: str) -> bytes | None:
        """A value stored with ``put_blob`` (None on a miss or any problem). Blobs hold derived
        data about a whole namespace, e.g. the parsed rule catalog (``vigil.cli.catalog``);
        callers validate what they decode, like ``get`` does for findings."""
        data = self._get_row(_blob_key(name))
        return data if isinstance(data, bytes) else None

    def put_blob(self, name: str, data: bytes) -> None:
        self._set_row(_blob_key(name), data, "blob")

    def _get_row(self, key: str) -> Any:
        """A namespace-wide row (flag or blob), or None on a miss, a lock timeout, an unsafe
        entry (dropped) or a broken cache (disabled)."""
        if not self.enabled:
            return None
        assert self._cache is not None
        try:
            return self._cache.get(key, default=None, retry=True)
        except diskcache.Timeout:
            return None
        except UnsafeCacheEntry as exc:
            log.warning("vigil cache: %s; entry dropped", exc)
            self._discard(key)
            return None
        except _BROKEN as exc:
            self._disable("read failed", exc)
            return None

    def _set_row(self, key: str, value: Any, what: str) -> None:
        if not self.enabled:
            return
        assert self._cache is not None
        try:
            self._cache.set(key, value, retry=True)
        except diskcache.Timeout:
            log.debug("vigil cache: %s not written (locked by another process)", what)
        except _BROKEN as exc:
            self._disable("write failed", exc)

    def drop(self, name: str) -> None:
        """Forget a blob that did not decode."""
        self._discard(_blob_key(name))

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        if not self.enabled:
            return
        assert self._cache is not None
        try:
            self._cache.set(key, encode_findings(findings), retry=True)
        except diskcache.Timeout:
            log.debug("vigil cache: write skipped (locked by another process)")
        except _BROKEN as exc:
            self._disable("write failed", exc)

    def _discard(self, key: str) -> None:
        if self._cache is None:
            return
        try:
            self._cache.delete(key, retry=True)
        except Exception as exc:  # noqa: BLE001 - a broken cache is disabled, never fatal
            self._disable("delete failed", exc)

    def close(self) -> None:
        if self._cache is not None:
            try:
                self._cache.close()
            except Exception:  # noqa: BLE001
                pass
            self._cache = None


__all__ = [
    "DEFAULT_SIZE_LIMIT",
    "ENV_VAR",
    "CacheNamespace",
    "JSONOnlyDisk",
    "ResultCache",
    "UnsafeCacheEntry",
    "code_fingerprint",
    "decode_findings",
    "default_cache_dir",
    "encode_findings",
    "policy_fingerprint",
    "resolve_cache_dir",
    "rules_fingerprint",
]
