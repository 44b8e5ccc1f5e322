"""Checks and fixes for the deserialization rules (DES...)."""

from __future__ import annotations

from vigil.engine.findings import Edit
from vigil.engine.runner import Match

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
    if fn.type == "attribute":
        attr = fn.child_by_field_name("attribute")
        assert attr is not None
        return [Edit(attr.start_byte, attr.end_byte, safe)]
    spelled, edits = match.reference(f"yaml.{safe}")
    return [Edit(fn.start_byte, fn.end_byte, spelled), *edits]
