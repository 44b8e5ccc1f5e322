"""workspace/executeCommand: ``vigil.showRuleDocs`` (rule id) and ``vigil.fixAll`` (uri)."""

from __future__ import annotations

from lsprotocol import types

from vigil.lsp import actions
from vigil.lsp.rule_docs import rule_markdown
from vigil.lsp.server import VigilServer

SHOW_RULE_DOCS = "vigil.showRuleDocs"
FIX_ALL = "vigil.fixAll"


def register(server: VigilServer) -> None:
    @server.command(SHOW_RULE_DOCS)
    def show_rule_docs(ls: VigilServer, rule_id: str) -> str | None:
        """Returns the Markdown documentation (clients may display it) or None if unknown."""
        rule = ls.ruleset.by_id(rule_id.strip().upper()) if ls.ruleset is not None else None
        return rule_markdown(rule) if rule is not None else None

    @server.command(FIX_ALL)
    async def fix_all(ls: VigilServer, uri: str) -> bool:
        """Applies every safe fix through workspace/applyEdit; True when the client applied it."""
        doc = ls.store.get(uri)
        if doc is None:
            return False
        edits = actions.fix_all_edits(doc, ls.codec)
        if not edits:
            return False
        document_changes = ls.client_supports("workspace.workspace_edit.document_changes")
        result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=actions.workspace_edit(doc, edits, document_changes), label="Fix all safe Vigil issues"))
        return bool(result.applied)
