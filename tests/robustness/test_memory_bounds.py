"""What the server keeps per message must not grow with the number of messages.

pygls 2.1 filed a Future under a random id for every notification handled by a generator
(all of text sync) and never removed it: a 10-minute soak at 20 edits/s grew by ~27 MiB
(bench/soak.py). ``VigilProtocol._execute_handler`` drops those entries; this drives the real
protocol object in process, so the check is exact rather than an RSS threshold.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from vigil.lsp.server import VigilServer, create_server


class _Sink:
    """The protocol's writer: responses and notifications are discarded."""

    def write(self, data: bytes) -> None:
        del data


def _feed(server: VigilServer, message: dict[str, Any]) -> None:
    protocol = server.protocol
    protocol.handle_message(protocol.structure_message({"jsonrpc": "2.0", **message}))


async def _session(tmp_path: Path, edits: int) -> VigilServer:
    server = create_server()
    server.protocol.set_writer(_Sink())
    _feed(server, {"id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
    _feed(server, {"method": "initialized", "params": {}})
    uri = (tmp_path / "a.py").as_uri()
    _feed(server, {"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": "import yaml\n\nx = yaml.load(s)\n"}}})
    for version in range(2, edits + 2):
        _feed(server, {"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                                "text": "#" if version % 2 else ""}]}})
        if version % 50 == 0:
            _feed(server, {"id": version, "method": "textDocument/hover", "params": {
                "textDocument": {"uri": uri}, "position": {"line": 2, "character": 10}}})
            await asyncio.sleep(0)  # let async handlers finish
    await asyncio.sleep(0.05)
    return server


async def test_handled_notifications_leave_no_futures_behind(tmp_path: Path) -> None:
    server = await _session(tmp_path, 400)
    try:
        left = server.protocol._request_futures
        assert len(left) <= 1, f"{len(left)} futures kept after 400 didChange notifications"
    finally:
        server.workspace_scanner.shutdown()  # type: ignore[attr-defined]
