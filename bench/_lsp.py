"""A real LSP client session over stdio (pygls' ``LanguageClient``) for the benchmarks.

The client keeps its own copy of each document as a list of lines so it can send positions
in the negotiated unit (UTF-16 code units or UTF-8 bytes), and times each notification until
the ``publishDiagnostics`` *of that version* arrives: earlier publishes do not count.

Pitfall (shared/reference/editor-clients/REPORT.md): ``start_io`` pipes the server's stderr
and nothing reads it, so a chatty server blocks. The server is started with ``--log-file``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ENCODINGS = {"utf-16": types.PositionEncodingKind.Utf16, "utf-8": types.PositionEncodingKind.Utf8}
PUBLISH_TIMEOUT = float(os.environ.get("VIGIL_BENCH_TIMEOUT", "300"))


def vigil_command(log_file: str) -> list[str]:
    """The server command; ``VIGIL_BENCH_PROFILE=bench/profile_server.py`` profiles it."""
    if os.environ.get("VIGIL_BENCH_PROFILE"):
        return [sys.executable, os.environ["VIGIL_BENCH_PROFILE"], "--log-file", log_file]
    return [sys.executable, "-m", "vigil", "serve", "--log-file", log_file]


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's position units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


@dataclass
class OpenDocument:
    uri: str
    lines: list[str]
    version: int = 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Session:
    """One server process and the documents the client has open in it."""

    encoding: str = "utf-16"
    env: dict[str, str] = field(default_factory=dict)
    client: LanguageClient = field(init=False)
    docs: dict[str, OpenDocument] = field(default_factory=dict)
    _waiters: dict[tuple[str, int], asyncio.Future[tuple[float, int]]] = field(default_factory=dict)
    log_file: str = field(default="")

    async def start(self, root: Path) -> float:
        """Start ``vigil serve`` and initialize; returns the initialize round trip in ms."""
        self.client = LanguageClient("vigil-bench", "1")
        handle, self.log_file = tempfile.mkstemp(prefix="vigil-bench-server-", suffix=".log")
        os.close(handle)

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: types.PublishDiagnosticsParams) -> None:
            now = time.perf_counter()
            future = self._waiters.pop((params.uri, params.version or -1), None)
            if future is not None and not future.done():
                future.set_result((now, len(params.diagnostics)))

        env = {**os.environ, **self.env}
        command = vigil_command(self.log_file)
        await self.client.start_io(command[0], *command[1:], env=env)
        start = time.perf_counter()
        capabilities = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=[ENCODINGS[self.encoding]]),
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            ),
        )
        result = await self.client.initialize_async(types.InitializeParams(
            process_id=os.getpid(), root_uri=root.as_uri(), capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
        negotiated = result.capabilities.position_encoding
        if str(getattr(negotiated, "value", negotiated)) != self.encoding:
            raise RuntimeError(f"server chose {negotiated}, the client asked for {self.encoding}")
        self.client.initialized(types.InitializedParams())
        return (time.perf_counter() - start) * 1000

    @property
    def pid(self) -> int:
        server = getattr(self.client, "_server", None)
        if server is None:
            raise RuntimeError("the server is not running")
        return int(server.pid)

    def _expect(self, uri: str, version: int) -> asyncio.Future[tuple[float, int]]:
        future: asyncio.Future[tuple[float, int]] = asyncio.get_running_loop().create_future()
        self._waiters[(uri, version)] = future
        return future

    async def open(self, path: Path, text: str) -> tuple[float, int]:
        """didOpen; returns (ms until its diagnostics, number of diagnostics)."""
        uri = path.as_uri()
        self.docs[uri] = OpenDocument(uri, text.split("\n"))
        future = self._expect(uri, 1)
        start = time.perf_counter()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        end, count = await asyncio.wait_for(future, PUBLISH_TIMEOUT)
        return (end - start) * 1000, count

    def close(self, uri: str) -> None:
        self.docs.pop(uri)
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))

    def position(self, doc: OpenDocument, line: int, column: int) -> types.Position:
        """``column`` is a ``str`` index into the line; the position is in client units."""
        return types.Position(line=line, character=units(doc.lines[line][:column], self.encoding))

    async def replace(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> tuple[float, int]:
        """One didChange replacing (line, str column) ``start``..``end`` with ``text``; returns
        (ms until the publish of the new version, number of diagnostics)."""
        doc = self.docs[uri]
        rng = types.Range(start=self.position(doc, *start), end=self.position(doc, *end))
        head = doc.lines[start[0]][: start[1]]
        tail = doc.lines[end[0]][end[1]:]
        doc.lines[start[0] : end[0] + 1] = (head + text + tail).split("\n")
        doc.version += 1
        future = self._expect(uri, doc.version)
        begin = time.perf_counter()
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
            content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)]))
        finish, count = await asyncio.wait_for(future, PUBLISH_TIMEOUT)
        return (finish - begin) * 1000, count

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 30)
            self.client.exit(None)
        finally:
            await self.client.stop()
            if self.log_file:
                Path(self.log_file).unlink(missing_ok=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``; clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")
