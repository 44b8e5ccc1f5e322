"""Output formats of ``vigil check``: one module per format, all fed the same ``ScanResult``.

Reporters are pure functions from a ``ScanResult`` to text, so they are easy to test and can
never change what was found; the CLI decides where the text goes.
"""

from __future__ import annotations

from collections.abc import Callable

from vigil.report.model import RenderOptions, ScanResult

Reporter = Callable[[ScanResult, RenderOptions], str]

FORMATS = ("text", "json", "sarif", "github", "html")


def reporter(name: str) -> Reporter:
    """The render function of a format (imported lazily: ``text`` needs no JSON machinery)."""
    if name == "text":
        from vigil.report.text import render
    elif name == "json":
        from vigil.report.json_report import render
    elif name == "sarif":
        from vigil.report.sarif import render
    elif name == "github":
        from vigil.report.github import render
    elif name == "html":
        from vigil.report.html import render
    else:
        raise ValueError(f"unknown format {name!r} (expected one of: {', '.join(FORMATS)})")
    return render


__all__ = ["FORMATS", "RenderOptions", "Reporter", "ScanResult", "reporter"]
