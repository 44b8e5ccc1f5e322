"""Background workspace scan (setting ``workspaceScan``) and the ``vigil.scanWorkspace`` command.

After ``initialized`` (and after any change of settings or rules), the workspace's Python files
are analysed on a dedicated single-worker thread — never pygls' pool, whose stdin reader
lives there — and diagnostics are published for files that are not open. Open documents
always win over disk: a scanned result is dropped if its file is open by the time it is
posted back to the event loop. Results come from the persistent cache when the file is
unchanged, and no syntax tree is kept.

Progress is reported with server-initiated work-done progress ("listing files: 40,000 found",
then "Vigil: 120/1,402 files") when the client supports it; cancelling it in the editor, a new
scan, or shutdown stops the scan between two files (or two listed files). ``maxWorkspaceFiles``
caps the scan: listing stops at the first file over the limit, and a bigger workspace behaves
like ``openFiles``, said once in the log and in the progress' end message.

Scale (100,000 files, scripts/workspace_100k.py): what the scan keeps is the list of paths as
strings (bounded by ``maxWorkspaceFiles``) and the diagnostics of files that have findings.
A clean file is neither stored nor published — the client has nothing to clear for it —
unless it had findings before, which its empty publish clears.

Files changed on disk (``workspace/didChangeWatchedFiles``, ``**/*.py``) and files just closed
are re-scanned one by one. Pull clients get closed files' diagnostics through
``workspace/diagnostic``; push clients through ``publishDiagnostics`` without a version.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from vigil.cache import ResultCache, resolve_cache_dir
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec
from vigil.documents.store import uri_to_path
from vigil.lsp.convert import SOURCE, lsp_severity
from vigil.lsp.server import VigilServer
from vigil.workspace.scan import (
    FileFindings,
    analyse_file,
    iter_python_files,
    namespace_for,
)

log = logging.getLogger(__name__)

SCAN_WORKSPACE = "vigil.scanWorkspace"
WATCHER_ID = "vigil-python-files"
#: Progress notifications at most this often (a notification per file would flood the client).
PROGRESS_INTERVAL = 0.2


@dataclass
class _Published:
    diagnostics: list[types.Diagnostic]
    result_id: str


@dataclass
class _Run:
    """One scan: its generation number, cancellation flag and progress token."""

    generation: int
    cancelled: threading.Event = field(default_factory=threading.Event)
    token: str | None = None
    #: Files found so far while listing; the total once listing is over.
    listed: int = 0
    total: int = 0
    done: int = 0
    limited: bool = False


def _diagnostics(item: FileFindings, codec: PositionCodec, ruleset: Any) -> list[types.Diagnostic]:
    """Diagnostics of a closed file: ranges and codes only. Code actions need the open
    document (they are versioned edits), so ``data`` carries just what identifies the finding."""
    lines = LineIndex.from_bytes(item.source)
    out = []
    for finding in item.findings:
        rule = ruleset.by_id(finding.rule_id) if ruleset is not None else None
        out.append(types.Diagnostic(
            range=codec.range(item.source, lines, finding.start, finding.end),
            message=finding.message,
            severity=lsp_severity(finding.severity),
            code=finding.rule_id,
            code_description=types.CodeDescription(href=rule.docs_uri) if rule is not None else None,
            source=SOURCE,
            data={"rule": finding.rule_id, "start": finding.start, "end": finding.end, "closed": True},
        ))
    return out


class WorkspaceScanner:
    """Owns the scan thread and the diagnostics of closed files."""

    def __init__(self, server: VigilServer) -> None:
        self.server = server
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-workspace-scan")
        self._generation = itertools.count(1)
        self._run: _Run | None = None
        self.published: dict[str, _Published] = {}
        self._result_ids = itertools.count(1)
        self._cache: ResultCache | None = None
        self._cache_dir: Path | None = None
        self.last_summary: dict[str, int] = {}
        #: (root, limit) last reported as exceeded: the warning is logged once, not per rescan.
        self._limit_reported: tuple[Path, int] | None = None

    # -- control ------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.server.settings.workspaceScan

    def cancel(self) -> None:
        if self._run is not None:
            self._run.cancelled.set()
            self._run = None

    def shutdown(self) -> None:
        self.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def start(self) -> None:
        """(Re)start a full scan according to the current settings."""
        self.cancel()
        if self.mode != "workspace" or not self.server.settings.enable or self.server.root is None:
            self._forget_all()
            return
        run = _Run(next(self._generation))
        self._run = run
        asyncio.ensure_future(self._scan(run))

    def file_changed(self, uri: str, deleted: bool = False) -> None:
        """A file changed on disk or was closed: re-scan it (or forget it if deleted)."""
        if deleted:
            self._forget(uri)
            return
        if self.mode != "workspace" or uri in self.server.store or self._run_is_limited():
            return
        path = uri_to_path(uri)
        if path is None or not path.endswith(".py") or self.server.root is None:
            return
        if not Path(path).is_relative_to(self.server.root):
            return
        generation = self._run.generation if self._run is not None else 0
        loop = asyncio.get_running_loop()
        future = self._executor.submit(self._analyse_one, Path(path), threading.Event())
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._deliver, uri, f.result(), generation)
                                 if not f.cancelled() and f.exception() is None else None)

    def _run_is_limited(self) -> bool:
        return bool(self.last_summary.get("limited"))

    # -- the scan -----------------------------------------------------------------------------
    def _open_cache(self) -> ResultCache | None:
        directory = resolve_cache_dir(getattr(self.server.settings, "cacheDir", "") or None)
        if self._cache is None or self._cache_dir != directory:
            if self._cache is not None:
                self._cache.close()
            self._cache, self._cache_dir = ResultCache(directory), directory
        return self._cache if self._cache.enabled else None

    async def _scan(self, run: _Run) -> None:
        server = self.server
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        if server.client_supports("window.work_done_progress"):
            token = f"vigil-scan-{run.generation}"
            try:
                await server.work_done_progress.create_async(token)
                run.token = token
            except Exception as exc:  # noqa: BLE001 - progress is optional; the scan is not
                log.info("client refused a progress token: %s", exc)
        if run.cancelled.is_set():
            return
        if run.token is not None:
            server.work_done_progress.begin(run.token, types.WorkDoneProgressBegin(
                title="Vigil", message="listing files", cancellable=True, percentage=0))
            cancel_future = server.work_done_progress.tokens.get(run.token)
            if cancel_future is not None:
                cancel_future.add_done_callback(lambda f: run.cancelled.set() if f.cancelled() else None)
        try:
            summary = await loop.run_in_executor(self._executor, self._scan_files, run, loop)
        finally:
            if run.token is not None:
                if run.limited:
                    message = f"more than {server.settings.maxWorkspaceFiles:,} Python files: not scanned"
                elif run.cancelled.is_set():
                    message = "cancelled"
                else:
                    message = f"{run.done:,} files"
                server.work_done_progress.end(run.token, types.WorkDoneProgressEnd(message=message))
                # pygls 2.1 keeps every token's Future forever (one per scan, and a scan follows
                # every change of settings or rules); the run is over, so is its token.
                server.work_done_progress.tokens.pop(run.token, None)
        summary["seconds_ms"] = int((time.monotonic() - started) * 1000)
        self.last_summary = summary
        if summary.get("limited"):
            limit = server.settings.maxWorkspaceFiles
            if self._limit_reported != (server.root, limit):
                self._limit_reported = (server.root, limit)  # type: ignore[assignment]
                server.log(logging.WARNING, f"the workspace has more than {limit:,} Python files, so closed "
                           "files are not scanned; open files are analysed as usual (setting "
                           "maxWorkspaceFiles)")
        if not run.cancelled.is_set():
            if not run.limited:
                server.log(logging.INFO, f"workspace scan: {run.done} files, {summary.get('cached', 0)} from "
                           f"cache, {summary['seconds_ms']} ms")
            if server.pull_diagnostics and server.client_supports("workspace.diagnostics.refresh_support"):
                server.workspace_diagnostic_refresh(None)

    def _scan_files(self, run: _Run, loop: asyncio.AbstractEventLoop) -> dict[str, int]:
        """Runs on the scan thread: list, then analyse file by file, posting each result."""
        server = self.server
        engine, config = server.engine, server.config
        if engine is None or server.root is None or server.ruleset is None:
            return {}
        files = self._list_files(run, loop)
        if files is None:
            return {"limited": 1} if run.limited else {}
        run.total = len(files)
        cache = self._open_cache()
        namespace = namespace_for(config, server.ruleset.fingerprint) if cache is not None else None
        analyzer = engine.analyzer
        codec = server.codec
        ruleset = server.ruleset
        cached = 0
        last_report = 0.0
        for name in files:
            if run.cancelled.is_set():
                break
            path = Path(name)
            uri = path.as_uri()
            if uri not in server.store:  # open documents win (checked again on delivery)
                try:
                    item = analyse_file(path, analyzer, config, cache, namespace)
                except Exception as exc:  # noqa: BLE001 - one bad file must not end the scan
                    log.warning("workspace scan: %s failed: %s", path, exc)
                    item = None
                if item is not None:
                    cached += item.cached
                    diagnostics = _diagnostics(item, codec, ruleset)
                    loop.call_soon_threadsafe(self._deliver_diagnostics, uri, diagnostics, run.generation)
            run.done += 1
            now = time.monotonic()
            if run.token is not None and now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                loop.call_soon_threadsafe(self._report, run)
            time.sleep(0)  # let the event-loop thread take the GIL between files
        return {"files": run.total, "done": run.done, "cached": cached}

    def _list_files(self, run: _Run, loop: asyncio.AbstractEventLoop) -> list[str] | None:
        """The workspace's Python files as strings (a ``Path`` costs several times the memory
        of its string, and 100k of them are held for the whole scan); None when the workspace
        is over ``maxWorkspaceFiles`` (``run.limited``) or cannot be listed. Reports progress
        while listing: walking 100k files takes seconds."""
        server = self.server
        assert server.root is not None
        limit = server.settings.maxWorkspaceFiles
        files: list[str] = []
        last_report = time.monotonic()
        try:
            for path in iter_python_files(server.root, server.config, run.cancelled):
                files.append(str(path))
                run.listed = len(files)
                if run.listed > limit:
                    run.limited = True
                    loop.call_soon_threadsafe(self._forget_all)
                    return None
                now = time.monotonic()
                if run.token is not None and now - last_report >= PROGRESS_INTERVAL:
                    last_report = now
                    loop.call_soon_threadsafe(self._report, run)
        except OSError as exc:
            log.warning("workspace scan: cannot list %s: %s", server.root, exc)
            return None
        return files

    def _analyse_one(self, path: Path, cancelled: threading.Event) -> list[types.Diagnostic] | None:
        server = self.server
        if server.engine is None or server.ruleset is None or cancelled.is_set():
            return None
        cache = self._open_cache()
        namespace = namespace_for(server.config, server.ruleset.fingerprint) if cache is not None else None
        item = analyse_file(path, server.engine.analyzer, server.config, cache, namespace)
        return _diagnostics(item, server.codec, server.ruleset) if item is not None else None

    # -- on the event loop ----------------------------------------------------------------------
    def _report(self, run: _Run) -> None:
        if run.token is None or run.cancelled.is_set():
            return
        if not run.total:
            self.server.work_done_progress.report(run.token, types.WorkDoneProgressReport(
                message=f"listing files: {run.listed:,} found"))
            return
        self.server.work_done_progress.report(run.token, types.WorkDoneProgressReport(
            message=f"{run.done:,}/{run.total:,} files", percentage=int(100 * run.done / run.total)))

    def _deliver(self, uri: str, diagnostics: list[types.Diagnostic] | None, generation: int) -> None:
        if diagnostics is None:
            self._forget(uri)
        else:
            self._deliver_diagnostics(uri, diagnostics, generation)

    def _deliver_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic], generation: int) -> None:
        current = self._run.generation if self._run is not None else generation
        if generation < current or uri in self.server.store or self.mode != "workspace":
            return  # stale, or the document is open (its own analysis is what counts)
        previous = self.published.get(uri)
        if not diagnostics and (previous is None or not previous.diagnostics):
            return  # a clean file the client holds nothing for: no entry, no notification
        if self.server.pull_diagnostics:
            # An empty entry stays so the next workspace/diagnostic clears the old findings.
            self.published[uri] = _Published(diagnostics, f"scan:{next(self._result_ids)}")
            return
        if diagnostics:
            self.published[uri] = _Published(diagnostics, f"scan:{next(self._result_ids)}")
        else:
            del self.published[uri]
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def _forget(self, uri: str) -> None:
        if self.published.pop(uri, None) is not None and uri not in self.server.store:
            self.server.clear(uri)

    def _forget_all(self) -> None:
        for uri in list(self.published):
            self._forget(uri)

    def opened(self, uri: str) -> None:
        """An open document takes over: its own analysis publishes from now on."""
        self.published.pop(uri, None)

    def workspace_reports(self, previous: dict[str, str]) -> list[types.WorkspaceDocumentDiagnosticReport]:
        """``workspace/diagnostic`` items for scanned files that are not open."""
        items: list[types.WorkspaceDocumentDiagnosticReport] = []
        for uri, published in self.published.items():
            if uri in self.server.store:
                continue
            if previous.get(uri) == published.result_id:
                items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=uri, version=None, result_id=published.result_id))
            else:
                items.append(types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, version=None, items=published.diagnostics, result_id=published.result_id))
        return items


def register(server: VigilServer) -> None:
    scanner = WorkspaceScanner(server)
    server.workspace_scanner = scanner  # type: ignore[attr-defined]

    @server.command(SCAN_WORKSPACE)
    def scan_workspace(ls: VigilServer, *args: Any) -> bool:
        """Re-run the workspace scan; False when the settings turn it off."""
        scanner.start()
        return ls.settings.workspaceScan == "workspace"

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: VigilServer, *args: Any) -> None:
        scanner.shutdown()


async def watch_python_files(server: VigilServer) -> None:
    """Ask the client to tell us about ``.py`` files changed outside the editor."""
    if not server.client_supports("workspace.did_change_watched_files.dynamic_registration"):
        return
    try:
        await server.client_register_capability_async(types.RegistrationParams(registrations=[
            types.Registration(
                id=WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern="**/*.py")]),
            )]))
    except Exception as exc:  # noqa: BLE001 - a boundary: log and carry on
        server.log(logging.INFO, f"could not watch Python files: {exc}")


def scanner_of(server: VigilServer) -> WorkspaceScanner | None:
    return getattr(server, "workspace_scanner", None)
