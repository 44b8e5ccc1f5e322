"""Checks and fixes for the Terraform rules (TF...), over the tree-sitter-hcl syntax tree.

HCL values are read only when they are literals (``"0.0.0.0/0"``, ``22``, ``["*"]``); a
reference such as ``var.cidr`` is unknown and never reported, so a finding always points at
something written in the file.
"""

from __future__ import annotations

import json
from typing import Any

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import newline_of
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks.iac_common import is_literal_secret_value

_UNKNOWN = object()


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def labels(block: ts.Node) -> tuple[str, list[str]]:
    """``resource "aws_s3_bucket" "logs" {`` -> ("resource", ["aws_s3_bucket", "logs"])."""
    keyword = ""
    out: list[str] = []
    for child in block.named_children:
        if child.type == "identifier" and not keyword:
            keyword = _text(child)
        elif child.type == "string_lit":
            out.append(_text(child).strip('"'))
        elif child.type in ("block_start", "body"):
            break
    return keyword, out


def body_of(block: ts.Node) -> ts.Node | None:
    return next((c for c in block.named_children if c.type == "body"), None)


def attributes(body: ts.Node | None) -> dict[str, ts.Node]:
    """Attribute name -> its ``expression`` node."""
    out: dict[str, ts.Node] = {}
    if body is None:
        return out
    for child in body.named_children:
        if child.type == "attribute":
            name = child.named_children[0]
            value = child.named_children[-1]
            out[_text(name)] = value
    return out


def blocks(body: ts.Node | None, name: str | None = None) -> list[ts.Node]:
    if body is None:
        return []
    return [c for c in body.named_children if c.type == "block" and (name is None or labels(c)[0] == name)]


def literal(node: ts.Node | None) -> Any:
    """The Python value of a literal expression, ``_UNKNOWN`` for anything computed."""
    if node is None:
        return _UNKNOWN
    if node.type in ("expression", "literal_value", "collection_value") and node.named_child_count == 1:
        return literal(node.named_children[0])
    if node.type == "string_lit":
        parts = [c for c in node.named_children if c.type not in ("quoted_template_start", "quoted_template_end")]
        if all(p.type == "template_literal" for p in parts):
            return "".join(_text(p) for p in parts)
        return _UNKNOWN
    if node.type == "numeric_lit":
        try:
            return float(_text(node)) if "." in _text(node) else int(_text(node))
        except ValueError:
            return _UNKNOWN
    if node.type == "bool_lit":
        return _text(node) == "true"
    if node.type == "tuple":
        return [literal(c) for c in node.named_children if c.type == "expression"]
    return _UNKNOWN


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


# -- network exposure -------------------------------------------------------------------------
ADMIN_PORTS = {22: "SSH", 3389: "RDP", 23: "Telnet", 5900: "VNC", 3306: "MySQL", 5432: "PostgreSQL",
               1433: "SQL Server", 1521: "Oracle", 27017: "MongoDB", 6379: "Redis", 9200: "Elasticsearch",
               11211: "Memcached", 2375: "the Docker API", 2379: "etcd", 5601: "Kibana"}
_ANYWHERE = {"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"}


def _ports(from_port: Any, to_port: Any) -> list[int]:
    if not isinstance(from_port, int) or not isinstance(to_port, int):
        return []
    if from_port <= 0 and to_port in (0, 65535, -1):
        return sorted(ADMIN_PORTS)
    return [p for p in ADMIN_PORTS if from_port <= p <= to_port]


def _port_ranges(values: list[str]) -> list[int]:
    out: list[int] = []
    for value in values:
        value = value.strip()
        if value == "*":
            return sorted(ADMIN_PORTS)
        low, _, high = value.partition("-")
        if low.isdigit() and (high.isdigit() or not high):
            out.extend(_ports(int(low), int(high or low)))
    return out


def _describe(ports: list[int]) -> str:
    return ", ".join(f"{p} ({ADMIN_PORTS[p]})" for p in sorted(set(ports))[:4])


def _open_cidr(attrs: dict[str, ts.Node], names: tuple[str, ...]) -> ts.Node | None:
    for name in names:
        node = attrs.get(name)
        if node is not None and any(v.lower() in _ANYWHERE for v in _str_list(literal(node))):
            return node
    return None


