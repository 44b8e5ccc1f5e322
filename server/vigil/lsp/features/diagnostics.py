"""Pull diagnostics: ``textDocument/diagnostic`` and ``workspace/diagnostic`` (open documents).

Push (``publishDiagnostics``) lives in ``VigilServer``; it is used only by clients that do
not declare pull support, so no client shows every finding twice. The handlers are async so
``$/cancelRequest`` can cancel them while they wait for a background analysis.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from vigil.documents.store import DocumentState
from vigil.lsp.features.workspace_scan import scanner_of
from vigil.lsp.server import VigilServer

IDENTIFIER = "vigil"
_WAIT_STEP = 0.005


async def _ready(ls: VigilServer, uri: str) -> DocumentState | None:
    while ls.analysis_pending(uri):
        await asyncio.sleep(_WAIT_STEP)  # cancellable: a $/cancelRequest lands here
    await asyncio.sleep(0)
    return ls.store.get(uri)


def _result_id(doc: DocumentState) -> str:
    return f"{doc.version}:{id(doc.analysis)}"


def register(server: VigilServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(identifier=IDENTIFIER, inter_file_dependencies=False,
                                            workspace_diagnostics=True))
    async def document_diagnostic(ls: VigilServer, params: types.DocumentDiagnosticParams
                                  ) -> types.DocumentDiagnosticReport:
        doc = await _ready(ls, params.text_document.uri)
        if doc is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = _result_id(doc)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=ls.diagnostics(doc), result_id=result_id)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(ls: VigilServer, params: types.WorkspaceDiagnosticParams
                                   ) -> types.WorkspaceDiagnosticReport:
        previous = {p.uri: p.value for p in params.previous_result_ids}
        items: list[types.WorkspaceDocumentDiagnosticReport] = []
        for doc in ls.store:
            current = await _ready(ls, doc.uri)
            if current is None:
                continue
            result_id = _result_id(current)
            if previous.get(current.uri) == result_id:
                items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=current.uri, version=current.version, result_id=result_id))
            else:
                items.append(types.WorkspaceFullDocumentDiagnosticReport(
                    uri=current.uri, version=current.version, items=ls.diagnostics(current),
                    result_id=result_id))
        if (scanner := scanner_of(ls)) is not None:
            items.extend(scanner.workspace_reports(previous))  # closed files of the workspace scan
        return types.WorkspaceDiagnosticReport(items=items)
