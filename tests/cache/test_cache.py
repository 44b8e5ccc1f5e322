"""The persistent result cache: JSON only, self-healing, safe with several processes."""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import diskcache
import pytest
from vigil.cache import (
    CacheNamespace,
    JSONOnlyDisk,
    ResultCache,
    decode_findings,
    default_cache_dir,
    encode_findings,
    resolve_cache_dir,
    rules_fingerprint,
)
from vigil.engine.findings import Edit, Finding, Fix, Related
from vigil.rules.model import Applicability, Severity

FINDING = Finding("DES002", 10, 22, "unsafe yaml.load", Severity.HIGH,
                  Fix("use safe_load", Applicability.SAFE, (Edit(10, 19, "yaml.safe_load"),)),
                  (Related(0, 4, "from here"),), 0, 30, "abcdef0123456789")
NS = CacheNamespace.build("rules", "policy")


def test_round_trip(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    key = NS.key(b"import yaml\n", "a.py", "python")
    assert cache.get(key) is None
    cache.put(key, [FINDING])
    assert cache.get(key) == [FINDING]
    assert (cache.hits, cache.misses) == (1, 1)
    cache.put(NS.key(b"", "b.py", "python"), [])
    assert cache.get(NS.key(b"", "b.py", "python")) == []


def test_key_depends_on_content_path_rules_and_policy() -> None:
    keys = {
        NS.key(b"x = 1\n", "a.py", "python"),
        NS.key(b"x = 2\n", "a.py", "python"),
        NS.key(b"x = 1\n", "tests/a.py", "python"),
        CacheNamespace.build("rules2", "policy").key(b"x = 1\n", "a.py", "python"),
        CacheNamespace.build("rules", "policy2").key(b"x = 1\n", "a.py", "python"),
    }
    assert len(keys) == 5


def test_values_are_json_bytes() -> None:
    data = encode_findings([FINDING])
    assert data.startswith(b'{"v":1,')
    assert decode_findings(data) == [FINDING]
    with pytest.raises(ValueError):
        decode_findings(b'{"v": 999, "findings": []}')


def test_disk_refuses_to_store_anything_but_bytes(tmp_path: Path) -> None:
    import diskcache

    raw = diskcache.Cache(str(tmp_path / "c"), disk=JSONOnlyDisk)
    with pytest.raises(TypeError):
        raw.set("k", {"a": 1})  # would be pickled by the default Disk
    with pytest.raises(TypeError):
        raw.set(("tuple", "key"), b"x")
    raw.set("k", b"ok")
    assert raw.get("k") == b"ok"
    raw.close()


class _Boom:
    """Unpickling this runs ``os.system``-like code; here it just writes a marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path(self.marker).write_text, ("pwned",))


def test_planted_pickle_row_is_never_executed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import diskcache

    directory = tmp_path / "c"
    marker = tmp_path / "marker"
    key = NS.key(b"x", "a.py", "python")
    planted = diskcache.Cache(str(directory))  # the default, pickling Disk: what an attacker uses
    planted.set(key, _Boom(str(marker)))
    planted.set(NS.key(b"y", "a.py", "python"), [_Boom(str(marker)), "x" * 100_000])  # a file row
    planted.close()
    assert not marker.exists()
    cache = ResultCache(directory)
    with caplog.at_level(logging.WARNING, logger="vigil.cache"):
        assert cache.get(key) is None
        assert cache.get(NS.key(b"y", "a.py", "python")) is None  # pickled to a file: refused too
    assert not marker.exists()
    assert cache.enabled
    cache.put(key, [FINDING])  # the dropped row is replaced by a JSON one
    assert cache.get(key) == [FINDING]


def test_garbage_row_is_a_miss(tmp_path: Path) -> None:
    import diskcache

    key = NS.key(b"x", "a.py", "python")
    other = diskcache.Cache(str(tmp_path / "c"), disk=JSONOnlyDisk)
    other.set(key, b"not json at all")
    other.close()
    cache = ResultCache(tmp_path / "c")
    assert cache.get(key) is None and cache.enabled


def test_corrupt_database_is_bypassed_with_one_log_line(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "c"
    cache = ResultCache(directory)
    cache.put(NS.key(b"x", "a.py", "python"), [FINDING])
    cache.close()
    db = directory / "cache.db"
    db.write_bytes(b"this is not an sqlite database" * 100)
    for suffix in ("-wal", "-shm"):
        (directory / f"cache.db{suffix}").unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="vigil.cache"):
        broken = ResultCache(directory)
        for i in range(5):
            key = NS.key(str(i).encode(), "a.py", "python")
            assert broken.get(key) is None
            broken.put(key, [FINDING])
    assert not broken.enabled
    assert len([r for r in caplog.records if r.name == "vigil.cache"]) == 1


def test_corrupted_after_open_is_bypassed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = ResultCache(tmp_path / "c")
    key = NS.key(b"x", "a.py", "python")
    cache.put(key, [FINDING])
    assert cache._cache is not None
    with sqlite3.connect(tmp_path / "c" / "cache.db") as connection:
        connection.execute("DROP TABLE Cache")
    with caplog.at_level(logging.WARNING, logger="vigil.cache"):
        assert cache.get(key) is None
        cache.put(key, [FINDING])
        assert cache.get(key) is None
    assert not cache.enabled
    assert len([r for r in caplog.records if r.name == "vigil.cache"]) == 1


def test_cache_path_that_is_a_file_is_bypassed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "c"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="vigil.cache"):
        cache = ResultCache(blocker)
        assert cache.get(NS.key(b"x", "a.py", None)) is None
        cache.put(NS.key(b"x", "a.py", None), [FINDING])
    assert not cache.enabled
    assert len([r for r in caplog.records if r.name == "vigil.cache"]) == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_read_only_folder_is_bypassed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING, logger="vigil.cache"):
            cache = ResultCache(parent / "c")
            assert cache.get(NS.key(b"x", "a.py", None)) is None
            cache.put(NS.key(b"x", "a.py", None), [FINDING])
        assert not cache.enabled
        assert len([r for r in caplog.records if r.name == "vigil.cache"]) == 1
    finally:
        parent.chmod(0o700)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_read_only_existing_cache_still_reads_or_is_bypassed(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    key = NS.key(b"x", "a.py", None)
    writer = ResultCache(directory)
    writer.put(key, [FINDING])
    writer.close()
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        cache = ResultCache(directory)
        assert cache.get(key) in (None, [FINDING])  # never raises
        cache.put(NS.key(b"y", "a.py", None), [FINDING])
    finally:
        for path in [directory, *directory.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)


def test_concurrent_writers(tmp_path: Path) -> None:
    """Four processes write and read 200 entries each into one cache at the same time."""
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from vigil.cache import CacheNamespace, ResultCache
        from vigil.engine.findings import Finding
        from vigil.rules.model import Severity
        worker = int(sys.argv[2])
        cache = ResultCache(Path(sys.argv[1]))
        ns = CacheNamespace.build("rules", "policy")
        for i in range(200):
            key = ns.key(f"{worker}:{i}".encode(), "a.py", "python")
            cache.put(key, [Finding("R", i, i + 1, f"m{worker}", Severity.LOW)])
            shared = ns.key(f"shared:{i}".encode(), "a.py", "python")
            cache.put(shared, [Finding("R", i, i + 1, "shared", Severity.LOW)])
            got = cache.get(key)
            assert got is not None and got[0].message == f"m{worker}", got
        assert cache.enabled
        print("ok")
    """)
    directory = tmp_path / "c"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(directory), str(w)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "ok", err
    cache = ResultCache(directory)
    for worker in range(4):
        for i in (0, 199):
            got = cache.get(NS.key(f"{worker}:{i}".encode(), "a.py", "python"))
            assert got is not None and got[0].message == f"m{worker}"
    assert cache.get(NS.key(b"shared:5", "a.py", "python"))[0].message == "shared"  # type: ignore[index]


