"""Checks and fixes for the cloud SDK misconfiguration rules (CLD001-CLD006, CLD008).

Cloud SDK clients are created dynamically (``boto3.client("s3")``), so their method calls
cannot be resolved through imports. The rules match the distinctive method and parameter
names (``put_public_access_block``, ``ExpiresIn``, ``make_public``) and require the module to
import the SDK, which keeps unrelated code with the same method names quiet.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks.syntax import (
    imports_any,
    int_value,
    is_log_or_print,
    literal_text,
    remove_argument,
    replace,
    text,
)

_AWS = ("boto3", "aioboto3", "aiobotocore", "botocore")


# ----------------------------------------------------------------------------------------
# CLD001 public S3 ACLs
# ----------------------------------------------------------------------------------------


def s3_public_acl(match: Match) -> bool:
    return imports_any(match, *_AWS)


def remove_finding_argument(match: Match) -> list[Edit] | None:
    """Delete the flagged keyword argument or dict entry."""
    node = match.node("finding")
    if node is None or node.type not in ("keyword_argument", "pair"):
        return None
    return [remove_argument(node, match.source)]


# ----------------------------------------------------------------------------------------
# CLD002 public access block off / bucket policy open to everyone
# ----------------------------------------------------------------------------------------


def _pairs(dictionary: ts.Node | None) -> dict[str, ts.Node]:
    out: dict[str, ts.Node] = {}
    if dictionary is None or dictionary.type != "dictionary":
        return out
    for pair in dictionary.named_children:
        if pair.type == "pair":
            key = literal_text(pair.child_by_field_name("key")) if pair.child_by_field_name("key") else None
            value = pair.child_by_field_name("value")
            if key is not None and value is not None:
                out[key] = value
    return out


def _is_wildcard_principal(value: ts.Node) -> bool:
    if value.type == "string":
        return literal_text(value) == "*"
    if value.type == "dictionary":
        return any(_contains_star(v) for v in _pairs(value).values())
    return False


def _contains_star(node: ts.Node) -> bool:
    if node.type == "string":
        return literal_text(node) == "*"
    if node.type in ("list", "tuple"):
        return any(_contains_star(c) for c in node.named_children)
    return False


def public_access(match: Match) -> CheckResult | bool:
    if match.node("_principal") is not None:
        statement = match.node("_stmt")
        value = match.node("finding")
        if statement is None or value is None or not _is_wildcard_principal(value):
            return False
        pairs = _pairs(statement)
        effect = pairs.get("Effect")
        if effect is None or literal_text(effect) != "Allow" or "Condition" in pairs:
            return False
        return CheckResult(message="Policy statement allows `Principal: \"*\"` without a "
                                   "`Condition`: anyone on the internet gets these permissions.")
    return imports_any(match, *_AWS)


def flag_to_true(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None or value.type != "false":
        return None
    return [replace(value, "True")]


# ----------------------------------------------------------------------------------------
# CLD003 long-lived presigned URLs
# ----------------------------------------------------------------------------------------

_DAY = 86_400
_UNITS = {"weeks": 604_800, "days": _DAY, "hours": 3_600, "minutes": 60, "seconds": 1}


def _seconds(node: ts.Node | None) -> int | None:
    """``604800``, ``7 * 24 * 3600``, ``timedelta(days=7)``, ``datetime.timedelta(hours=48)``."""
    if node is None:
        return None
    number = int_value(node)
    if number is not None:
        return number
    if node.type == "call" and text(node.child_by_field_name("function")).endswith("timedelta"):
        arguments = node.child_by_field_name("arguments")
        total = 0
        for child in arguments.named_children if arguments is not None else []:
            if child.type == "keyword_argument":
                unit = _UNITS.get(text(child.child_by_field_name("name")))
                amount = int_value(child.child_by_field_name("value"))
                if unit is None or amount is None:
                    return None
                total += unit * amount
            elif child.type != "comment":
                days = int_value(child)
                if days is None:
                    return None
                total += days * _DAY
        return total
    return None


def long_presigned_url(match: Match) -> CheckResult | bool:
    seconds = _seconds(match.node("_val"))
    if seconds is None or seconds <= _DAY:
        return False
    return CheckResult(message=f"Signed URL valid for {seconds / 3600:g} hours; anyone who sees the "
                               "link (logs, chat, e-mail) can use it until it expires. Keep it short.")


def presigned_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None:
        return None
    if value.type == "call":
        return [replace(value, f"{text(value.child_by_field_name('function'))}(hours=1)")]
    return [replace(value, "3600")]


# ----------------------------------------------------------------------------------------
# CLD004 wildcard IAM policies
# ----------------------------------------------------------------------------------------

_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$")


def wildcard_policy(match: Match) -> CheckResult | bool:
    statement = match.node("_stmt")
    pairs = _pairs(statement)
    effect = pairs.get("Effect")
    if effect is None or literal_text(effect) != "Allow":
        return False
    action = pairs.get("Action") or pairs.get("NotAction")
    if action is None:
        return False
    actions = [literal_text(a) or "" for a in ([action] if action.type == "string" else action.named_children)]
    if "NotAction" in pairs:
        return CheckResult(message="`Allow` with `NotAction` grants every action except the listed "
                                   "ones, including services added later; list what is allowed.")
    if any(a in ("*", "*:*") for a in actions):
        return CheckResult(message="Policy allows every action (`\"Action\": \"*\"`): this is "
                                   "administrator access. Grant only the actions the workload uses.")
    resource = pairs.get("Resource")
    all_resources = resource is not None and _contains_star(resource)
    wildcard = [a for a in actions if _SERVICE_WILDCARD.match(a)]
    if wildcard and all_resources:
        return CheckResult(message=f"Policy allows `{wildcard[0]}` on every resource; scope the "
                                   "actions and the resource ARNs.")
    return False


# ----------------------------------------------------------------------------------------
# CLD005 public Google Cloud Storage objects / Azure containers
# ----------------------------------------------------------------------------------------

_AZURE_PUBLIC = re.compile(r"^(?:[\"'](?:container|blob)[\"']|(?:\w+\.)*PublicAccess\.(?:Container|Blob))$",
                           re.IGNORECASE)


def public_bucket(match: Match) -> bool:
    value = match.node("_val")
    if value is not None:
        return imports_any(match, "azure") and bool(_AZURE_PUBLIC.match(text(value)))
    return imports_any(match, "google", "gcloud")


def public_bucket_fix(match: Match) -> list[Edit] | None:
    keyword = match.node("_kw")
    if keyword is not None:
        return [remove_argument(keyword, match.source)]
    call = match.node("finding")
    statement = call.parent if call is not None else None
    if statement is None or statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    block = statement.parent
    source = match.source
    start = source.rfind(b"\n", 0, statement.start_byte) + 1
    end = source.find(b"\n", statement.end_byte)
    end = len(source) if end < 0 else end + 1
    if source[start:statement.start_byte].strip() or source[statement.end_byte:end].strip():
        return None
    if block is not None and block.type == "block" and len(
            [c for c in block.named_children if c.type != "comment"]) == 1:
        return [replace(statement, "pass")]
    return [Edit(start, end, "")]


# ----------------------------------------------------------------------------------------
# CLD006 AMI lookup without an owner
# ----------------------------------------------------------------------------------------


def untrusted_ami(match: Match) -> bool:
    return imports_any(match, *_AWS)


# ----------------------------------------------------------------------------------------
# CLD008 credentials dumped to logs
# ----------------------------------------------------------------------------------------

_CREDENTIAL_CALLS = re.compile(r"\.(?:get_credentials|get_frozen_credentials|get_session_token|"
                               r"assume_role|assume_role_with_web_identity|get_access_token)\(")
_ENV_SECRET = re.compile(r"(?i)secret|password|token|key|credential")


def _dump(node: ts.Node, match: Match) -> ts.Node | None:
    """The argument expression that dumps the environment or cloud credentials, if any."""
    kind = node.type
    if kind == "attribute" and match.qualify(node) == "os.environ":
        return node
    if kind == "subscript":
        value = node.child_by_field_name("value")
        index = node.child_by_field_name("subscript")
        index_text = literal_text(index) if index is not None and index.type == "string" else None
        if value is not None and match.qualify(value) == "os.environ":
            return node if index_text and _ENV_SECRET.search(index_text) else None
        if index_text == "Credentials":
            return node
        return _dump(value, match) if value is not None else None
    if kind == "call":
        function = node.child_by_field_name("function")
        qualified = match.qualify(function) or ""
        arguments = node.child_by_field_name("arguments")
        if qualified in ("os.getenv", "os.environ.get"):
            first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
            key = literal_text(first) if first is not None and first.type == "string" else None
            return node if key and _ENV_SECRET.search(key) else None
        if qualified in ("os.environ.items", "os.environ.copy", "os.environ.values"):
            return node
        if _CREDENTIAL_CALLS.search(text(node)) and function is not None and function.type == "attribute":
            return node
        if qualified in ("sorted", "list", "len", "set", "tuple", "frozenset"):
            return None  # only the variable names (or their number) are logged
        if qualified in ("dict", "str", "repr", "json.dumps", "pprint.pformat"):
            found = _first_dump(arguments, match)
            return node if found is not None and found.type != "subscript" else found
        return None
    if kind == "string":
        for child in node.children:
            if child.type == "interpolation":
                expression = child.child_by_field_name("expression")
                if expression is not None and _dump(expression, match) is not None:
                    return child
        return None
    if kind in ("binary_operator", "parenthesized_expression", "tuple", "list", "dictionary", "pair",
                "keyword_argument"):
        return _first_dump(node, match)
    return None


def _first_dump(node: ts.Node | None, match: Match) -> ts.Node | None:
    if node is None:
        return None
    for child in node.named_children:
        found = _dump(child, match)
        if found is not None:
            return found
    return None


def _logged_dump(match: Match) -> ts.Node | None:
    call = match.node("finding")
    if call is None or not is_log_or_print(call, match):
        return None
    return _first_dump(call.child_by_field_name("arguments"), match)


def credentials_logged(match: Match) -> CheckResult | bool:
    found = _logged_dump(match)
    if found is None:
        return False
    shown = text(found)
    return CheckResult(node=found, message=f"`{shown[:50]}` writes credentials (environment "
                                           "variables or cloud session keys) to the log.")


def credentials_logged_fix(match: Match) -> list[Edit] | None:
    found = _logged_dump(match)
    if found is None:
        return None
    if "environ" in text(found) and found.type != "subscript" and not (
            found.type == "call" and (match.qualify(found.child_by_field_name("function")) or "") in
            ("os.getenv", "os.environ.get")):
        environ, edits = match.reference("os.environ")
        replacement = f"sorted({environ})"
        if found.type == "interpolation":
            return [replace(found, f"{{{replacement}}}"), *edits]
        return [replace(found, replacement), *edits]
    if found.type == "interpolation":
        return [replace(found, "***")]
    return [replace(found, '"***"')]


__all__ = [
    "credentials_logged", "credentials_logged_fix", "flag_to_true", "long_presigned_url",
    "presigned_fix", "public_access", "public_bucket", "public_bucket_fix",
    "remove_finding_argument", "s3_public_acl", "untrusted_ami", "wildcard_policy",
]
