"""A 100,000-file workspace (issue "Robustness"): discovery is linear and prunes ignored
folders; the server's background scan stays responsive, honours ``maxWorkspaceFiles`` with one
message, and can be cancelled. Runs in CI (~30-60 s, most of it creating the files);
``scripts/workspace_100k.py`` runs the whole scan to the end and prints timings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vigil.cli.discovery import Walker
from vigil.config import Config

from tests.robustness.rpc import RECEIVED, Message, RawServer
from tests.robustness.workspace_tree import make_tree

FILES = 100_000
#: A keystroke or hover slower than this while the scan runs means the scan starves the
#: event loop (measured: p95 ~20 ms, max ~0.3 s on a loaded 2-core machine).
RESPONSIVE_S = 10.0
CAPABILITIES = {"window": {"workDoneProgress": True}}
OPEN = "import yaml\n\ndef read(stream):\n    return yaml.load(stream)\n"

pytestmark = pytest.mark.xdist_group("workspace-100k")  # one such tree on disk at a time


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ws100k") / "ws"
    make_tree(root, FILES)
    yield root


def test_discovery_finds_every_file_and_prunes_ignored_folders(tree: Path) -> None:
    found = [c.path for c in Walker(Config()).candidates([tree])]
    assert len(found) == FILES
    assert len(set(found)) == FILES
    ignored = (".git", "node_modules", ".venv", "build")
    assert not [p for p in found if p.relative_to(tree).parts[0] in ignored or p.name.endswith("_gen.py")]


def test_discovery_survives_a_very_deep_tree(tmp_path: Path) -> None:
    """1,200 nested folders: a recursive walk overflowed Python's recursion limit here."""
    folder = tmp_path
    try:
        for _ in range(1200):
            folder = folder / "d"
            folder.mkdir()  # one level at a time: mkdir(parents=True) itself recurses per level
        (folder / "deep.py").write_text("x = 1\n")
        assert [c.path for c in Walker(Config()).candidates([tmp_path])] == [folder / "deep.py"]
    finally:  # bottom-up by hand: shutil.rmtree (pytest's tmp_path cleanup) recurses per level too
        (folder / "deep.py").unlink(missing_ok=True)
        while folder != tmp_path:
            folder.rmdir()
            folder = folder.parent


def _edit_and_hover(server: RawServer, uri: str, version: int, seen: list[Message]) -> None:
    """One keystroke answered by its publishDiagnostics, then a hover, both within
    RESPONSIVE_S; every other notification is kept in ``seen``."""
    sent = time.monotonic()
    server.change(uri, version, [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                  "text": "#\n" if version % 2 else ""}])
    while True:
        message = server.next_notification(timeout=RESPONSIVE_S)
        params = message.get("params", {})
        if message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri \
                and params.get("version") == version:
            assert [d["code"] for d in params["diagnostics"]] == ["DES002"]
            assert message[RECEIVED] - sent < RESPONSIVE_S
            break
        seen.append(message)
    sent = time.monotonic()
    response = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                     "position": {"line": 3, "character": 16}}, timeout=RESPONSIVE_S)
    assert "error" not in response, response
    assert time.monotonic() - sent < RESPONSIVE_S


def _progress(seen: list[Message], kind: str) -> list[dict[str, Any]]:
    return [m["params"] for m in seen if m.get("method") == "$/progress" and m["params"]["value"]["kind"] == kind]


def test_the_default_limit_stops_listing_with_one_message(tree: Path, tmp_path: Path) -> None:
    server = RawServer(tmp_path, env={"VIGIL_CACHE_DIR": str(tmp_path / "cache")})
    try:
        server.initialize(tree, capabilities=CAPABILITIES)
        uri = (tree / "pkg0" / "open_me.py").as_uri()
        server.open(uri, OPEN)
        seen: list[Message] = []
        version = 1
        deadline = time.monotonic() + 120
        while not _progress(seen, "end"):
            assert time.monotonic() < deadline, "the limited scan never ended"
            version += 1
            _edit_and_hover(server, uri, version, seen)
            seen += server.drain_notifications()
        (end,) = _progress(seen, "end")
        assert end["value"]["message"] == "more than 5,000 Python files: not scanned"
        time.sleep(0.5)
        seen += server.drain_notifications()
        logs = [m["params"]["message"] for m in seen if m.get("method") == "window/logMessage"]
        said = ("the workspace has more than 5,000 Python files, so closed files are not scanned; open files are "
                "analysed as usual (setting maxWorkspaceFiles)")
        assert [m for m in logs if "more than 5,000 Python files" in m] == [said]
        assert not [m for m in seen if m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] != uri], "closed files were published despite the limit"
    finally:
        server.close()


def test_a_full_scan_stays_responsive_and_can_be_cancelled(tree: Path, tmp_path: Path) -> None:
    server = RawServer(tmp_path, env={"VIGIL_CACHE_DIR": str(tmp_path / "cache")})
    try:
        server.initialize(tree, capabilities=CAPABILITIES, options={"settings": {"maxWorkspaceFiles": FILES}})
        uri = (tree / "pkg0" / "open_me.py").as_uri()
        server.open(uri, OPEN)
        seen: list[Message] = []
        version = 1
        deadline = time.monotonic() + 240
        # Probe while the workspace is listed and then analysed, until 2% of it is done.
        while True:
            assert time.monotonic() < deadline, "the scan made no progress"
            version += 1
            _edit_and_hover(server, uri, version, seen)
            seen += server.drain_notifications()
            assert not _progress(seen, "end"), _progress(seen, "end")
            done = [p for p in _progress(seen, "report") if p["value"].get("percentage", 0) >= 2]
            if done:
                break
        listing = [p["value"]["message"] for p in _progress(seen, "report") if "listing" in p["value"]["message"]]
        assert all(m.startswith("listing files: ") and m.endswith(" found") for m in listing)
        published = {m["params"]["uri"] for m in seen if m.get("method") == "textDocument/publishDiagnostics"
                     and m["params"]["uri"] != uri}
        assert published, "files with findings were scanned but nothing was published"
        # Only files with findings (every 100th) are published: a clean file costs no notification.
        assert all(Path(u.removeprefix("file://")).stat().st_size > 0 for u in published)
        token = done[0]["token"]
        cancelled = time.monotonic()
        server.notify("window/workDoneProgress/cancel", {"token": token})
        end = server.wait_notification("$/progress", lambda m: m["params"]["token"] == token
                                       and m["params"]["value"]["kind"] == "end", timeout=RESPONSIVE_S)
        assert end["params"]["value"]["message"] == "cancelled"
        assert end[RECEIVED] - cancelled < RESPONSIVE_S
        _edit_and_hover(server, uri, version + 1, [])
    finally:
        server.close()
