"""Workspace scan: closed files get diagnostics, open documents win, progress, watched files."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session

INSECURE = "import yaml\n\ndef read(stream):\n    return yaml.load(stream)\n"
CLEAN = "def add(a, b):\n    return a + b\n"


def _write_workspace(session: Session) -> None:
    (session.root / "a.py").write_text(INSECURE)
    (session.root / "b.py").write_text(CLEAN)
    (session.root / "pkg").mkdir()
    (session.root / "pkg" / "c.py").write_text(INSECURE.replace("stream", "data"))
    (session.root / ".venv").mkdir()  # excluded like `vigil check` does
    (session.root / ".venv" / "d.py").write_text(INSECURE)


async def _scan(session: Session) -> Any:
    return await session.client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="vigil.scanWorkspace", arguments=[]))


async def _closed_diagnostics(session: Session, want: set[str], timeout: float = 60.0,
                              check: Any = None) -> dict[str, list[types.Diagnostic]]:
    """Diagnostics of closed files, polled until every uri of ``want`` has some (and ``check``
    accepts them). Push: pytest-lsp keeps the last ``publishDiagnostics`` per uri (a
    notification that arrived before we started waiting is not lost); pull: workspace/diagnostic."""
    seen: dict[str, list[types.Diagnostic]] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if session.pull:
            report = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
                previous_result_ids=[]))
            seen = {item.uri: list(item.items) for item in report.items
                    if isinstance(item, types.WorkspaceFullDocumentDiagnosticReport) and item.version is None}
        else:
            seen = {uri: list(d) for uri, d in session.client.diagnostics.items()
                    if uri not in session.versions}
        if want <= set(seen) and (check is None or check(seen)):
            return seen
        assert loop.time() < deadline, f"timed out; saw {sorted(seen)}"
        await asyncio.sleep(0.05)


async def test_closed_files_get_diagnostics(session: Session) -> None:
    _write_workspace(session)
    assert await _scan(session) is True
    found = await _closed_diagnostics(session, {session.uri("a.py"), session.uri("pkg/c.py")})
    assert [d.code for d in found[session.uri("a.py")]] == ["DES002"]
    assert found[session.uri("a.py")][0].range.start == types.Position(line=3, character=11)
    # A clean file is neither published nor reported (pkg/c.py comes after b.py in the walk):
    # 100k clean files would otherwise be 100k empty notifications for the client.
    assert session.uri("b.py") not in found
    assert [d.code for d in found[session.uri("pkg/c.py")]] == ["DES002"]
    assert session.uri(".venv/d.py") not in found


async def test_open_documents_win_over_disk(session: Session) -> None:
    _write_workspace(session)
    await _scan(session)
    await _closed_diagnostics(session, {session.uri("a.py")})
    uri = session.uri("a.py")
    session.texts[uri], session.versions[uri] = CLEAN, 1
    session.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=CLEAN)))
    assert await session.diagnostics(uri) == []  # the editor's text, not the insecure file on disk
    await _scan(session)
    await _closed_diagnostics(session, {session.uri("pkg/c.py")})
    if session.pull:
        report = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
            previous_result_ids=[]))
        for_a = [item for item in report.items if item.uri == uri]
        assert len(for_a) == 1 and for_a[0].version == 1 and list(for_a[0].items) == []


async def test_watched_file_changes_rescan(session: Session) -> None:
    _write_workspace(session)
    await _scan(session)
    await _closed_diagnostics(session, {session.uri("pkg/c.py")})  # after b.py in the walk
    (session.root / "b.py").write_text(INSECURE)
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=session.uri("b.py"), type=types.FileChangeType.Changed)]))
    found = await _closed_diagnostics(session, {session.uri("b.py")},
                                      check=lambda seen: bool(seen[session.uri("b.py")]))
    assert [d.code for d in found[session.uri("b.py")]] == ["DES002"]


async def test_progress_is_reported(session: Session) -> None:
    if session.name != "visual-studio-code":
        pytest.skip("progress is checked with the client that asks for it")
    _write_workspace(session)
    await _scan(session)
    await _closed_diagnostics(session, {session.uri("a.py"), session.uri("pkg/c.py")})
    for _ in range(100):
        reports = [r for token, rs in session.client.progress_reports.items()
                   if str(token).startswith("vigil-scan") for r in rs]
        if reports and isinstance(reports[-1], types.WorkDoneProgressEnd) and len(
                [r for r in reports if isinstance(r, types.WorkDoneProgressBegin)]) >= 2:
            break
        await asyncio.sleep(0.05)
    begins = [r for r in reports if isinstance(r, types.WorkDoneProgressBegin)]
    assert begins and begins[0].title == "Vigil" and begins[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message in ("3 files", "cancelled")


@pytest.mark.init_options({"settings": {"workspaceScan": "off"}})
async def test_off_scans_nothing(session: Session) -> None:
    _write_workspace(session)
    assert await _scan(session) is False
    uri = session.uri("b.py")
    await asyncio.sleep(1.0)
    diagnostics = await session.open("b.py", CLEAN)  # the first publish is the open file's own
    assert diagnostics == []
    assert set(session.client.diagnostics) <= {uri}  # nothing for the insecure closed files
    if session.pull:
        report = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
            previous_result_ids=[]))
        assert [item.uri for item in report.items] == [uri]


@pytest.mark.init_options({"settings": {"maxWorkspaceFiles": 2}})
async def test_too_many_files_behaves_like_open_files(session: Session) -> None:
    _write_workspace(session)
    await _scan(session)
    await asyncio.sleep(1.0)
    diagnostics = await session.open("b.py", CLEAN)
    assert diagnostics == []
    assert set(session.client.diagnostics) <= {session.uri("b.py")}
    if session.pull:
        report = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
            previous_result_ids=[]))
        assert [item.uri for item in report.items] == [session.uri("b.py")]


@pytest.mark.init_options({"settings": {"maxWorkspaceFiles": 2}})
async def test_the_limit_is_said_once(session: Session) -> None:
    """Over maxWorkspaceFiles: one warning in the client's log, however often the scan is
    restarted, and (with progress) an end message that says why nothing was scanned."""
    _write_workspace(session)
    for _ in range(3):
        await _scan(session)
        await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        said = [m.message for m in session.client.log_messages if "more than 2 Python files" in m.message]
        if said or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert len(said) == 1, said
    assert "maxWorkspaceFiles" in said[0]
    if session.name == "visual-studio-code":
        ends = [r for token, rs in session.client.progress_reports.items() if str(token).startswith("vigil-scan")
                for r in rs if isinstance(r, types.WorkDoneProgressEnd)]
        assert ends and all(e.message == "more than 2 Python files: not scanned" for e in ends), ends


async def test_a_file_fixed_on_disk_is_cleared(session: Session) -> None:
    """Clean files are not published, but one that had findings gets its empty report."""
    _write_workspace(session)
    await _scan(session)
    uri = session.uri("a.py")
    await _closed_diagnostics(session, {uri})
    (session.root / "a.py").write_text(CLEAN)
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri, type=types.FileChangeType.Changed)]))
    found = await _closed_diagnostics(session, {uri}, check=lambda seen: seen[uri] == [])
    assert found[uri] == []
