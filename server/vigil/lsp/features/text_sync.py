"""didOpen / didChange / didSave / didClose: synchronous, so they run in message order.

The keystroke path is: byte splice + O(edit) line index update + ``Tree.edit`` + incremental
re-parse (``DocumentStore.apply_changes``), then region analysis (``VigilServer.analyse``).
"""

from __future__ import annotations

import logging

from lsprotocol import types

from vigil.lsp.features.workspace_scan import scanner_of
from vigil.lsp.server import VigilServer


def register(server: VigilServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VigilServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        doc = ls.store.open(item.uri, item.version, item.text, item.language_id)
        if (scanner := scanner_of(ls)) is not None:
            scanner.opened(item.uri)  # open documents win over the workspace scan
        ls.analyse(doc, None)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VigilServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.store.get(params.text_document.uri)
        if doc is None:
            ls.log(logging.WARNING, f"didChange for {params.text_document.uri}, which is not open; ignored")
            return
        if params.text_document.version <= doc.version:
            # Applied anyway: the changes are relative to the text we hold, whatever its label.
            ls.log(logging.WARNING, f"didChange for {doc.uri}: version {params.text_document.version} "
                   f"does not follow {doc.version}")
        change = ls.store.apply_changes(doc, params.text_document.version, params.content_changes, ls.codec)
        if ls.settings.run == "onSave":
            doc.dirty = True
            return
        ls.analyse(doc, change)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: VigilServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):
            ls.reload()
            ls.reanalyse_all()
            return
        doc = ls.store.get(uri)
        if doc is not None and (doc.dirty or doc.analysis is None):
            ls.analyse(doc, None)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: VigilServer, params: types.DidCloseTextDocumentParams) -> None:
        if ls.store.close(params.text_document.uri) is not None:
            ls.clear(params.text_document.uri)
            if (scanner := scanner_of(ls)) is not None:
                scanner.file_changed(params.text_document.uri)  # back to what is on disk
