"""Fixtures for CLI tests: run ``vigil`` in-process in a temporary project."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.cli.helpers import REVIEW_RULE, Run, Runner
from vigil.cli.main import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (with a pyproject so parent configs never leak in), as cwd."""
    (tmp_path / "pyproject.toml").write_text("[tool.vigil]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


@pytest.fixture
def vigil() -> Runner:
    def run(*argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), out=out, err=err)
        return Run(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def review_rule_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rules")
    (root / "python").mkdir()
    (root / "python" / "TST001-dangerous-call.toml").write_text(REVIEW_RULE, encoding="utf-8")
    return root
