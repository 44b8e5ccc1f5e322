"""textDocument/hover over a flagged range: the rule's documentation."""

from __future__ import annotations

from lsprotocol import types

from vigil.lsp.rule_docs import rule_markdown
from vigil.lsp.server import VigilServer


def register(server: VigilServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: VigilServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.store.get(params.text_document.uri)
        if doc is None or doc.analysis is None or ls.ruleset is None:
            return None
        codec = ls.codec
        offset = codec.offset_at(doc.source, doc.lines, params.position)
        for finding in doc.analysis.findings:
            if finding.start <= offset <= finding.end:
                rule = ls.ruleset.by_id(finding.rule_id)
                if rule is None:
                    continue
                return types.Hover(
                    contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                 value=rule_markdown(rule, finding.message)),
                    range=codec.range(doc.source, doc.lines, finding.start, finding.end))
        return None