def admin_port_open_to_world(match: Match) -> CheckResult | bool:
    """AWS ``ingress`` blocks / ``aws_security_group_rule`` / ``aws_vpc_security_group_ingress_rule``,
    GCP ``google_compute_firewall``, Azure ``azurerm_network_security_rule`` and ``security_rule``."""
    block = match.node("finding")
    if block is None:
        return False
    keyword, names = labels(block)
    body = body_of(block)
    attrs = attributes(body)
    kind = names[0] if keyword == "resource" and names else keyword
    ports: list[int] = []
    where: ts.Node | None = None
    if kind in ("ingress", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"):
        if kind == "aws_security_group_rule" and literal(attrs.get("type")) != "ingress":
            return False
        if kind == "ingress" and not (block.parent and block.parent.parent and
                                      "aws_security_group" in labels(block.parent.parent)[1][:1]):
            return False
        where = _open_cidr(attrs, ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"))
        protocol = str(literal(attrs.get("protocol", attrs.get("ip_protocol")))).lower()
        if protocol in ("-1", "all"):
            ports = sorted(ADMIN_PORTS)
        else:
            ports = _ports(literal(attrs.get("from_port")), literal(attrs.get("to_port")))
    elif kind == "google_compute_firewall":
        if str(literal(attrs.get("direction", None))).upper() == "EGRESS":
            return False
        where = _open_cidr(attrs, ("source_ranges",))
        for allow in blocks(body, "allow"):
            allow_attrs = attributes(body_of(allow))
            if literal(allow_attrs.get("protocol")) in ("all",) or "ports" not in allow_attrs:
                ports = sorted(ADMIN_PORTS)
            else:
                ports.extend(_port_ranges(_str_list(literal(allow_attrs.get("ports")))))
    elif kind in ("azurerm_network_security_rule", "security_rule"):
        if str(literal(attrs.get("direction"))).lower() != "inbound" or str(literal(attrs.get("access"))).lower() != "allow":
            return False
        where = _open_cidr(attrs, ("source_address_prefix", "source_address_prefixes"))
        ranges = _str_list(literal(attrs.get("destination_port_range"))) + _str_list(
            literal(attrs.get("destination_port_ranges")))
        ports = _port_ranges(ranges)
    else:
        return False
    if where is None or not ports:
        return False
    return CheckResult(node=where, message=f"Ingress from anywhere to {_describe(ports)}: admin and database "
                                           "ports should only be reachable from a bastion, VPN or private range.")


# -- IAM ---------------------------------------------------------------------------------------
def _wildcard(values: Any) -> bool:
    return any(v == "*" for v in _str_list(values))


def iam_statement_wildcard(match: Match) -> CheckResult | bool:
    """``statement { actions = ["*"] resources = ["*"] }`` in an ``aws_iam_policy_document``."""
    block = match.node("finding")
    if block is None:
        return False
    attrs = attributes(body_of(block))
    if str(literal(attrs.get("effect", None))).lower() == "deny":
        return False
    actions = attrs.get("actions")
    if _wildcard(literal(actions)) and _wildcard(literal(attrs.get("resources"))):
        return CheckResult(node=actions)
    return False


def _object_items(obj: ts.Node) -> dict[str, ts.Node]:
    out: dict[str, ts.Node] = {}
    for elem in obj.named_children:
        if elem.type != "object_elem":
            continue
        key = elem.child_by_field_name("key")
        value = elem.child_by_field_name("val")
        if key is not None and value is not None:
            out[_text(key).strip('"')] = value
    return out


def iam_object_wildcard(match: Match) -> CheckResult | bool:
    """``jsonencode({ ... Action = "*", Resource = "*" ... })``."""
    obj = match.node("finding")
    if obj is None:
        return False
    items = _object_items(obj)
    if str(literal(items.get("Effect"))).lower() == "deny":
        return False
    action = items.get("Action")
    if action is not None and _wildcard(literal(action)) and _wildcard(literal(items.get("Resource"))):
        return CheckResult(node=action)
    return False


def _json_statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]


def iam_heredoc_wildcard(match: Match) -> CheckResult | bool:
    """A JSON policy written as a heredoc (``policy = <<EOF ... EOF``)."""
    heredoc = match.node("finding")
    if heredoc is None:
        return False
    text = "".join(_text(c) for c in heredoc.named_children if c.type == "template_literal")
    try:
        document = json.loads(text[text.find("{"):text.rfind("}") + 1])
    except ValueError:
        return False
    for statement in _json_statements(document):
        if str(statement.get("Effect", "Allow")).lower() == "deny":
            continue
        if _wildcard(statement.get("Action")) and _wildcard(statement.get("Resource")):
            return True
    return False


# -- missing settings --------------------------------------------------------------------------
#: resource type -> (attribute that must be true, what it protects)
ENCRYPTION_ATTRIBUTE = {
    "aws_ebs_volume": "encrypted",
    "aws_db_instance": "storage_encrypted",
    "aws_rds_cluster": "storage_encrypted",
    "aws_efs_file_system": "encrypted",
    "aws_redshift_cluster": "encrypted",
    "aws_elasticache_replication_group": "at_rest_encryption_enabled",
    "aws_docdb_cluster": "storage_encrypted",
    "aws_neptune_cluster": "storage_encrypted",
}


def missing_encryption(match: Match) -> CheckResult | bool:
    block = match.node("finding")
    label = match.node("_type")
    if block is None or label is None:
        return False
    _, names = labels(block)
    attribute = ENCRYPTION_ATTRIBUTE.get(names[0] if names else "")
    if attribute is None or attribute in attributes(body_of(block)):
        return False  # an explicit ``= false`` is TF004's finding
    return CheckResult(node=label, message=f"`{names[0]}` has no `{attribute} = true`: the data is stored "
                                           "unencrypted at rest.")


def missing_encryption_fix(match: Match) -> list[Edit] | None:
    block = match.node("finding")
    if block is None:
        return None
    _, names = labels(block)
    attribute = ENCRYPTION_ATTRIBUTE.get(names[0] if names else "")
    opening = next((c for c in block.children if c.type == "block_start"), None)
    if attribute is None or opening is None:
        return None
    body = body_of(block)
    source = match.source
    line_start = source.rfind(b"\n", 0, block.start_byte) + 1
    block_indent = source[line_start:block.start_byte].decode("utf-8", "replace")
    indent = block_indent + "  "
    if body is not None and body.named_children:
        first = body.named_children[0]
        first_line = source.rfind(b"\n", 0, first.start_byte) + 1
        indent = source[first_line:first.start_byte].decode("utf-8", "replace")
    newline = newline_of(source)
    return [Edit(opening.end_byte, opening.end_byte, f"{newline}{indent}{attribute} = true")]


def bucket_without_public_access_block(match: Match) -> CheckResult | bool:
    """An ``aws_s3_bucket`` in a file with no ``aws_s3_bucket_public_access_block`` (nor the
    account-wide one). Judged per file: a module that blocks access elsewhere should say so
    with a suppression comment."""
    label = match.node("_type")
    if label is None:
        return False
    root = match.tree.root_node
    body = next((c for c in root.named_children if c.type == "body"), None)
    for block in blocks(body, "resource"):
        _, names = labels(block)
        if names and names[0] in ("aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"):
            return False
    return CheckResult(node=label)


_CREDENTIAL_ATTRIBUTES = {
    "access_key", "secret_key", "token", "password", "client_secret", "client_certificate_password",
    "master_password", "admin_password", "administrator_login_password", "api_key", "api_token",
    "private_key", "sas_token", "credentials",
}


def hardcoded_credential(match: Match) -> CheckResult | bool:
    name = _text(match.node("_attr"))
    value = match.node("_value")
    if name not in _CREDENTIAL_ATTRIBUTES or value is None:
        return False
    text = literal(value)
    if not isinstance(text, str) or not is_literal_secret_value(text):
        return False
    return CheckResult(node=value)


def iam_wildcard(match: Match) -> CheckResult | bool:
    """One rule, three spellings of a policy: HCL ``statement`` blocks, ``jsonencode`` objects
    and JSON heredocs."""
    node = match.node("finding")
    if node is None:
        return False
    if node.type == "block":
        return iam_statement_wildcard(match)
    if node.type == "object":
        return iam_object_wildcard(match)
    return iam_heredoc_wildcard(match)
