"""Checks and fixes for the deserialization rules (DES...)."""

from __future__ import annotations

from vigil.engine.findings import Edit
from vigil.engine.fixes import edit_for
from vigil.engine.runner import Match
from vigil.rules.checks import common, project
from vigil.rules.model import EditSpec

_SAFE_NAMES = {
    "load": "safe_load",
    "load_all": "safe_load_all",
    "unsafe_load": "safe_load",
    "unsafe_load_all": "safe_load_all",
    "full_load": "safe_load",
    "full_load_all": "safe_load_all",
}


def yaml_safe_load_fix(match: Match) -> list[Edit] | None:
    """``yaml.load(x)`` -> ``yaml.safe_load(x)``; ``Loader=FullLoader`` -> ``Loader=yaml.SafeLoader``."""
    loader = match.node("_loader")
    if loader is not None:
        spelled, edits = match.reference("yaml.SafeLoader")
        return [Edit(loader.start_byte, loader.end_byte, spelled), *edits]
    fn = match.node("_fn")
    qualified = match.qualify(fn)
    if fn is None or qualified is None:
        return None
    safe = _SAFE_NAMES.get(qualified.rpartition(".")[2])
    if safe is None:
        return None
    return match.replace_name(fn, f"yaml.{safe}")


# --- DES004: torch.load ------------------------------------------------------------------

#: torch.load defaults to ``weights_only=True`` from this release on.
TORCH_SAFE_DEFAULT = (2, 6)


def torch_default_is_safe(path: str | None) -> bool:
    """Whether the project pins torch to a release whose ``torch.load`` is safe by default.

    Bandit's B614 fires on every ``torch.load`` even in projects on torch >= 2.6, which users
    reported as noise (PyCQA/bandit#1293); a declared lower bound of 2.6 settles it.
    """
    facts = project.facts_for(path)
    if facts is None:
        return False
    spec = facts.declared.get("torch")
    if spec is None:
        return False
    lowest = project.minimum_version(spec)
    return lowest is not None and lowest >= TORCH_SAFE_DEFAULT


def torch_load_check(match: Match) -> bool:
    """Missing ``weights_only`` only matters before torch 2.6; an explicit False always does."""
    if match.node("_false") is not None:
        return True
    return not torch_default_is_safe(match.path)


def torch_load_fix(match: Match) -> list[Edit] | None:
    value = match.node("_false")
    if value is not None:
        return [Edit(value.start_byte, value.end_byte, "True")]
    args = match.node("_args")
    if args is None:
        return None
    return [edit_for(EditSpec("add_argument", "_args", "weights_only=True"), match.captures, match.source)]


# --- DES005: other pickle-based loaders ----------------------------------------------------


def pickle_loader_fix(match: Match) -> list[Edit] | None:
    """``allow_pickle=True`` -> ``False``; drop ``safe_mode=False``; nothing for joblib/pandas."""
    flag = match.node("_flag")
    keyword = match.node("_kw")
    if flag is None or keyword is None:
        return None
    if match.text("_k") == "allow_pickle":
        return [Edit(flag.start_byte, flag.end_byte, "False")]
    return [edit_for(EditSpec("remove_argument", "_kw"), match.captures, match.source)]


# --- DES007: torch.hub -------------------------------------------------------------------


def torch_hub_fix(match: Match) -> list[Edit] | None:
    """``trust_repo=True`` -> ``trust_repo="check"``; an ``http://`` checkpoint URL -> ``https://``."""
    flag = match.node("_trust")
    if flag is not None:
        return [Edit(flag.start_byte, flag.end_byte, '"check"')]
    url = match.node("_url")
    content = common.string_prefix_content(url) if url is not None else None
    if content is None or not match.text(content).lower().startswith("http://"):
        return None
    return [Edit(content.start_byte, content.start_byte + len("http://"), "https://")]
