"""Hardening of the stdio transport and the client's lifetime.

pygls reads ``Content-Length`` framed messages with ``readline()`` and ``read(n)`` on stdin,
trusting both: a header line without an end, or a ``Content-Length`` of a few gigabytes, makes
it hold that much in memory (or fail with ``MemoryError`` and take the server down).
``BoundedReader`` caps both. An oversized body is read and thrown away in 1 MiB chunks, so the
stream stays in sync, and is replaced by a notification nobody handles, so pygls only logs it.

``watch_parent`` implements the LSP rule that a server exits when the process named by
``processId`` in ``initialize`` dies, even if the client never closes the pipe.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import BinaryIO

log = logging.getLogger(__name__)

#: Large enough for a 10 MB source file sent in ``didOpen`` with JSON escapes; override with
#: ``VIGIL_MAX_MESSAGE_BYTES`` (tests lower it to stay fast).
DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024
#: No legitimate header line is anywhere near this long.
MAX_HEADER_LINE = 8 * 1024
_CHUNK = 1 << 20
#: What pygls gets instead of an oversized body: a message ``VigilProtocol`` answers (with an
#: error, when the id of the discarded request could be read) or drops.
DISCARDED_METHOD = "$/vigil/discardedMessage"
#: The id of a request, when it comes before its params (as every client writes it).
_HEAD_ID = re.compile(rb'^\s*\{[^{}]*?"id"\s*:\s*(-?\d{1,18}|"[^"\\]{0,200}")')
_HEAD_BYTES = 4096
#: What pygls gets instead of an overlong header line: a harmless, unknown header.
DISCARDED_HEADER = b"X-Vigil-Discarded: overlong header line\r\n"
_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")


def max_message_bytes() -> int:
    raw = os.environ.get("VIGIL_MAX_MESSAGE_BYTES", "")
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_MESSAGE_BYTES
    return value if value > 0 else DEFAULT_MAX_MESSAGE_BYTES


class BoundedReader:
    """The ``readline``/``read`` interface pygls' stdio loop uses, with limits."""

    def __init__(self, stream: BinaryIO, max_body: int | None = None,
                 max_header_line: int = MAX_HEADER_LINE) -> None:
        self.stream = stream
        self.max_body = max_body if max_body is not None else max_message_bytes()
        self.max_header_line = max_header_line

    def readline(self) -> bytes:
        line = self.stream.readline(self.max_header_line)
        if len(line) < self.max_header_line or line.endswith(b"\n"):
            return line
        skipped = len(line)
        while line and not line.endswith(b"\n"):  # drop the rest of the line
            line = self.stream.readline(self.max_header_line)
            skipped += len(line)
        log.warning("discarded an overlong header line (%d bytes; limit %d)", skipped, self.max_header_line)
        return DISCARDED_HEADER

    def read(self, size: int) -> bytes:
        if size <= self.max_body:
            return self.stream.read(size)
        log.error("discarded a message of %s bytes: over the limit of %s bytes", f"{size:,}",
                  f"{self.max_body:,}")
        head = b""
        remaining = size
        while remaining > 0:
            chunk = self.stream.read(min(remaining, _CHUNK))
            if not chunk:
                return b""  # end of input: pygls stops as it would on a short read
            if len(head) < _HEAD_BYTES:
                head += chunk[: _HEAD_BYTES - len(head)]
            remaining -= len(chunk)
        return discarded_body(head, size)


def discarded_body(head: bytes, size: int) -> bytes:
    """The stand-in message for a discarded body, keeping the request id if ``head`` shows it."""
    message: dict[str, object] = {"jsonrpc": "2.0", "method": DISCARDED_METHOD, "params": {"size": size}}
    found = _HEAD_ID.match(head)
    if found is not None:
        message["id"] = json.loads(found.group(1))
    return json.dumps(message).encode()


def process_alive(pid: int) -> bool:
    """Whether ``pid`` exists (a process of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _exit_now() -> None:
    logging.shutdown()
    os._exit(0)


def watch_parent(pid: int, interval: float = 1.0, on_gone: Callable[[], None] = _exit_now) -> threading.Thread | None:
    """Exit (``on_gone``) soon after process ``pid`` stops existing.

    ``os._exit``: the stdio reader thread is blocked in ``readline`` on a pipe that may never
    close, so an orderly shutdown cannot be waited for; nothing in flight needs saving (the
    server writes only to its cache, atomically).
    """
    if pid <= 0 or pid == os.getpid() or not process_alive(pid):
        return None

    def watch() -> None:
        while process_alive(pid):
            time.sleep(interval)
        log.warning("the client process %d is gone; exiting", pid)
        on_gone()

    thread = threading.Thread(target=watch, name="vigil-parent-watch", daemon=True)
    thread.start()
    return thread
