"""pytest-lsp fixtures: the real server (``python -m vigil serve``) over stdio, driven with the
recorded capabilities of VS Code (UTF-16, push diagnostics), Neovim 0.11 (UTF-8, pull
diagnostics) and Emacs 29 (UTF-32).

Each test gets a fresh server and a fresh workspace folder (function-scoped fixture: the
module-scoped variant hangs with pytest-asyncio 1.x, see shared/README.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec

CLIENTS = {
    "visual-studio-code": "utf-16",
    "neovim": "utf-8",
    "emacs": "utf-32",
}


@dataclass
class Session:
    client: LanguageClient
    name: str
    root: Path
    encoding: str
    pull: bool
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    async def open(self, name: str, text: str, language_id: str = "python") -> list[types.Diagnostic]:
        uri = self.uri(name)
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        (self.root / name).write_text(text, encoding="utf-8", newline="")
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)))
        return await self.diagnostics(uri)

    async def change(self, uri: str, edits: list[types.TextEdit]) -> list[types.Diagnostic]:
        """Send ``edits`` (non-overlapping, client units) as one incremental didChange event."""
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        text = self.texts[uri]
        for edit in ordered:  # last first: earlier ranges stay valid
            text = apply_text_edit(text, edit, self.encoding)
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                             for e in ordered]))
        return await self.diagnostics(uri)

    async def type_text(self, uri: str, position: types.Position, text: str) -> list[types.Diagnostic]:
        return await self.change(uri, [types.TextEdit(range=types.Range(start=position, end=position),
                                                      new_text=text)])

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics for the current version: pulled, or waited for until pushed."""
        if self.pull:
            report = await self.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            return list(report.items)
        while True:
            params = await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == self.versions.get(uri):
                return list(params.diagnostics)

    async def apply(self, edit: types.WorkspaceEdit) -> list[types.Diagnostic]:
        """Apply a WorkspaceEdit the way an editor does (documentChanges or changes)."""
        if edit.document_changes:
            (doc_edit,) = edit.document_changes
            assert isinstance(doc_edit, types.TextDocumentEdit)
            uri = doc_edit.text_document.uri
            assert doc_edit.text_document.version == self.versions[uri]
            edits = list(doc_edit.edits)
        else:
            assert edit.changes is not None
            ((uri, edits),) = edit.changes.items()
        return await self.change(uri, edits)  # type: ignore[arg-type]


def apply_text_edit(text: str, edit: types.TextEdit, encoding: str) -> str:
    buf = text.encode()
    lines = LineIndex.from_bytes(buf)
    codec = PositionCodec(encoding)
    start, end = codec.offsets(buf, lines, edit.range)
    return (buf[:start] + edit.new_text.encode() + buf[end:]).decode()


def server_command() -> list[str]:
    return [sys.executable, "-X", "faulthandler", "-m", "vigil", "serve"]


@pytest_lsp.fixture(params=list(CLIENTS), config=ClientServerConfig(server_command=server_command()))
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path: Path):
    capabilities = client_capabilities(request.param)
    registrations: list[types.Registration] = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        """Real editors accept dynamic registrations (the server watches pyproject.toml)."""
        registrations.extend(params.registrations)

    root = tmp_path / "ws"
    root.mkdir()
    options = getattr(request, "node", None) and request.node.get_closest_marker("init_options")
    result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities, root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options=options.args[0] if options else None))
    encoding = str(result.capabilities.position_encoding or "utf-16")
    pull = bool(capabilities.text_document and capabilities.text_document.diagnostic)
    lsp_client.vigil_session = Session(lsp_client, request.param, root, encoding, pull)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(client: LanguageClient) -> Session:
    return client.vigil_session  # type: ignore[attr-defined]
