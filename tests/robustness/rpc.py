"""A raw JSON-RPC client for ``python -m vigil serve`` that can also send broken bytes.

pytest-lsp only speaks well-formed LSP; robustness tests need to send garbage headers,
truncated bodies and invalid params, then check that the same process still answers. This
client frames messages itself, reads the server's stdout on a thread and answers the server's
own requests (``client/registerCapability`` ...) with ``null``.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

Message = dict[str, Any]
#: Key added to every notification from the server: ``time.monotonic()`` when the reader thread
#: received it. Latency measured when the test drains its queue would include the test's own
#: sleeps (bench/soak.py measures didChange -> publishDiagnostics with it).
RECEIVED = "_received"


def frame(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def encode(message: Message) -> bytes:
    return frame(json.dumps(message).encode("utf-8"))


class ServerGone(Exception):
    """The server process exited or closed its stdout."""


class RawServer:
    """One server process. ``stderr`` goes to a file so a test can read the log afterwards."""

    def __init__(self, workdir: Path, *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.log_path = workdir / "server-stderr.log"
        self._stderr = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vigil", "serve", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=str(cwd or workdir), env=full_env,
        )
        self._ids = itertools.count(1)
        self._responses: dict[Any, Message] = {}
        self._notifications: queue.Queue[Message] = queue.Queue()
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._eof = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- reading -------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while True:
                length = None
                while True:
                    line = stdout.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii", "replace").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                message = json.loads(stdout.read(length))
                self._dispatch(message)
        finally:
            with self._cond:
                self._eof = True
                self._cond.notify_all()

    def _dispatch(self, message: Message) -> None:
        if "method" in message and "id" in message:  # a request from the server
            result: Any = None
            if message["method"] == "workspace/applyEdit":
                result = {"applied": False, "failureReason": "test client"}
            elif message["method"] == "workspace/configuration":
                result = [None for _ in message.get("params", {}).get("items", [])]
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
        elif "method" in message:
            message[RECEIVED] = time.monotonic()  # read on this thread, not when a test drains it
            self._notifications.put(message)
        else:
            with self._cond:
                self._responses[message.get("id")] = message
                self._cond.notify_all()

    # -- writing -------------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, message: Message) -> None:
        self.send_raw(encode(message))

    def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Message:
        """Send a request and wait for its response (the whole message, result or error)."""
        msg_id = next(self._ids)
        message: Message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(msg_id, timeout)

    def response(self, msg_id: Any, timeout: float = 30.0) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._responses:
                if self._eof:
                    raise ServerGone(f"server closed stdout (exit code {self.proc.poll()})")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no response to request {msg_id!r} within {timeout} s")
                self._cond.wait(left)
            return self._responses.pop(msg_id)

    def next_id(self) -> int:
        return next(self._ids)

    def wait_notification(self, method: str, predicate: Callable[[Message], bool] = lambda _: True,
                          timeout: float = 30.0) -> Message:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.next_notification(deadline - time.monotonic())
            except TimeoutError:
                raise TimeoutError(f"no {method} notification within {timeout} s") from None
            if message.get("method") == method and predicate(message):
                return message

    def next_notification(self, timeout: float = 30.0) -> Message:
        """The next notification from the server, whatever its method."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no notification within {timeout} s")
            try:
                return self._notifications.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self._eof:
                    raise ServerGone("server closed stdout") from None

    def drain_notifications(self) -> list[Message]:
        out = []
        while True:
            try:
                out.append(self._notifications.get_nowait())
            except queue.Empty:
                return out

    # -- LSP conveniences ----------------------------------------------------------------------
    def initialize(self, root: Path, *, options: Any = None, process_id: int | None = None,
                   capabilities: Mapping[str, Any] | None = None) -> Message:
        response = self.request("initialize", {
            "processId": process_id,
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": dict(capabilities or {}),
            "initializationOptions": options,
        }, timeout=60.0)
        self.notify("initialized", {})
        return response

    def open(self, uri: str, text: str, version: int = 1, language_id: str = "python") -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language_id, "version": version, "text": text}})

    def change(self, uri: str, version: int, changes: list[Message]) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": changes})

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 30.0) -> list[Message]:
        """The next published diagnostics for ``uri`` (and ``version``, when given)."""
        message = self.wait_notification(
            "textDocument/publishDiagnostics",
            lambda m: m["params"]["uri"] == uri and (version is None or m["params"].get("version") == version),
            timeout)
        return list(message["params"]["diagnostics"])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self, timeout: float = 15.0) -> int:
        """``shutdown`` + ``exit`` when possible; kill only if the process will not go."""
        try:
            if self.alive():
                self.request("shutdown", timeout=timeout)
                self.notify("exit")
        except (ServerGone, TimeoutError, BrokenPipeError, OSError):
            pass
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._stderr.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code


def assert_still_serving(server: RawServer, uri: str, timeout: float = 30.0) -> None:
    """The process is alive and answers a real request correctly: a finding on a fresh document."""
    assert server.alive(), server.log_text()[-3000:]
    server.open(uri, "import yaml\n\ndata = yaml.load(stream)\n", version=1)
    diagnostics = server.diagnostics(uri, 1, timeout)
    assert [d["code"] for d in diagnostics] == ["DES002"], diagnostics
    response = server.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": 2, "character": 12}}, timeout)
    assert "error" not in response, response
