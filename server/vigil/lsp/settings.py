"""Editor settings (contract §2): typed, defaulted, validated, merged over ``[tool.vigil]``.

Settings arrive three ways: ``initializationOptions`` (``{"settings": {...}}`` or the object
itself), ``workspace/configuration`` (section ``"vigil"``) and
``workspace/didChangeConfiguration``. Each source overlays the previous one. A key with a
wrong value falls back to its default and the problems are reported in ONE message, so a typo
in an editor config never takes the server down or floods the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from vigil.rules.model import Severity

RUN_MODES = ("onType", "onSave")
SCAN_MODES = ("off", "openFiles", "workspace")
LOG_LEVELS = ("error", "warning", "info", "debug")


@dataclass(frozen=True)
class Settings:
    """One field per key of contract §2; the defaults are the documented ones."""

    enable: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severityOverrides: Mapping[str, str] = field(default_factory=dict)
    run: str = "onType"
    workspaceScan: str = "workspace"
    maxWorkspaceFiles: int = 5000
    ruleDirs: tuple[str, ...] = ()
    trustedRuleDirs: tuple[str, ...] = ()
    logLevel: str = "warning"
    #: Persistent result cache folder ("" = $VIGIL_CACHE_DIR or the user cache folder).
    cacheDir: str = ""

    def config_overrides(self) -> dict[str, Any]:
        """The keys ``vigil.config.Config.merged`` understands."""
        return {
            "select": list(self.select),
            "ignore": list(self.ignore),
            "severity": dict(self.severityOverrides),
            "rule-dirs": list(self.ruleDirs),
        }


KEYS = tuple(f.name for f in fields(Settings))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError("expected a list of strings")


def _choice(options: tuple[str, ...]) -> Any:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(repr(o) for o in options)}")
        return str(value)

    return check


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("expected a non-negative integer")
    return value


def _severities(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError("expected an object mapping rule ids to severities")
    out: dict[str, str] = {}
    for key, level in value.items():
        if not isinstance(key, str) or not isinstance(level, str):
            raise TypeError("expected rule ids mapped to severity names")
        out[key] = Severity.parse(level).label
    return out


_CHECKS: dict[str, Any] = {
    "enable": _bool,
    "select": _strings,
    "ignore": _strings,
    "severityOverrides": _severities,
    "run": _choice(RUN_MODES),
    "workspaceScan": _choice(SCAN_MODES),
    "maxWorkspaceFiles": _count,
    "ruleDirs": _strings,
    "trustedRuleDirs": _strings,
    "logLevel": _choice(LOG_LEVELS),
    "cacheDir": _string,
}

#: Keys the VS Code client owns; accepted silently, never used by the server.
CLIENT_ONLY = frozenset({"interpreter", "path", "trace"})


def unwrap(raw: Any) -> Mapping[str, Any]:
    """Accept ``{"settings": {...}}``, ``{"vigil": {...}}`` or the settings object itself."""
    if not isinstance(raw, Mapping):
        return {}
    for key in ("settings", "vigil"):
        inner = raw.get(key)
        if isinstance(inner, Mapping):
            return inner
    if isinstance(raw.get("globalSettings"), Mapping):
        return raw["globalSettings"]
    return raw


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Overlay ``raw`` on ``base``; return the settings and the problems found (key: why)."""
    settings = base or Settings()
    if raw is None:
        return settings, []
    if not isinstance(raw, Mapping):
        return settings, [f"settings must be an object, got {type(raw).__name__}"]
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in unwrap(raw).items():
        if key in CLIENT_ONLY:
            continue
        check = _CHECKS.get(key)
        if check is None:
            problems.append(f"unknown setting '{key}' (known: {', '.join(KEYS)})")
            continue
        if value is None:
            continue
        try:
            changes[key] = check(value)
        except (TypeError, ValueError) as exc:
            problems.append(f"'{key}': {exc}; ignored")
    return replace(settings, **changes), problems


def problems_message(problems: list[str]) -> str:
    return "Vigil: invalid settings ignored (defaults apply): " + "; ".join(problems)
