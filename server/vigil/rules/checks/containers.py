"""Checks and fixes for container and orchestration rules driven from Python (CTR...).

The docker SDK's ``client.containers.run(...)`` has no importable qualified name (``client`` is
whatever ``docker.from_env()`` returned), so the queries match the method shape and these checks
require the module to import the docker or kubernetes SDK before reporting.
"""

from __future__ import annotations

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import common

_HOST_NAMESPACES = {"network_mode", "pid_mode", "ipc_mode", "userns_mode", "uts_mode"}
DANGEROUS_CAPS = {"ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "NET_ADMIN", "DAC_READ_SEARCH"}
_UNCONFINED = ("seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined",
               "systempaths=unconfined")


def _imports(match: Match, *modules: str) -> bool:
    return any(m in match.names.imported_modules for m in modules)


def _strings(node: ts.Node | None) -> list[ts.Node]:
    if node is None:
        return []
    if node.type == "string":
        return [node]
    if node.type in ("list", "tuple", "set"):
        return [c for c in node.named_children if c.type == "string"]
    return []


def _dangerous_items(match: Match, key: str, value: ts.Node) -> tuple[list[ts.Node], int]:
    """(dangerous string items, total items) of a list-valued option."""
    items = _strings(value)
    if key == "cap_add":
        bad = [i for i in items if (match.string_value(i) or "").upper().removeprefix("CAP_") in DANGEROUS_CAPS]
    else:
        bad = [i for i in items if (match.string_value(i) or "").lower().replace(" ", "") in _UNCONFINED]
    return bad, len(value.named_children) if value.type in ("list", "tuple", "set") else 1


def docker_privilege_check(match: Match) -> CheckResult | bool:
    if not _imports(match, "docker", "aiodocker"):
        return False
    key = match.text("_k")
    value = match.node("_v")
    if value is None:
        return False
    if key == "privileged":
        return value.type == "true"
    if key in _HOST_NAMESPACES:
        return (match.string_value(value) or "") == "host"
    if key in ("cap_add", "security_opt"):
        bad, total = _dangerous_items(match, key, value)
        if not bad:
            return False
        return CheckResult(drop_fix=len(bad) != total)
    return False


def remove_keyword_fix(match: Match) -> list[Edit] | None:
    keyword = match.node("_kw")
    if keyword is None or keyword.parent is None:
        return None
    edit = common.remove_keyword(keyword.parent, match.text("_k"), match.source)
    return [edit] if edit is not None else None


# --- CTR002: sensitive host mounts --------------------------------------------------------

SENSITIVE_SOURCES = {"/", "/etc", "/root", "/proc", "/sys", "/boot", "/var/lib/docker", "/var/lib/kubelet",
                     "/var/run", "/run", "/dev"}


def is_sensitive_source(path: str) -> bool:
    clean = path.rstrip("/") or "/"
    return clean.endswith(("docker.sock", "containerd.sock", "crio.sock", "podman.sock")) or clean in SENSITIVE_SOURCES


def _mount_sources(match: Match, value: ts.Node) -> list[ts.Node]:
    """String nodes naming host paths in ``volumes``/``binds``/``mounts`` values."""
    out: list[ts.Node] = []
    if value.type == "dictionary":
        for pair in value.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is not None and key.type == "string":
                out.append(key)
    elif value.type in ("list", "tuple"):
        for item in value.named_children:
            if item.type == "string":
                out.append(item)
            elif item.type == "call":
                source = _mount_call_source(item)
                if source is not None:
                    out.append(source)
    return out


def _mount_call_source(call: ts.Node) -> ts.Node | None:
    source = common.argument(call.child_by_field_name("arguments"), 1, "source")
    return source if source is not None and source.type == "string" else None


def host_mount_check(match: Match) -> CheckResult | bool:
    if not _imports(match, "docker", "aiodocker"):
        return False
    value = match.node("_v")
    call = match.node("finding")
    candidates = _mount_sources(match, value) if value is not None else []
    if value is None and call is not None:
        source = _mount_call_source(call)
        candidates = [source] if source is not None else []
    for node in candidates:
        text = (match.string_value(node) or "").split(":", 1)[0]
        if is_sensitive_source(text):
            what = "the container runtime socket" if text.endswith(".sock") else f"the host's `{text}`"
            return CheckResult(node=node, message=f"The container gets {what}: a process inside it can take over "
                               "the host (start privileged containers, read every secret on the node).")
    return False


# --- CTR003: kubernetes client objects -------------------------------------------------------

_TRUE_IS_BAD = {"privileged", "allow_privilege_escalation", "host_network", "host_pid", "host_ipc",
                "allowPrivilegeEscalation", "hostNetwork", "hostPID", "hostIPC"}


def k8s_security_check(match: Match) -> CheckResult | bool:
    key = match.text("_k").strip("\"'")
    value = match.node("_v")
    if value is None:
        return False
    if match.node("_pair") is not None and not _imports(match, "kubernetes", "kubernetes_asyncio"):
        return False
    if key in _TRUE_IS_BAD:
        return value.type == "true"
    if key in ("run_as_non_root", "runAsNonRoot"):
        return value.type == "false"
    if key in ("run_as_user", "runAsUser"):
        return CheckResult(drop_fix=True) if common.integer_value(value) == 0 else False
    if key == "host_path":
        return CheckResult(drop_fix=True) if value.type != "none" else False
    return False


def k8s_flip_fix(match: Match) -> list[Edit] | None:
    value = match.node("_v")
    if value is None or value.type not in ("true", "false"):
        return None
    return [Edit(value.start_byte, value.end_byte, "False" if value.type == "true" else "True")]
