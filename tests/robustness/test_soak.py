"""One-minute soak (bench/soak.py): 50 documents, 20 edits per second, zero errors, no RSS
growth. Runs by default (CI); set VIGIL_SKIP_SOAK=1 to skip it locally."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def _soak_main() -> Callable[[list[str]], int]:
    """bench/ is a folder of scripts, not a package: load soak.py by path."""
    spec = importlib.util.spec_from_file_location("vigil_bench_soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main

pytestmark = pytest.mark.skipif(os.environ.get("VIGIL_SKIP_SOAK") == "1", reason="VIGIL_SKIP_SOAK=1")


def test_one_minute_soak(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    code = _soak_main()(["--minutes", "1", "--docs", "50", "--rate", "20", "--sample", "5", "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 0, report["errors"]
    assert report["edits"] >= 1000, report  # the loop kept its rate (20/s for 60 s = 1,200)
    assert len(report["rss_kib"]) >= 10
