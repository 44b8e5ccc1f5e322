"""Fixtures for CLI tests: run ``vigil`` in-process in a temporary project."""

from __future__ import annotations

import concurrent.futures
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from vigil.cache import rules_fingerprint
from vigil.cli import check as cli_check
from vigil.cli import parallel
from vigil.cli import rules_cmd as cli_rules_cmd
from vigil.cli.main import main
from vigil.rules.loader import RuleSet, default_rule_dirs, load_rules

from tests.cli.helpers import REVIEW_RULE, Run, Runner

_RULESETS: dict[tuple[object, ...], RuleSet] = {}


def _cached_load_rules(directories: Sequence[Path] | None = None, *, extra_directories: Sequence[Path] = (),
                       trusted_directories: Sequence[Path] = ()) -> RuleSet:
    every = [*(directories if directories is not None else default_rule_dirs()), *extra_directories]
    # Keyed by the rule files' content too: a test that edits a rule gets the edited rules.
    key = (tuple(directories or ()), tuple(extra_directories), tuple(trusted_directories),
           rules_fingerprint(every))
    if key not in _RULESETS:
        _RULESETS[key] = load_rules(directories, extra_directories=extra_directories,
                                    trusted_directories=trusted_directories)
    return _RULESETS[key]


@pytest.fixture(autouse=True)
def _reuse_rulesets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading and compiling the bundled rules takes seconds; every in-process ``vigil`` call
    of the session shares the result (rule directories made by a test get their own entry)."""
    monkeypatch.setattr(cli_check, "load_rules", _cached_load_rules)
    monkeypatch.setattr(cli_rules_cmd, "load_rules", _cached_load_rules)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own result cache: never the user's, never another test's."""
    monkeypatch.setenv("VIGIL_CACHE_DIR", str(tmp_path_factory.mktemp("vigil-cache")))


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


@pytest.fixture(scope="session")
def review_rule_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rules")
    (root / "python").mkdir()
    (root / "python" / "TST001-dangerous-call.toml").write_text(REVIEW_RULE, encoding="utf-8")
    return root


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files analysed in this process (cache hits are not analysed)."""
    seen: list[str] = []
    real = parallel.analyse_job

    def spy(job: parallel.Job, state: parallel._WorkerState) -> parallel.Outcome:
        seen.append(job.display)
        return real(job, state)

    monkeypatch.setattr(parallel, "analyse_job", spy)
    return seen


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Worker counts of the process pools created."""
    created: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor  # imported by the scanner when it needs a pool

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            created.append(int(kwargs["max_workers"]))  # type: ignore[call-overload]
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    return created