def test_size_limit_evicts(tmp_path: Path) -> None:
    """diskcache culls the oldest-stored rows (ten at a time) once the volume passes the limit."""
    cache = ResultCache(tmp_path / "c", size_limit=1_000_000)
    big = [Finding("R", 0, 1, "x" * 50_000, Severity.LOW)]  # stored as a file by diskcache
    for i in range(60):  # 3 MB written in all
        cache.put(NS.key(str(i).encode(), "a.py", None), big)
    assert cache._cache is not None
    assert cache._cache.volume() < 1_200_000
    assert cache.get(NS.key(b"59", "a.py", None)) == big
    assert cache.get(NS.key(b"0", "a.py", None)) is None


def test_cache_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_cache_dir({"VIGIL_CACHE_DIR": str(tmp_path)}) == tmp_path
    if sys.platform.startswith("linux"):
        assert default_cache_dir({"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/vigil")
        assert default_cache_dir({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "vigil"
        assert default_cache_dir({}) == Path.home() / ".cache" / "vigil"
    monkeypatch.setenv("VIGIL_CACHE_DIR", str(tmp_path / "env"))
    assert resolve_cache_dir(None) == tmp_path / "env"
    assert resolve_cache_dir(str(tmp_path / "cli")) == tmp_path / "cli"


def test_pickle_module_is_never_used_for_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Belt and braces: with pickle.load poisoned, a full round trip still works."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle.load called")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    cache = ResultCache(tmp_path / "c")
    key = NS.key(b"x", "a.py", "python")
    cache.put(key, [FINDING])
    assert cache.get(key) == [FINDING]


def test_read_only_database_is_bypassed_even_as_root(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI runs as root, where chmod cannot make a folder read-only: simulate what SQLite raises
    for a read-only cache database instead, so the bypass path is exercised everywhere."""
    directory = tmp_path / "c"
    key = NS.key(b"x", "a.py", None)
    writer = ResultCache(directory)
    writer.put(key, [FINDING])
    writer.close()

    def read_only(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(diskcache.Cache, "set", read_only)
    with caplog.at_level(logging.WARNING, logger="vigil.cache"):
        cache = ResultCache(directory)
        assert cache.get(key) == [FINDING]  # reading still works
        cache.put(NS.key(b"y", "a.py", None), [FINDING])  # never raises
        cache.put(NS.key(b"z", "a.py", None), [FINDING])
    assert len([r for r in caplog.records if r.name == "vigil.cache"]) == 1  # one log line


def test_get_many_returns_the_hits_only(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    keys = [NS.key(f"x = {i}\n".encode(), "a.py", "python") for i in range(4)]
    cache.put(keys[0], [FINDING])
    cache.put(keys[2], [])
    assert cache.get_many(keys) == {keys[0]: [FINDING], keys[2]: []}
    assert (cache.hits, cache.misses) == (2, 2)


def test_get_many_after_the_cache_broke_is_all_misses(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    key = NS.key(b"x = 1\n", "a.py", "python")
    cache.put(key, [FINDING])
    cache._disable("test", OSError("gone"))
    assert cache.get_many([key, key]) == {}
    assert cache.misses == 2 and not cache.has_flag("anything")
    cache.set_flag("anything")  # a no-op, not an error


def test_flags_are_not_results(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    assert not cache.has_flag("rules-verified:abc")
    cache.set_flag("rules-verified:abc")
    assert cache.has_flag("rules-verified:abc") and not cache.has_flag("rules-verified:abd")
    reopened = ResultCache(tmp_path / "c")
    assert reopened.has_flag("rules-verified:abc")


def test_rules_fingerprint_tells_a_missing_folder_from_an_empty_one(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    missing = rules_fingerprint([folder])
    folder.mkdir()
    empty = rules_fingerprint([folder])
    (folder / "python").mkdir()
    (folder / "python" / "X.toml").write_text("id = 1\n", encoding="utf-8")
    assert len({missing, empty, rules_fingerprint([folder])}) == 3
