"""Positions past the end of a line or the document, edits at astral characters and lone
surrogates, edits for unknown or closed documents, out-of-order versions: the server clamps,
logs and keeps a text that matches what the client holds."""

from __future__ import annotations

from pathlib import Path

from tests.robustness.rpc import RawServer, assert_still_serving


def _range(l1: int, c1: int, l2: int, c2: int) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def _codes_and_lines(diagnostics: list[dict]) -> list[tuple[str, int, int]]:
    return [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in diagnostics]


def test_positions_past_the_end_are_clamped(server: RawServer, workspace: Path) -> None:
    uri = (workspace / "clamp.py").as_uri()
    server.open(uri, "import yaml\nx = 1\n")
    server.diagnostics(uri, 1)
    # Past the end of line 1: clamps to its end, before the line break.
    server.change(uri, 2, [{"range": _range(1, 500, 1, 900), "text": "; d = yaml.load(s)"}])
    assert _codes_and_lines(server.diagnostics(uri, 2)) == [("DES002", 1, 11)]
    # Lines past the end of the document: clamp to the end of the document.
    server.change(uri, 3, [{"range": _range(90, 0, 99, 5), "text": "e = yaml.load(t)\n"}])
    assert _codes_and_lines(server.diagnostics(uri, 3)) == [("DES002", 1, 11), ("DES002", 2, 4)]
    # A reversed range (end before start) is treated as the same span, not as a crash.
    server.change(uri, 4, [{"range": _range(2, 16, 2, 0), "text": ""}])
    assert _codes_and_lines(server.diagnostics(uri, 4)) == [("DES002", 1, 11)]
    # Negative positions are not valid LSP (uinteger): the change is rejected with a log line
    # and the text stays as it was.
    server.change(uri, 5, [{"range": _range(-1, -1, 0, 0), "text": "# top\n"}])
    server.change(uri, 6, [{"range": _range(0, 0, 0, 0), "text": "# top\n"}])
    assert _codes_and_lines(server.diagnostics(uri, 6)) == [("DES002", 2, 11)]
    assert "JsonRpcInvalidParams" in server.log_text()
    assert_still_serving(server, (workspace / "after.py").as_uri())


def test_edits_at_astral_characters_and_lone_surrogates(server: RawServer, workspace: Path) -> None:
    """UTF-16 columns that fall inside a surrogate pair round down to the character start."""
    uri = (workspace / "astral.py").as_uri()
    server.open(uri, "import yaml\ns = '😀😀'\n")
    server.diagnostics(uri, 1)
    # Column 6 is inside the first emoji (units 5-6): the insert lands before it.
    server.change(uri, 2, [{"range": _range(1, 6, 1, 6), "text": "\ud83d"}])  # a lone high surrogate
    server.diagnostics(uri, 2)
    server.change(uri, 3, [{"range": _range(1, 5, 1, 6), "text": ""}])  # delete it again
    server.diagnostics(uri, 3)
    server.change(uri, 4, [{"range": _range(2, 0, 2, 0), "text": "d = yaml.load(s)  # 😀\n"}])
    assert _codes_and_lines(server.diagnostics(uri, 4)) == [("DES002", 2, 4)]
    # An edit that ends inside the second emoji of a line.
    server.change(uri, 5, [{"range": _range(1, 0, 1, 8), "text": "t = 'x"}])
    assert _codes_and_lines(server.diagnostics(uri, 5)) == [("DES002", 2, 4)]
    assert "internal error" not in server.log_text()


def test_mixed_line_breaks_and_form_feeds(server: RawServer, workspace: Path) -> None:
    uri = (workspace / "eol.py").as_uri()
    server.open(uri, "import yaml\r\na = 1\rb = 2\n\x0c\x0bc = 3\r\n")
    server.diagnostics(uri, 1)
    # LSP line 3 is "\x0c\x0bc = 3" (form feed and vertical tab are not line breaks).
    server.change(uri, 2, [{"range": _range(3, 2, 3, 7), "text": "d = yaml.load(s)"}])
    assert _codes_and_lines(server.diagnostics(uri, 2)) == [("DES002", 3, 6)]
    # Join a \r and a \n across an edit boundary: "b = 2\n" -> "b = 2\r\n" keeps the line count.
    server.change(uri, 3, [{"range": _range(2, 5, 2, 5), "text": "\r"}])
    assert _codes_and_lines(server.diagnostics(uri, 3)) == [("DES002", 3, 6)]


def test_changes_for_unknown_or_closed_documents_are_logged(server: RawServer, workspace: Path) -> None:
    unknown = (workspace / "never-opened.py").as_uri()
    server.change(unknown, 2, [{"range": _range(0, 0, 0, 0), "text": "x"}])
    uri = (workspace / "closed.py").as_uri()
    server.open(uri, "x = 1\n")
    server.diagnostics(uri, 1)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    server.diagnostics(uri)  # cleared
    server.change(uri, 2, [{"range": _range(0, 0, 0, 0), "text": "y"}])
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})  # closed twice
    server.notify("textDocument/didSave", {"textDocument": {"uri": unknown}})
    response = server.request("textDocument/codeAction", {
        "textDocument": {"uri": unknown}, "range": _range(0, 0, 0, 1), "context": {"diagnostics": []}})
    assert "error" not in response
    response = server.request("workspace/executeCommand", {"command": "vigil.fixAll", "arguments": [unknown]})
    assert "error" not in response and response["result"] is False
    assert_still_serving(server, (workspace / "after.py").as_uri())
    log = server.log_text()
    assert f"didChange for {unknown}, which is not open; ignored" in log
    assert f"didChange for {uri}, which is not open; ignored" in log


def test_out_of_order_versions_are_logged_and_applied(server: RawServer, workspace: Path) -> None:
    uri = (workspace / "versions.py").as_uri()
    server.open(uri, "import yaml\n", version=10)
    server.diagnostics(uri, 10)
    server.change(uri, 5, [{"range": _range(1, 0, 1, 0), "text": "d = yaml.load(s)\n"}])
    assert _codes_and_lines(server.diagnostics(uri, 5)) == [("DES002", 1, 4)]
    server.change(uri, 5, [{"range": _range(0, 0, 0, 0), "text": "# same version\n"}])
    assert _codes_and_lines(server.diagnostics(uri, 5)) == [("DES002", 2, 4)]
    assert "version 5 does not follow 10" in server.log_text()
    # Reopening an open document replaces it.
    server.open(uri, "x = 1\n", version=1)
    assert server.diagnostics(uri, 1) == []
