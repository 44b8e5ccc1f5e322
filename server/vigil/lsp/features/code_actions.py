"""textDocument/codeAction: quick fixes, suppressions and ``source.fixAll.vigil``."""

from __future__ import annotations

from lsprotocol import types

from vigil.lsp import actions
from vigil.lsp.server import VigilServer


def register(server: VigilServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=False))
    def code_action(ls: VigilServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        doc = ls.store.get(params.text_document.uri)
        if doc is None:
            return None
        document_changes = ls.client_supports("workspace.workspace_edit.document_changes")
        only = params.context.only
        return (actions.quick_fixes(doc, params.context.diagnostics, document_changes, only)
                + actions.fix_all(doc, ls.codec, document_changes, only)) or None
