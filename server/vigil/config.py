"""Project configuration: ``[tool.vigil]`` in ``pyproject.toml`` (contract §1).

One frozen ``Config`` serves the CLI and the language server. The CLI reads it from the nearest
``pyproject.toml``; the server overlays editor settings with ``Config.merged``. Every problem is
a ``ConfigError`` whose message names the file, the key and what is wrong, because a silently
ignored typo in a security scanner's config means rules that quietly stop running.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

import pathspec

from vigil.engine.runner import Policy
from vigil.rules.model import Rule, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_MAX_FILE_SIZE = 2_000_000
#: The ``where`` of errors in settings that came from an editor rather than a file.
EDITOR_SETTINGS = "editor settings"
#: A rule id (``DES002``) or a prefix of one (``DES``, ``DES0``); ``ALL`` is accepted as in Ruff.
_SELECTOR = re.compile(r"^[A-Z][A-Z0-9]*$")

#: Editor-only settings (contract §2) that ``Config.merged`` accepts and leaves to the server.
EDITOR_ONLY_KEYS = frozenset({
    "enable", "run", "workspaceScan", "maxWorkspaceFiles", "trustedRuleDirs", "logLevel",
    "interpreter", "path", "trace",
})

#: camelCase spellings of the editor settings -> the kebab-case pyproject keys.
_CAMEL = {
    "perPathIgnores": "per-path-ignores",
    "severityOverrides": "severity",
    "testSeverity": "test-severity",
    "ruleDirs": "rule-dirs",
    "failOn": "fail-on",
    "maxFileSize": "max-file-size",
}

KEYS = (
    "select", "ignore", "exclude", "per-path-ignores", "severity", "test-severity", "rule-dirs",
    "fail-on", "max-file-size",
)


class ConfigError(Exception):
    """A configuration that cannot be used; the message names file, key and problem."""


def _fail(where: str, key: str | None, problem: str) -> ConfigError:
    if key is None:
        return ConfigError(f"{where}: {problem}")
    section = "vigil." if where == EDITOR_SETTINGS else "[tool.vigil] "
    return ConfigError(f"{where}: {section}{key}: {problem}")


def _selectors(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"expected a list of rule ids or prefixes, got {value!r}")
    out: list[str] = []
    for item in value:
        text = item.strip().upper()
        if not _SELECTOR.match(text):
            raise _fail(where, key, f"{item!r} is not a rule id or prefix (e.g. \"DES002\" or \"INJ\")")
        out.append("" if text == "ALL" else text)
    return tuple(out)


def _patterns(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"expected a list of path patterns, got {value!r}")
    try:
        pathspec.GitIgnoreSpec.from_lines(value)
    except ValueError as exc:  # pathspec's pattern errors subclass ValueError
        raise _fail(where, key, f"invalid pattern: {exc}") from None
    return tuple(value)


def _severity(value: Any, where: str, key: str) -> Severity:
    if not isinstance(value, str):
        raise _fail(where, key, f"expected a severity string, got {value!r}")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise _fail(where, key, str(exc)) from None


def _per_path(value: Any, where: str, key: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise _fail(where, key, f"expected a table of pattern = [rule ids], got {value!r}")
    out: dict[str, tuple[str, ...]] = {}
    for pattern, ids in value.items():
        _patterns([pattern], where, f"{key}.{pattern!r}")
        out[str(pattern)] = _selectors(ids, where, f"{key}.{pattern!r}")
    return out


def _severity_map(value: Any, where: str, key: str) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        raise _fail(where, key, f"expected a table of rule id = severity, got {value!r}")
    out: dict[str, Severity] = {}
    for rule_id, level in value.items():
        (selector,) = _selectors([rule_id], where, key)
        out[selector] = _severity(level, where, f"{key}.{rule_id}")
    return out


def _rule_dirs(value: Any, where: str, key: str, base: Path | None) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"expected a list of directory paths, got {value!r}")
    out = []
    for item in value:
        path = Path(item).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        out.append(path)
    return tuple(out)


def _longest(selectors: Sequence[str], rule_id: str) -> int:
    """Length of the most specific selector matching ``rule_id``; -1 when none matches."""
    best = -1
    for selector in selectors:
        if rule_id.startswith(selector) and len(selector) > best:
            best = len(selector)
    return best


@dataclass(frozen=True)
class Config:
    """Effective settings. Defaults equal "no configuration": every rule, default severities."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: Ceiling for test files; ``None`` is ``"same"`` (no lowering at all).
    test_severity: Severity | None = Severity.LOW
    rule_dirs: tuple[Path, ...] = ()
    fail_on: Severity = Severity.LOW
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: The folder of the pyproject this came from; relative patterns are anchored here.
    root: Path | None = None
    #: The file itself, for messages ("configured in ...").
    source: Path | None = None

    def __hash__(self) -> int:
        """Hashable despite its tables, so the server can key caches on the effective config."""
        return hash((
            self.select, self.ignore, self.exclude, tuple(sorted(self.per_path_ignores.items())),
            tuple(sorted(self.severity.items())), self.test_severity, self.rule_dirs, self.fail_on,
            self.max_file_size, self.root, self.source,
        ))

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str, root: Path | None = None,
                   source: Path | None = None, base: Config | None = None) -> Config:
        """Validate a ``[tool.vigil]``-shaped mapping (kebab-case keys) over ``base``."""
        if not isinstance(table, Mapping):
            raise _fail(where, None, "[tool.vigil] must be a table")
        config = base or cls(root=root, source=source)
        changes: dict[str, Any] = {}
        for key, value in table.items():
            if key == "select":
                changes["select"] = _selectors(value, where, key)
            elif key == "ignore":
                changes["ignore"] = _selectors(value, where, key)
            elif key == "exclude":
                changes["exclude"] = _patterns(value, where, key)
            elif key == "per-path-ignores":
                changes["per_path_ignores"] = _per_path(value, where, key)
            elif key == "severity":
                changes["severity"] = _severity_map(value, where, key)
            elif key == "test-severity":
                if value == "same":
                    changes["test_severity"] = None
                else:
                    changes["test_severity"] = _severity(value, where, key)
            elif key == "rule-dirs":
                changes["rule_dirs"] = _rule_dirs(value, where, key, root or config.root)
            elif key == "fail-on":
                changes["fail_on"] = _severity(value, where, key)
            elif key == "max-file-size":
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise _fail(where, key, f"expected a positive number of bytes, got {value!r}")
                changes["max_file_size"] = value
            else:
                hint = f" (known keys: {', '.join(KEYS)})"
                raise _fail(where, key, "unknown key" + hint)
        return replace(config, **changes)

    def merged(self, overrides: Mapping[str, Any]) -> Config:
        """Overlay editor settings (contract §2) on this project configuration.

        Keys are the pyproject ones, kebab- or camelCase. Empty values (the editor defaults
        ``[]`` / ``{}``) and ``None`` mean "not set" so that an untouched editor setting never
        wipes the project's choice; the severity and per-path tables are merged key by key.
        Editor-only keys (``enable``, ``run`` ...) are accepted and ignored here.
        """
        table: dict[str, Any] = {}
        for raw_key, value in overrides.items():
            if raw_key in EDITOR_ONLY_KEYS or value is None or value == [] or value == {}:
                continue
            key = _CAMEL.get(raw_key, raw_key)
            table[key] = value
        merged = Config.from_table(table, EDITOR_SETTINGS, base=self)
        if "severity" in table:
            merged = replace(merged, severity={**self.severity, **merged.severity})
        if "per-path-ignores" in table:
            merged = replace(merged, per_path_ignores={**self.per_path_ignores, **merged.per_path_ignores})
        return merged

    # -- queries --------------------------------------------------------------------------
    @cached_property
    def _exclude_spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.exclude)

    @cached_property
    def _per_path_specs(self) -> tuple[tuple[pathspec.GitIgnoreSpec, tuple[str, ...]], ...]:
        return tuple(
            (pathspec.GitIgnoreSpec.from_lines([pattern]), ids)
            for pattern, ids in self.per_path_ignores.items()
        )

    def relative(self, path: str | PurePath) -> str:
        """``path`` as a POSIX string relative to ``root`` (the form patterns are written in).

        Relative inputs are taken relative to the current directory; paths outside the root
        are returned as given.
        """
        pure = Path(path)
        if self.root is None:
            return pure.as_posix()
        absolute = pure if pure.is_absolute() else Path.cwd() / pure
        for candidate, root in ((absolute, self.root), (absolute.resolve(), self.root.resolve())):
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                continue
        return pure.as_posix()

    def excluded(self, path: str | PurePath, is_dir: bool = False) -> bool:
        """Whether ``exclude`` removes ``path`` from scans (directories need ``is_dir``)."""
        if not self.exclude:
            return False
        relative = self.relative(path)
        if relative in ("", "."):
            return False
        return self._exclude_spec.match_file(relative + "/" if is_dir else relative)

    def rule_enabled(self, rule_id: str, path: str | PurePath | None = None) -> bool:
        """select/ignore with Ruff's precedence: the most specific selector wins, and on a tie
        ``ignore`` wins. Then per-path ignores for ``path``."""
        chosen = _longest(self.select, rule_id) if self.select else 0
        if chosen < 0 or _longest(self.ignore, rule_id) >= chosen:
            return False
        if path is not None and self.per_path_ignores:
            relative = self.relative(path)
            for spec, ids in self._per_path_specs:
                if _longest(ids, rule_id) >= 0 and spec.match_file(relative):
                    return False
        return True

    def rule_severity(self, rule: Rule, is_test: bool) -> Severity:
        """Override by the most specific id/prefix, then the ceiling for test files."""
        severity = rule.severity
        best = -1
        for selector, level in self.severity.items():
            if rule.id.startswith(selector) and len(selector) > best:
                best, severity = len(selector), level
        if is_test and self.test_severity is not None:
            severity = min(severity, self.test_severity)
            if rule.test_severity is not None:
                severity = min(severity, rule.test_severity)
        return severity

    def policy(self) -> Policy:
        return ConfigPolicy(self)


