"""Malformed JSON-RPC, unknown methods, invalid params, oversized messages and garbage
headers: each gets an error response or a log line, and the same process keeps serving."""

from __future__ import annotations

import json
from pathlib import Path

from tests.robustness.rpc import RawServer, assert_still_serving, encode, frame

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


def test_invalid_json_body_is_logged_and_skipped(server: RawServer, workspace: Path) -> None:
    server.send_raw(frame(b'{"jsonrpc": "2.0", "id": 99, "method": '))
    server.send_raw(frame(b"\xff\xfe not json at all"))
    assert_still_serving(server, (workspace / "a.py").as_uri())
    assert "Unable to handle message" in server.log_text()


def test_unknown_request_gets_method_not_found(server: RawServer, workspace: Path) -> None:
    response = server.request("vigil/noSuchMethod", {"x": 1})
    assert response["error"]["code"] == METHOD_NOT_FOUND
    server.notify("vigil/noSuchNotification", {"x": 1})
    server.notify("$/somethingOptional", {})
    assert_still_serving(server, (workspace / "a.py").as_uri())


def test_request_with_invalid_params_gets_an_error_response(server: RawServer, workspace: Path) -> None:
    """pygls raises while deserialising and, by itself, never answers: the client would wait
    forever. Vigil answers with InvalidParams (fix in ``VigilProtocol.structure_message``)."""
    for params in ({"textDocument": 5, "position": "x"}, [1, 2, 3], "text", None):
        response = server.request("textDocument/hover", params, timeout=10)
        assert "error" in response, response
        assert response["error"]["code"] in (INVALID_PARAMS, INVALID_REQUEST, -32603), response
    assert_still_serving(server, (workspace / "a.py").as_uri())


def test_messages_that_are_not_json_rpc_are_answered_or_logged(server: RawServer, workspace: Path) -> None:
    server.send_raw(frame(b"[1, 2, 3]"))
    server.send_raw(frame(b"42"))
    server.send_raw(frame(b'"a string"'))
    server.send_raw(encode({"id": 7, "method": "initialize"}))  # no "jsonrpc"
    response = server.response(7, timeout=10)
    assert response["error"]["code"] == INVALID_REQUEST
    server.send_raw(encode({"jsonrpc": "1.0", "id": 8, "method": "shutdown"}))
    assert server.response(8, timeout=10)["error"]["code"] == INVALID_REQUEST
    assert_still_serving(server, (workspace / "a.py").as_uri())
    assert "not JSON-RPC 2.0" in server.log_text()


def test_garbage_headers_are_skipped(server: RawServer, workspace: Path) -> None:
    server.send_raw(b"X-Garbage: \x00\xff\r\nnot a header at all\r\n\r\n")
    server.send_raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + encode(
        {"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "off"}}))
    server.send_raw(b"x" * 200_000 + b"\r\n\r\n")  # an overlong header line
    assert_still_serving(server, (workspace / "a.py").as_uri())
    assert "overlong header line" in server.log_text()


def test_oversized_message_is_discarded_with_a_log_line(tmp_path: Path, workspace: Path) -> None:
    """A body over the limit is read and thrown away in chunks (never held in memory) and the
    stream stays in sync. The limit is lowered through the environment to keep the test fast."""
    server = RawServer(tmp_path, env={"VIGIL_MAX_MESSAGE_BYTES": "1000000"})
    try:
        server.initialize(workspace)
        uri = (workspace / "big.py").as_uri()
        server.open(uri, "x = 1\n" * 300_000)  # 1.8 MB of text
        response = server.request("shutdown-not", {"pad": "y" * 2_000_000}, timeout=30)
        assert response["error"]["code"] == INVALID_REQUEST, response
        assert_still_serving(server, (workspace / "a.py").as_uri())
        log = server.log_text()
        assert "over the limit of 1,000,000 bytes" in log
    finally:
        server.close()


def test_cancel_and_responses_for_unknown_ids_are_harmless(server: RawServer, workspace: Path) -> None:
    server.notify("$/cancelRequest", {"id": 12345})
    server.send({"jsonrpc": "2.0", "id": 777, "result": {"x": 1}})
    server.send({"jsonrpc": "2.0", "id": 778, "error": {"code": 1, "message": "client error"}})
    assert_still_serving(server, (workspace / "a.py").as_uri())


def test_requests_before_initialize_and_after_shutdown(tmp_path: Path, workspace: Path) -> None:
    server = RawServer(tmp_path)
    try:
        early = server.request("textDocument/hover", {
            "textDocument": {"uri": (workspace / "a.py").as_uri()}, "position": {"line": 0, "character": 0}})
        assert "error" in early or early.get("result") is None
        server.initialize(workspace)
        assert_still_serving(server, (workspace / "a.py").as_uri())
        assert "error" not in server.request("shutdown")
        server.notify("exit")
        assert server.proc.wait(15) == 0
    finally:
        server.close()


def test_json_encoding_edge_cases(server: RawServer, workspace: Path) -> None:
    """Lone surrogates and astral characters in JSON strings survive a round trip."""
    uri = (workspace / "s.py").as_uri()
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1,
        "text": "import yaml\nx = '\ud800 \U0001f600'\ndata = yaml.load(s)\n"}}}, ensure_ascii=True)
    server.send_raw(frame(body.encode()))
    diagnostics = server.diagnostics(uri, 1)
    assert [d["code"] for d in diagnostics] == ["DES002"]
    assert diagnostics[0]["range"]["start"] == {"line": 2, "character": 7}
