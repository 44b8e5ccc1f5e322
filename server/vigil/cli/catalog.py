"""The rule catalog of ``vigil check`` (rules as parsed from TOML), kept in the result cache.

Why: a warm scan, whose every file comes from the cache, still needs the rules' metadata
(titles, CWEs, severities) for the report and the selectors. Parsing ~150 TOML files costs
tens of milliseconds, most of a warm run; decoding one JSON row costs a few. The row is keyed
by a content hash of every file in the rule folders (``rules_fingerprint``) plus Vigil's own
code and version, so changing, adding or removing any rule file (or Vigil) misses.

JSON only, never pickle: values are tagged plain data, and decoding builds nothing but the
frozen rule dataclasses and enums listed in ``_CLASSES``/``_ENUMS``; a row naming anything
else, or missing a field, is a miss. Only a catalog read without errors is stored, so a
cached catalog never hides a broken rule file (those are re-read, and then loaded, each run).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.cache import FORMAT_VERSION, ResultCache, code_fingerprint
from vigil.rules.loader import RuleSet
from vigil.rules.model import (
    Applicability,
    Confidence,
    Docs,
    EditSpec,
    Example,
    FixSpec,
    Rule,
    Severity,
)

#: Layout of the stored catalog; bump when ``_encode`` changes.
CATALOG_VERSION = 1

_CLASSES: dict[str, type[Any]] = {c.__name__: c for c in (Rule, Docs, FixSpec, EditSpec, Example)}
_ENUMS: dict[str, type[enum.Enum]] = {e.__name__: e for e in (Severity, Confidence, Applicability)}


class CatalogError(ValueError):
    """A stored catalog that cannot be (or must not be) turned back into rules."""


def _encode(value: Any) -> Any:
    """Tagged JSON data: a tuple, Path, enum or rule dataclass must come back as itself, so
    ``decode(encode(rules)) == rules`` (tests/cli/test_warm_path.py checks every bundled rule).
    Tags start with ``$``, which no field name does, so a tagged object is never mistaken for
    a dataclass's fields."""
    if value is None or isinstance(value, (bool, str)) or (isinstance(value, int) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        if type(value).__name__ not in _ENUMS:
            raise TypeError(f"cannot store enum {type(value).__name__}")
        return {"$e": type(value).__name__, "$v": value.value}
    if isinstance(value, tuple):
        return {"$t": [_encode(item) for item in value]}
    if isinstance(value, Path):
        return {"$p": str(value)}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$c": type(value).__name__, "$f": fields}
    raise TypeError(f"cannot store {type(value).__name__} in the rule catalog")


_FIELDS: dict[str, frozenset[str]] = {name: frozenset(f.name for f in dataclasses.fields(cls))
                                      for name, cls in _CLASSES.items()}


def _revive(obj: dict[str, Any]) -> Any:
    """``json.loads`` object hook: called innermost-first on every JSON object, so each tagged
    object becomes its value in one pass of the C decoder (a recursive walk in Python over
    ~10,000 values cost three times as much). Untagged objects (the payload, field tables,
    ``data_dirs``) are returned as they are."""
    if "$t" in obj:
        if len(obj) != 1 or not isinstance(obj["$t"], list):
            raise CatalogError("unexpected tuple")
        return tuple(obj["$t"])
    if "$p" in obj:
        if len(obj) != 1 or not isinstance(obj["$p"], str):
            raise CatalogError("unexpected path")
        return Path(obj["$p"])
    if "$e" in obj:
        enum_type = _ENUMS.get(obj["$e"]) if len(obj) == 2 and "$v" in obj else None
        if enum_type is None:
            raise CatalogError(f"unknown enum {obj['$e']!r}")
        return enum_type(obj["$v"])
    if "$c" in obj:
        name, fields = obj["$c"], obj.get("$f")
        cls = _CLASSES.get(name) if isinstance(name, str) and len(obj) == 2 else None
        if cls is None or not isinstance(fields, dict):
            raise CatalogError(f"unknown class {name!r}")
        if fields.keys() != _FIELDS[name]:
            raise CatalogError(f"fields of {name} changed")
        return cls(**fields)
    if any(key.startswith("$") for key in obj):
        raise CatalogError("unknown tag")
    return obj


def encode(catalog: RuleSet, fingerprint: str) -> bytes:
    """The catalog (which must have no errors) and its ``RuleSet.fingerprint`` as JSON bytes."""
    if catalog.errors:
        raise ValueError("a catalog with errors is never stored")
    payload = {
        "v": CATALOG_VERSION,
        "fingerprint": fingerprint,
        "rules": [_encode(rule) for rule in catalog.rules],
        "data_dirs": {name: [str(p) for p in paths] for name, paths in catalog.data_dirs.items()},
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def decode(data: bytes) -> tuple[RuleSet, str]:
    """(catalog, its fingerprint); raises ``ValueError`` (``CatalogError``) on anything else."""
    try:
        payload = json.loads(data, object_hook=_revive)
        if not isinstance(payload, dict) or payload.get("v") != CATALOG_VERSION:
            raise CatalogError("unexpected catalog payload")
        rules = list(payload["rules"])
        data_dirs = {str(name): [Path(p) for p in paths] for name, paths in payload["data_dirs"].items()}
        fingerprint = payload["fingerprint"]
    except (KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"unexpected catalog payload: {exc}") from None
    if not isinstance(fingerprint, str) or not all(isinstance(rule, Rule) for rule in rules):
        raise CatalogError("unexpected catalog payload")
    return RuleSet(rules=rules, data_dirs=data_dirs), fingerprint


def catalog_key(rules_fingerprint: str) -> str:
    """The cache row of the catalog of rule folders whose content hashes to ``rules_fingerprint``
    (which also names the folders), as parsed by this version of Vigil."""
    digest = hashlib.sha256()
    for part in (str(FORMAT_VERSION), str(CATALOG_VERSION), __version__, code_fingerprint(), rules_fingerprint):
        digest.update(part.encode())
        digest.update(b"\0")
    return f"catalog:{digest.hexdigest()}"


def load(cache: ResultCache, rules_fingerprint: str) -> tuple[RuleSet, str] | None:
    """The stored catalog, or None (a miss, or a row that does not decode: it is dropped)."""
    key = catalog_key(rules_fingerprint)
    data = cache.get_blob(key)
    if data is None:
        return None
    try:
        return decode(data)
    except ValueError:
        cache.drop(key)
        return None


def store(cache: ResultCache, rules_fingerprint: str, catalog: RuleSet, fingerprint: str) -> None:
    """Keep an error-free catalog; one that cannot be encoded (a field type this module does not
    know, added to the rule model later) is simply not cached."""
    if catalog.errors:
        return
    try:
        data = encode(catalog, fingerprint)
    except (TypeError, ValueError):
        return
    cache.put_blob(catalog_key(rules_fingerprint), data)


__all__ = ["CATALOG_VERSION", "CatalogError", "catalog_key", "decode", "encode", "load", "store"]