class ConfigPolicy(Policy):
    """The engine's view of a ``Config``: which rules run on a file, at which severity."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def enabled(self, rule: Rule, path: str | None) -> bool:
        return self.config.rule_enabled(rule.id, path)

    def severity(self, rule: Rule, path: str | None, is_test: bool) -> Severity:
        return self.config.rule_severity(rule, is_test)


def read_pyproject(path: Path) -> Mapping[str, Any] | None:
    """The ``[tool.vigil]`` table of one pyproject file, or ``None`` when it has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), None, f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(str(path), None, f"invalid TOML: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "vigil" not in tool:
        return None
    return tool["vigil"]


def load_config_file(path: Path) -> Config:
    """Load one explicit file (``--config``): a ``pyproject.toml`` or a bare ``vigil.toml``
    whose top level is the ``[tool.vigil]`` table."""
    path = path.resolve()
    if not path.is_file():
        raise _fail(str(path), None, "configuration file not found")
    if path.name == "pyproject.toml":
        table = read_pyproject(path)
        if table is None:
            raise _fail(str(path), None, "has no [tool.vigil] table")
    else:
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(str(path), None, f"cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise _fail(str(path), None, f"invalid TOML: {exc}") from None
        if isinstance(table.get("tool"), dict) and "vigil" in table["tool"]:
            table = table["tool"]["vigil"]
    return Config.from_table(table, str(path), root=path.parent, source=path)


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.vigil]`` table, walking up from ``start``."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and read_pyproject(pyproject) is not None:
            return pyproject
    return None


def load_config(start: Path) -> Config:
    """The configuration that applies to ``start`` (a file or folder); defaults when none."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Config()
    table = read_pyproject(pyproject)
    assert table is not None
    return Config.from_table(table, str(pyproject), root=pyproject.parent, source=pyproject)


__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "Config",
    "ConfigError",
    "ConfigPolicy",
    "find_pyproject",
    "load_config",
    "load_config_file",
    "read_pyproject",
]
