"""Hypothesis fuzzer: random protocol messages, garbage framing and edit streams thrown at ONE
running server for a bounded time; afterwards the same process must answer a real request
correctly. Bounded: ``max_examples`` and ``VIGIL_FUZZ_SECONDS`` (default 40 s) in all."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.rpc import RawServer, assert_still_serving, frame

BUDGET = float(os.environ.get("VIGIL_FUZZ_SECONDS", "40"))
METHODS = [
    "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
    "textDocument/hover", "textDocument/codeAction", "textDocument/diagnostic", "workspace/executeCommand",
    "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles", "$/cancelRequest",
    "$/setTrace", "vigil/unknown", "initialize", "shutdown-ish", "workspace/diagnostic",
]
URIS = ["file:///fuzz/a.py", "file:///fuzz/b.py", "untitled:Untitled-1", "file:///fuzz/Dockerfile", "", "not a uri"]

json_leaf = st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=30)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=10), inner, max_size=4), max_leaves=12)
position = st.fixed_dictionaries({"line": st.integers(-2, 50), "character": st.integers(-2, 200)})
text = st.lists(st.sampled_from([*"ab():=\"'\n\r\t\x0c #😀é", "\ud800", "yaml.load(s)", "import yaml\n"]),
               max_size=40).map("".join)  # lone surrogates too: clients do send them
change = st.one_of(
    st.fixed_dictionaries({"range": st.fixed_dictionaries({"start": position, "end": position}), "text": text}),
    st.fixed_dictionaries({"text": text}),
)
doc_params = st.fixed_dictionaries({
    "textDocument": st.fixed_dictionaries({"uri": st.sampled_from(URIS), "version": st.integers(-1, 100),
                                           "languageId": st.sampled_from(["python", "dockerfile", "x"]),
                                           "text": text}),
    "contentChanges": st.lists(change, max_size=4),
    "position": position,
    "range": st.fixed_dictionaries({"start": position, "end": position}),
    "context": st.just({"diagnostics": []}),
    "command": st.sampled_from(["vigil.fixAll", "vigil.showRuleDocs", "nope"]),
    "arguments": st.lists(st.sampled_from(URIS + ["DES002"]), max_size=2),
})
message = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "2.0", "1.0"]), "method": st.sampled_from(METHODS)},
    optional={"id": st.integers(10_000, 10**6) | st.text(max_size=5), "params": doc_params | json_value},
)
raw_chunk = st.one_of(
    message.map(lambda m: frame(json.dumps(m).encode())),
    st.binary(max_size=200).map(frame),  # valid framing, garbage body
    st.binary(max_size=200).filter(lambda b: b"Content-Length" not in b and b"\n" not in b)
    .map(lambda b: b + b"\r\n\r\n"),  # a garbage header block
    json_value.map(lambda v: frame(json.dumps(v).encode())),  # JSON that is not JSON-RPC
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RawServer, Path]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    root = tmp / "ws"
    root.mkdir()
    server = RawServer(tmp)
    server.initialize(root)
    started = time.monotonic()
    yield server, root
    assert time.monotonic() - started < BUDGET + 120
    server.close()


def test_random_protocol_traffic(fuzz_server: tuple[RawServer, Path]) -> None:
    server, root = fuzz_server
    deadline = time.monotonic() + BUDGET

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(raw_chunk, min_size=1, max_size=8))
    def throw(chunks: list[bytes]) -> None:
        if time.monotonic() > deadline:
            return
        for chunk in chunks:
            server.send_raw(chunk)
        server.drain_notifications()
        assert server.alive(), server.log_text()[-3000:]

    throw()
    # Every message sent was complete, so the stream is in sync: a real request must work.
    assert_still_serving(server, (root / "final.py").as_uri(), timeout=120)
    assert "internal error: RecursionError" not in server.log_text()
