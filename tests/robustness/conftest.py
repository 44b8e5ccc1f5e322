"""Fixtures for the robustness suite: a raw-protocol server per test, closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.rpc import RawServer


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def server(tmp_path: Path, workspace: Path) -> Iterator[RawServer]:
    """An initialized server (no client capabilities: push diagnostics, UTF-16 positions)."""
    proc = RawServer(tmp_path)
    try:
        proc.initialize(workspace)
        yield proc
    finally:
        proc.close()
