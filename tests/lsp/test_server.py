"""End to end over stdio: open, type, fix, suppress, fix-all, hover, settings, pull, cancel."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session

INSECURE = 'import yaml\n\nlabel = "😀"; data = yaml.load(x)\n'


def _only(diagnostics: list[types.Diagnostic]) -> types.Diagnostic:
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


async def _actions(session: Session, uri: str, diagnostic: types.Diagnostic,
                   only: list[str] | None = None) -> list[types.CodeAction]:
    result = await session.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only)))
    return list(result or [])


async def test_open_reports_the_finding_in_client_units(session: Session) -> None:
    diagnostic = _only(await session.open("a.py", INSECURE))
    assert diagnostic.code == "DES002" and diagnostic.source == "vigil"
    assert diagnostic.code_description is not None and diagnostic.code_description.href.startswith("file:")
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    # `yaml.load` after an emoji: byte 23, UTF-16 unit 21, code point 20.
    expected = {"utf-8": 23, "utf-16": 21, "utf-32": 20}[session.encoding]
    assert diagnostic.range.start == types.Position(line=2, character=expected)
    assert isinstance(diagnostic.data, dict) and diagnostic.data["rule"] == "DES002"


async def test_typing_updates_diagnostics(session: Session) -> None:
    uri = session.uri("a.py")
    _only(await session.open("a.py", INSECURE))
    # Type a second insecure call at the end of the file, one character at a time.
    line = "other = yaml.load(y)\n"
    diagnostics: list[types.Diagnostic] = []
    for index, char in enumerate(line):
        diagnostics = await session.type_text(uri, types.Position(line=3, character=index), char)
    assert [d.range.start.line for d in diagnostics] == [2, 3]
    # Delete the "un" of safe: make line 3 safe by renaming load -> safe_load.
    column = line.index("load")
    diagnostics = await session.type_text(uri, types.Position(line=3, character=column), "safe_")
    assert [d.range.start.line for d in diagnostics] == [2]


async def test_quick_fix_removes_the_diagnostic(session: Session) -> None:
    uri = session.uri("a.py")
    diagnostic = _only(await session.open("a.py", INSECURE))
    actions = await _actions(session, uri, diagnostic, [types.CodeActionKind.QuickFix])
    fix = next(a for a in actions if a.title.startswith("Vigil (DES002)"))
    assert fix.is_preferred and fix.edit is not None
    assert await session.apply(fix.edit) == []
    assert session.texts[uri] == 'import yaml\n\nlabel = "😀"; data = yaml.safe_load(x)\n'


async def test_stale_diagnostics_get_no_actions(session: Session) -> None:
    uri = session.uri("a.py")
    diagnostic = _only(await session.open("a.py", INSECURE))
    await session.type_text(uri, types.Position(line=0, character=0), "# comment\n")
    assert await _actions(session, uri, diagnostic, [types.CodeActionKind.QuickFix]) == []


async def test_ignore_on_this_line_of_a_multi_line_statement(session: Session) -> None:
    uri = session.uri("b.py")
    text = "import yaml\n\ndata = yaml.load(\n    stream,\n)\n"
    diagnostic = _only(await session.open("b.py", text))
    actions = await _actions(session, uri, diagnostic)
    ignore = next(a for a in actions if a.title == "Ignore DES002 on this line")
    assert ignore.edit is not None
    assert await session.apply(ignore.edit) == []
    assert session.texts[uri] == "import yaml\n\ndata = yaml.load(\n    stream,\n)  # vigil: ignore[DES002]\n"


async def test_ignore_merges_into_an_existing_comment(session: Session) -> None:
    uri = session.uri("c.py")
    text = "import yaml\ndata = yaml.load(s)  # vigil: ignore[INJ001]\n"
    diagnostic = _only(await session.open("c.py", text))
    ignore = next(a for a in await _actions(session, uri, diagnostic) if a.title.startswith("Ignore DES002 on"))
    assert ignore.edit is not None
    assert await session.apply(ignore.edit) == []
    assert session.texts[uri] == "import yaml\ndata = yaml.load(s)  # vigil: ignore[INJ001, DES002]\n"


async def test_ignore_in_this_file(session: Session) -> None:
    uri = session.uri("d.py")
    text = "#!/usr/bin/env python\nimport yaml\ndata = yaml.load(s)\nmore = yaml.load(t)\n"
    diagnostics = await session.open("d.py", text)
    assert len(diagnostics) == 2
    ignore = next(a for a in await _actions(session, uri, diagnostics[0])
                  if a.title == "Ignore DES002 in this file")
    assert ignore.edit is not None
    assert await session.apply(ignore.edit) == []
    assert session.texts[uri].startswith("#!/usr/bin/env python\n# vigil: ignore-file[DES002]\nimport yaml\n")


async def test_fix_all(session: Session) -> None:
    uri = session.uri("e.py")
    text = "import yaml\na = yaml.load(s)\nb = yaml.unsafe_load(t)\n"
    diagnostics = await session.open("e.py", text)
    assert len(diagnostics) == 2
    actions = await _actions(session, uri, diagnostics[0], ["source.fixAll"])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.vigil" and fix_all.edit is not None
    assert await session.apply(fix_all.edit) == []
    assert session.texts[uri] == "import yaml\na = yaml.safe_load(s)\nb = yaml.safe_load(t)\n"


async def test_context_only_is_honoured(session: Session) -> None:
    uri = session.uri("a.py")
    diagnostic = _only(await session.open("a.py", INSECURE))
    assert {a.kind for a in await _actions(session, uri, diagnostic, [types.CodeActionKind.QuickFix])} == {
        types.CodeActionKind.QuickFix}
    assert {a.kind for a in await _actions(session, uri, diagnostic, ["source.fixAll.vigil"])} == {
        "source.fixAll.vigil"}
    assert await _actions(session, uri, diagnostic, [types.CodeActionKind.Refactor]) == []


async def test_hover_shows_rule_docs(session: Session) -> None:
    uri = session.uri("a.py")
    diagnostic = _only(await session.open("a.py", INSECURE))
    hover = await session.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=diagnostic.range.start))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "DES002" in text and "**Why**" in text and "**How to fix**" in text
    assert "**Before**" in text and "**After**" in text and "safe_load" in text
    nothing = await session.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=0)))
    assert nothing is None


async def test_show_rule_docs_command(session: Session) -> None:
    docs = await session.client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="vigil.showRuleDocs", arguments=["DES002"]))
    assert isinstance(docs, str) and docs.startswith("**DES002**")


async def test_settings_change_reanalyses_without_restart(session: Session) -> None:
    uri = session.uri("a.py")
    _only(await session.open("a.py", INSECURE))
    session.client.set_configuration({"ignore": ["DES002"]}, section="vigil")
    session.versions[uri] += 0
    session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"vigil": {"ignore": ["DES002"]}}))
    assert await _eventually(session, uri, lambda d: d == [])
    session.client.set_configuration({"ignore": [], "severityOverrides": {"DES002": "low"}}, section="vigil")
    session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"vigil": {"ignore": [], "severityOverrides": {"DES002": "low"}}}))
    assert await _eventually(session, uri, lambda d: [x.severity for x in d] == [
        types.DiagnosticSeverity.Information])


async def test_invalid_settings_give_one_message_and_defaults(session: Session) -> None:
    uri = session.uri("a.py")
    _only(await session.open("a.py", INSECURE))
    session.client.set_configuration({"run": "sometimes", "select": 3}, section="vigil")
    session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"vigil": {"run": "sometimes", "select": 3}}))
    for _ in range(200):
        if session.client.messages:
            break
        await asyncio.sleep(0.01)
    assert len(session.client.messages) == 1
    message = session.client.messages[0].message
    assert "'run'" in message and "'select'" in message
    assert len(await session.type_text(uri, types.Position(line=0, character=0), "\n")) == 1


async def test_pyproject_settings_apply(session: Session) -> None:
    (session.root / "pyproject.toml").write_text('[tool.vigil]\nignore = ["DES"]\n')
    uri = session.uri("pyproject.toml")
    session.client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await asyncio.sleep(0.2)
    assert await session.open("a.py", INSECURE) == []


async def test_pull_diagnostics_for_the_workspace(session: Session) -> None:
    await session.open("a.py", INSECURE)
    report = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[]))
    (item,) = report.items
    assert isinstance(item, types.WorkspaceFullDocumentDiagnosticReport)
    assert item.uri == session.uri("a.py") and [d.code for d in item.items] == ["DES002"]
    again = await session.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[types.PreviousResultId(uri=item.uri, value=item.result_id or "")]))
    assert isinstance(again.items[0], types.WorkspaceUnchangedDocumentDiagnosticReport)


async def test_close_clears_diagnostics(session: Session) -> None:
    uri = session.uri("a.py")
    _only(await session.open("a.py", INSECURE))
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    if session.pull:
        report = await session.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        assert list(report.items) == []
    else:
        params = await session.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        assert params.uri == uri and list(params.diagnostics) == []


async def test_cancel_request(session: Session) -> None:
    """A pull request waiting for a large file's background analysis is cancelled on
    $/cancelRequest, and the server keeps serving."""
    body = "".join(f"def f{i}(s):\n    return yaml.load(s)\n" for i in range(3000))
    uri = session.uri("big.py")
    (session.root / "big.py").write_text("import yaml\n" + body)
    session.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text="import yaml\n" + body)))
    request = asyncio.ensure_future(session.client.protocol.send_request_async(
        types.TEXT_DOCUMENT_DIAGNOSTIC, types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)), msg_id="cancel-me"))
    await asyncio.sleep(0.05)  # the request is on the wire and waits for the analysis
    session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-me"))
    with pytest.raises(Exception, match="cancel"):
        await request
    session.versions[uri] = 1
    report = await session.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert len(report.items) == 3000


async def _eventually(session: Session, uri: str, check) -> bool:  # type: ignore[no-untyped-def]
    """Settings changes re-publish (push) or ask for a refresh (pull): poll both ways."""
    for _ in range(100):
        if session.pull:
            report = await session.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            if check(list(report.items)):
                return True
        elif uri in session.client.diagnostics and check(list(session.client.diagnostics[uri])):
            return True
        await asyncio.sleep(0.05)
    return False
