"""Checks for the Kubernetes (K8S...) and Compose (DCP...) rules.

Queries find the YAML shapes (a ``containers:`` item, an ``env:`` entry); these functions
answer what a query cannot: does the container or its pod set ``runAsNonRoot``, is this value
a literal secret, is this image reference pinned.
"""

from __future__ import annotations

import tree_sitter as ts

from vigil.engine.runner import CheckResult, Match
from vigil.engine.yaml_kinds import mapping_pairs, scalar_text
from vigil.rules.checks.iac_common import (
    image_problem,
    is_literal_secret_value,
    is_secret_name,
)
from vigil.rules.model import Severity


def mapping(node: ts.Node | None) -> ts.Node | None:
    """The mapping a value node holds (through ``block_node``/``flow_node`` wrappers)."""
    while node is not None and node.type in ("block_node", "flow_node", "block_sequence_item"):
        node = next((c for c in node.named_children if c.type not in ("comment", "anchor", "tag")), None)
    return node if node is not None and node.type in ("block_mapping", "flow_mapping") else None


def get(node: ts.Node | None, *path: str) -> ts.Node | None:
    """The value node at ``path`` inside a mapping, e.g. ``get(c, "securityContext", "runAsNonRoot")``."""
    current = node
    for key in path:
        found = None
        for name, pair in mapping_pairs(mapping(current)):
            if name == key:
                found = pair.child_by_field_name("value")
                break
        if found is None:
            return None
        current = found
    return current


def value_text(node: ts.Node | None) -> str:
    return scalar_text(node)


def _is_true(node: ts.Node | None) -> bool:
    return value_text(node).lower() in ("true", "yes", "on")


def _pod_spec(container_mapping: ts.Node) -> ts.Node | None:
    """containers item -> block_sequence -> block_node -> pair(containers) -> pod spec mapping."""
    current: ts.Node | None = container_mapping
    while current is not None and current.type not in ("block_mapping_pair", "flow_pair"):
        current = current.parent
    return current.parent if current is not None else None


def _first_pair(container: ts.Node) -> ts.Node:
    pairs = [p for _, p in mapping_pairs(container)]
    for pair in pairs:
        if scalar_text(pair.child_by_field_name("key")) == "name":
            return pair
    return pairs[0] if pairs else container


def _non_root(node: ts.Node | None) -> bool | None:
    """True: runs as non-root; False: explicitly root; None: not said here."""
    if _is_true(get(node, "securityContext", "runAsNonRoot")):
        return True
    user = value_text(get(node, "securityContext", "runAsUser"))
    if user.isdigit():
        return int(user) != 0
    return None


def container_may_run_as_root(match: Match) -> CheckResult | bool:
    container = mapping(match.node("_container"))
    if container is None:
        return False
    own = _non_root(container)
    if own is not None:
        return False  # explicit either way; runAsUser: 0 is K8S003's finding
    pod = _pod_spec(container)
    if pod is not None and _non_root(pod) is not None:
        return False
    return CheckResult(node=_first_pair(container))


def container_without_limits(match: Match) -> CheckResult | bool:
    container = mapping(match.node("_container"))
    if container is None:
        return False
    limits = get(container, "resources", "limits")
    if limits is not None and (get(limits, "memory") is not None or get(limits, "cpu") is not None):
        return False
    return CheckResult(node=_first_pair(container))


def writable_root_filesystem(match: Match) -> CheckResult | bool:
    container = mapping(match.node("_container"))
    if container is None:
        return False
    value = get(container, "securityContext", "readOnlyRootFilesystem")
    if _is_true(value):
        return False
    if value is not None:
        return CheckResult(node=value.parent or value)
    return CheckResult(node=_first_pair(container))


def unpinned_image(match: Match) -> CheckResult | bool:
    value = match.node("_image")
    reference = value_text(value)
    problem = image_problem(reference)
    if problem is None:
        return False
    return CheckResult(message=f"Image `{reference}` {problem}: every restart may run a different "
                               "(or compromised) image.")


def plain_secret_env(match: Match) -> bool:
    """An ``env`` entry ``{name: DB_PASSWORD, value: hunter2}``."""
    return is_secret_name(value_text(match.node("_name"))) and is_literal_secret_value(
        value_text(match.node("_value")))


_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock")


def host_path_mount(match: Match) -> CheckResult | bool:
    path = value_text(get(match.node("_hostpath"), "path"))
    if any(path.endswith(s) for s in _SOCKETS):
        return CheckResult(message=f"hostPath `{path}` hands the container runtime's socket to the pod: "
                                   "that is root on the node.", severity=Severity.CRITICAL)
    if path in ("/", "/etc", "/root", "/var/lib/kubelet", "/proc", "/sys"):
        return CheckResult(message=f"hostPath `{path}` exposes a sensitive part of the node's filesystem.")
    return True


def compose_secret_environment(match: Match) -> CheckResult | bool:
    """``environment:`` as a map (``DB_PASSWORD: x``) or a list (``- DB_PASSWORD=x``)."""
    entry = match.node("_entry")
    if entry is None:
        return False
    if entry.type in ("block_mapping_pair", "flow_pair"):
        name = scalar_text(entry.child_by_field_name("key"))
        value = scalar_text(entry.child_by_field_name("value"))
    else:
        text = value_text(entry)
        if "=" not in text:
            return False
        name, value = text.split("=", 1)
    return is_secret_name(name) and is_literal_secret_value(value)
