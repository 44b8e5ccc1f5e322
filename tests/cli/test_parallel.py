"""``vigil check`` across processes and with the persistent cache."""

from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

from tests.cli.helpers import CLEAN, YAML_BAD, Runner, write
from vigil.cli import parallel
from vigil.cli.progress import Progress


def _project_files(project: Path, count: int = 40) -> None:
    for i in range(count):
        write(project / "pkg" / f"m{i:02}.py", YAML_BAD if i % 3 == 0 else CLEAN + f"X = {i}\n")


def _findings(out: str) -> list[tuple[str, str, int]]:
    document = json.loads(out)
    return [(f["path"], f["rule"], f["line"]) for f in document["findings"]]


# ``counted`` (files analysed in this process) and ``pools`` (process pools started) are
# fixtures of tests/cli/conftest.py.


def test_parallel_output_equals_serial(project: Path, vigil: Runner, pools: list[int]) -> None:
    _project_files(project)
    serial = vigil("check", "--format", "json", "--no-cache", "--jobs", "1")
    assert pools == []
    multi = vigil("check", "--format", "json", "--no-cache", "--jobs", "2")
    assert pools == [2]
    assert serial.code == multi.code == 1
    assert _findings(serial.out) == _findings(multi.out)
    assert len(_findings(multi.out)) == 14
    assert [p for p, _, _ in _findings(multi.out)] == sorted(p for p, _, _ in _findings(multi.out))


def test_small_scans_stay_in_process(project: Path, vigil: Runner, pools: list[int]) -> None:
    _project_files(project, parallel.MIN_PARALLEL_FILES - 1)
    assert vigil("check", "--no-cache", "--jobs", "4").code == 1
    assert pools == []


def test_spawned_workers_load_rules_themselves(project: Path, vigil: Runner,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows spawn workers: the initializer builds the analyser once per worker."""
    _project_files(project, parallel.MIN_PARALLEL_FILES)
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    serial = vigil("check", "--format", "json", "--no-cache", "--jobs", "1")
    spawned = vigil("check", "--format", "json", "--no-cache", "--jobs", "2")
    assert spawned.code == 1, spawned.err
    assert _findings(serial.out) == _findings(spawned.out)


def test_cache_serves_unchanged_files(project: Path, vigil: Runner, counted: list[str]) -> None:
    _project_files(project, 6)
    first = vigil("check", "--format", "json", "--jobs", "1")
    assert len(counted) == 6
    counted.clear()
    second = vigil("check", "--format", "json", "--jobs", "1")
    assert counted == []
    assert first.out == second.out and first.code == second.code == 1
    write(project / "pkg" / "m01.py", YAML_BAD)
    third = vigil("check", "--format", "json", "--jobs", "1")
    assert counted == ["pkg/m01.py"]
    assert ("pkg/m01.py", "DES002", 5) in _findings(third.out)


def test_cache_key_follows_settings(project: Path, vigil: Runner, counted: list[str]) -> None:
    write(project / "app.py", YAML_BAD)
    assert vigil("check", "--jobs", "1").code == 1
    counted.clear()
    assert vigil("check", "--jobs", "1", "--ignore", "DES002").code == 0
    assert counted == ["app.py"]  # a different policy is a different key
    write(project / "pyproject.toml", '[tool.vigil]\nseverity = { "DES002" = "low" }\n')
    counted.clear()
    run = vigil("check", "--jobs", "1", "--format", "json")
    assert counted == ["app.py"]
    assert json.loads(run.out)["findings"][0]["severity"] == "low"


def test_no_cache_and_cache_dir(project: Path, vigil: Runner, counted: list[str], tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    write(project / "app.py", YAML_BAD)
    folder = tmp_path_factory.mktemp("explicit") / "cache"
    assert vigil("check", "--no-cache", "--cache-dir", str(folder)).code == 1
    assert not folder.exists()
    assert vigil("check", "--cache-dir", str(folder)).code == 1
    assert (folder / "cache.db").is_file()
    counted.clear()
    assert vigil("check", "--cache-dir", str(folder)).code == 1
    assert counted == []
    assert vigil("check", "--cache-dir", str(folder), "--no-cache").code == 1
    assert counted == ["app.py"]


def test_fix_mode_bypasses_the_cache(project: Path, vigil: Runner, counted: list[str]) -> None:
    write(project / "app.py", YAML_BAD)
    assert vigil("check").code == 1
    counted.clear()
    run = vigil("check", "--diff")
    assert counted == ["app.py"] and "safe_load" in run.out


def test_corrupt_cache_warns_once_and_scans(project: Path, vigil: Runner, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("broken")
    (folder / "cache.db").write_bytes(b"garbage" * 1000)
    _project_files(project, 3)
    run = vigil("check", "--cache-dir", str(folder), "--format", "json")
    assert run.code == 1
    assert len(_findings(run.out)) == 1
    warnings = [line for line in run.err.splitlines() if "cache" in line]
    assert len(warnings) == 1 and warnings[0].startswith("vigil: warning: vigil cache at")


def test_jobs_must_be_positive(project: Path, vigil: Runner) -> None:
    run = vigil("check", "--jobs", "0")
    assert run.code == 2 and "--jobs" in run.err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(project: Path, vigil: Runner) -> None:
    write(project / "app.py", CLEAN)
    run = vigil("check")
    assert "\r" not in run.err and "files" not in run.err  # piped: nothing extra
    stream = _Terminal()
    bar = Progress(stream, 120, enabled=True, delay=0.0)
    for _ in range(120):
        bar.advance()
    bar.finish()
    text = stream.getvalue()
    assert "vigil: [" in text and "/120 files" in text
    assert text.endswith("\r\x1b[2K")  # erased: the report starts on a clean line
    quiet = _Terminal()
    slow = Progress(quiet, 10, enabled=True)  # default delay: quick scans never draw
    slow.advance(10)
    slow.finish()
    assert quiet.getvalue() == ""
