"""Checks and fixes for the TLS and transport rules (TLS...)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from vigil.engine.findings import Edit, Fix
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import common
from vigil.rules.model import Applicability

_INTERNAL_SUFFIXES = (".local", ".internal", ".svc", ".cluster.local", ".localhost", ".test", ".example")


def is_internal_host(host: str) -> bool:
    """Hosts where plain HTTP/gRPC is normal: loopback, private and link-local addresses (the
    cloud metadata service only speaks HTTP), Kubernetes service names and single-label names
    (docker-compose services, sidecars)."""
    host = host.strip("[]").lower()
    if not host or host == "localhost" or "." not in host and ":" not in host:
        return True
    if host.endswith(_INTERNAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def _url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


# --- TLS001 / TLS006: verification switched off ---------------------------------------------

#: receivers' method names that are HTTP requests in requests/httpx/aiohttp sessions
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
                "ws_connect"}


def disable_verify_fix(match: Match) -> list[Edit] | None:
    """Drop ``verify=False``/``ssl=False`` (the default verifies), ``x.verify = False`` ->
    ``True``, ``cert_reqs="CERT_NONE"`` -> ``"CERT_REQUIRED"``."""
    value = match.node("_value")
    if value is None:
        return None
    keyword = match.node("_kw")
    name = match.text("_k")
    if keyword is None:  # attribute assignment
        return [Edit(value.start_byte, value.end_byte, "True")]
    if name == "cert_reqs":
        if value.type == "string":
            content = common.string_prefix_content(value)
            return [Edit(content.start_byte, content.end_byte, "CERT_REQUIRED")] if content is not None else None
        if value.type == "attribute":
            attr = value.child_by_field_name("attribute")
            assert attr is not None
            return [Edit(attr.start_byte, attr.end_byte, "CERT_REQUIRED")]
        return None
    arguments = keyword.parent
    if arguments is None:
        return None
    edit = common.remove_keyword(arguments, name, match.source)
    return [edit] if edit is not None else None


def requests_verify_check(match: Match) -> bool:
    """Method calls on an unknown receiver count only when named like an HTTP request."""
    method = match.node("_method")
    if method is None:
        return True
    return match.text(method) in HTTP_METHODS


def grpc_insecure_check(match: Match) -> CheckResult | bool:
    """``grpc.insecure_channel`` is reported unless the target is loopback/in-cluster; the fix
    (switching to TLS credentials) needs review, so it carries its own applicability."""
    target = match.node("_target")
    if target is None:
        return True  # not the gRPC pattern
    value = match.string_value(target)
    if value is not None:
        host = value.rsplit(":", 1)[0] if not value.startswith(("unix:", "unix-abstract:")) else "localhost"
        if is_internal_host(host.split("///")[-1]):
            return False
    fn = match.node("_fn")
    call = match.node("finding")
    if fn is None or call is None or fn.type != "attribute":
        return True
    attr = fn.child_by_field_name("attribute")
    args = call.child_by_field_name("arguments")
    positional = common.positional_args(args)
    if attr is None or args is None or not positional:
        return True
    grpc_alias = match.module_alias("grpc") or "grpc"
    last = positional[-1] if len(positional) == 1 else positional[0]
    edits = (Edit(attr.start_byte, attr.end_byte, "secure_channel"),
             Edit(last.end_byte, last.end_byte, f", {grpc_alias}.ssl_channel_credentials()"))
    return CheckResult(fix=Fix("Use grpc.secure_channel with TLS credentials", Applicability.REVIEW, edits))


# --- TLS002 / TLS003 ---------------------------------------------------------------------------

_PROTOCOL_FIX = {
    "PROTOCOL_SSLv2": "PROTOCOL_TLS_CLIENT", "PROTOCOL_SSLv3": "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLSv1": "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLSv1_1": "PROTOCOL_TLS_CLIENT",
    "SSLv2_METHOD": "TLS_METHOD", "SSLv3_METHOD": "TLS_METHOD", "SSLv23_METHOD": "TLS_METHOD",
    "TLSv1_METHOD": "TLS_METHOD", "TLSv1_1_METHOD": "TLS_METHOD",
    "SSLv3": "TLSv1_2", "TLSv1": "TLSv1_2", "TLSv1_1": "TLSv1_2",
}


def tls_version_fix(match: Match) -> list[Edit] | None:
    node = match.node("_const")
    qualified = match.qualify(node)
    if node is None or qualified is None:
        return None
    module, _, name = qualified.rpartition(".")
    replacement = _PROTOCOL_FIX.get(name)
    if replacement is None:
        return None
    return match.replace_name(node, f"{module}.{replacement}")


def unverified_context_fix(match: Match) -> list[Edit] | None:
    """``ssl._create_unverified_context()`` -> ``ssl.create_default_context()``;
    ``ctx.check_hostname = False`` -> ``True``; ``verify_mode = CERT_NONE`` -> ``CERT_REQUIRED``."""
    fn = match.node("_fn")
    if fn is not None:
        return match.replace_name(fn, "ssl.create_default_context")
    value = match.node("_value")
    if value is None:
        return None
    if value.type == "false":
        return [Edit(value.start_byte, value.end_byte, "True")]
    return match.replace_name(value, "ssl.CERT_REQUIRED")


# --- TLS004: cleartext HTTP URLs --------------------------------------------------------------

_CREDENTIAL_KWARGS = {"auth", "headers", "cookies", "cert"}


def cleartext_url_check(match: Match) -> CheckResult | bool:
    url = match.node("_url")
    content = common.string_prefix_content(url) if url is not None else None
    if content is None:
        return False
    text = match.text(content)
    if not re.match(r"(?i)http://", text):
        return False
    host = _url_host(text if "{" not in text else text.split("{", 1)[0] + "placeholder")
    if not host or is_internal_host(host):
        return False
    method = match.node("_method")
    if method is not None and match.text(method) not in HTTP_METHODS:
        return False
    call = match.node("finding")
    args = call.child_by_field_name("arguments") if call is not None else None
    if args is not None and any(common.keyword_arg(args, k) is not None for k in _CREDENTIAL_KWARGS):
        return CheckResult(message=f"`{host}` is contacted over plain HTTP with credentials or headers; "
                           "anyone on the path can read and change them. Use https://.")
    return True


def cleartext_url_fix(match: Match) -> list[Edit] | None:
    url = match.node("_url")
    content = common.string_prefix_content(url) if url is not None else None
    if content is None:
        return None
    return [Edit(content.start_byte, content.start_byte + len("http://"), "https://")]


# --- TLS005: paramiko host keys ----------------------------------------------------------------


def host_key_policy_fix(match: Match) -> list[Edit] | None:
    """``set_missing_host_key_policy(AutoAddPolicy())`` -> ``RejectPolicy()``, preceded by
    ``<client>.load_system_host_keys()`` unless the function already loads host keys."""
    policy = match.node("_policy")
    call = match.node("finding")
    client = match.node("_client")
    if policy is None or call is None or client is None:
        return None
    spelled, edits = match.reference("paramiko.RejectPolicy")
    out = [Edit(policy.start_byte, policy.end_byte, f"{spelled}()"), *edits]
    statement = common.enclosing_statement(call)
    scope = common.enclosing_function(call) or match.tree.root_node
    if b"load_system_host_keys" not in match.source[scope.start_byte:scope.end_byte] and \
            statement.type == "expression_statement":
        line_start = match.source.rfind(b"\n", 0, statement.start_byte) + 1
        indent = match.source[line_start:statement.start_byte].decode("utf-8", "replace")
        if indent.strip() == "":
            newline = "\r\n" if b"\r\n" in match.source else "\n"
            out.append(Edit(statement.start_byte, statement.start_byte,
                            f"{match.text(client)}.load_system_host_keys(){newline}{indent}"))
    return out


# --- TLS007: cleartext protocols ---------------------------------------------------------------


def ftp_tls_fix(match: Match) -> list[Edit] | None:
    fn = match.node("_fn")
    qualified = match.qualify(fn)
    if fn is None or qualified != "ftplib.FTP":
        return None
    return match.replace_name(fn, "ftplib.FTP_TLS")
