"""Unit tests for the context helpers used by the CRY/FS/CTR/TLS checks."""

from __future__ import annotations

import pytest
from vigil.engine.languages import parse
from vigil.rules.checks import common, containers, crypto, tls


def _first(source: bytes, kind: str):
    stack = [parse(source, "python").root_node]
    while stack:
        node = stack.pop(0)
        if node.type == kind:
            return node
        stack.extend(node.children)
    raise AssertionError(kind)


@pytest.mark.parametrize(("code", "names"), [
    (b"token = ''.join(random.choice(a) for _ in range(8))\n", ["token"]),
    (b"User(password=random.random())\n", ["password"]),
    (b"d = {'nonce': random.random()}\n", ["nonce", "d"]),
    (b"def make_otp():\n    return random.randint(1, 9)\n", ["make_otp"]),
    (b"self.session_id = random.getrandbits(64)\n", ["session_id"]),
])
def test_destination_names(code: bytes, names: list[str]) -> None:
    root = parse(code, "python").root_node
    call = next(c for c in _walk(root) if c.type == "call"
                and common.text(c.child_by_field_name("function")).startswith("random."))
    assert common.destination_names(call) == names


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


@pytest.mark.parametrize(("literal", "value"), [("0o777", 0o777), ("511", 511), ("0777", 0o777), ("0x1ff", 0x1FF)])
def test_integer_value(literal: str, value: int) -> None:
    assert common.integer_value(_first(f"x = {literal}\n".encode(), "integer")) == value


def test_literal_length_counts_escapes_once() -> None:
    assert crypto.literal_length(_first(b'iv = b"\\x00\\x01abcd"\n', "string")) == 6


@pytest.mark.parametrize(("host", "internal"), [
    ("localhost", True), ("127.0.0.1", True), ("10.2.3.4", True), ("169.254.169.254", True),
    ("orders.default.svc.cluster.local", True), ("inventory", True), ("api.example.com", False), ("8.8.8.8", False),
])
def test_internal_hosts(host: str, internal: bool) -> None:
    assert tls.is_internal_host(host) is internal


@pytest.mark.parametrize(("path", "sensitive"), [
    ("/var/run/docker.sock", True), ("/", True), ("/etc/", True), ("/srv/data", False), ("pgdata", False),
])
def test_sensitive_mount_sources(path: str, sensitive: bool) -> None:
    assert containers.is_sensitive_source(path) is sensitive
