"""Checks and fixes for the web framework and API configuration rules (WEB001-WEB011).

Settings rules (``DEBUG = True``, ``ALLOWED_HOSTS = ["*"]``) only apply in settings-like
modules and never in development or test settings, where those values are normal; ``assert``
is only reported outside tests and only when it guards authorisation or request data.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import newline_of
from vigil.engine.runner import CheckResult, Match, is_test_path
from vigil.rules.checks.syntax import (
    enclosing,
    imports_any,
    imports_prefixed,
    int_value,
    is_dev_module,
    is_settings_module,
    keyword,
    keyword_value,
    literal_text,
    positional,
    remove_argument,
    replace,
    target_name,
    text,
)

# ----------------------------------------------------------------------------------------
# Shared: flipping a captured value
# ----------------------------------------------------------------------------------------


def _flipped(node: ts.Node) -> str | None:
    if node.type == "true":
        return "False"
    if node.type == "false":
        return "True"
    return None


def _os_environ(match: Match) -> tuple[str, list[Edit]]:
    spelled, edits = match.reference("os.environ")
    return spelled, edits


# ----------------------------------------------------------------------------------------
# WEB001 debug mode
# ----------------------------------------------------------------------------------------


def debug_enabled(match: Match) -> bool:
    if is_dev_module(match.path):
        return False
    if match.node("_setting") is not None:
        statement = match.node("finding")
        return (statement is not None and statement.parent is not None
                and statement.parent.type == "module" and is_settings_module(match.path))
    if match.node("_fn") is None:  # `<obj>.run(debug=True)`: only for web application objects
        return imports_any(match, "flask", "quart", "sanic", "dash", "werkzeug", "bottle", "connexion")
    return True


def debug_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None:
        return None
    if match.node("_setting") is not None:
        spelled, edits = _os_environ(match)
        return [replace(value, f'{spelled}.get("DJANGO_DEBUG") == "1"'), *edits]
    return [replace(value, "False")]


# ----------------------------------------------------------------------------------------
# WEB002 bind to all interfaces
# ----------------------------------------------------------------------------------------


def bind_all_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None:
        return None
    spelled, edits = _os_environ(match)
    quote = text(value)[-1]
    return [replace(value, f"{spelled}.get({quote}HOST{quote}, {quote}127.0.0.1{quote})"), *edits]


# ----------------------------------------------------------------------------------------
# WEB003 CORS wildcard with credentials
# ----------------------------------------------------------------------------------------


def _is_true(node: ts.Node | None) -> bool:
    return node is not None and node.type == "true"


def _is_star(node: ts.Node | None) -> bool:
    if node is None:
        return False
    if node.type == "string":
        return literal_text(node) == "*"
    if node.type in ("list", "tuple", "set"):
        return any(_is_star(c) for c in node.named_children)
    return False


def cors_wildcard(match: Match) -> CheckResult | bool:
    args = match.node("_args")
    if args is None:
        return False
    if match.node("_starlette") is not None:
        return _is_true(keyword_value(args, "allow_credentials")) and _is_star(keyword_value(args, "allow_origins"))
    if not _is_true(keyword_value(args, "supports_credentials")):
        return False
    origins = keyword_value(args, "origins")
    return (origins is None and keyword(args, "resources") is None) or _is_star(origins)


def cors_fix(match: Match) -> list[Edit] | None:
    args = match.node("_args")
    if args is None:
        return None
    spelled, edits = _os_environ(match)
    origins_expr = f'{spelled}["CORS_ORIGINS"].split(",")'
    name = "allow_origins" if match.node("_starlette") is not None else "origins"
    value = keyword_value(args, name)
    if value is not None:
        return [replace(value, origins_expr), *edits]
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        return None
    return [Edit(named[-1].end_byte, named[-1].end_byte, f", origins={origins_expr}"), *edits]


# ----------------------------------------------------------------------------------------
# WEB004 Django deployment settings
# ----------------------------------------------------------------------------------------


def django_insecure_setting(match: Match) -> CheckResult | bool:
    statement = match.node("finding")
    name = text(match.node("_k"))
    value = match.node("_val")
    if statement is None or value is None or statement.parent is None:
        return False
    if statement.parent.type != "module" or not is_settings_module(match.path):
        return False
    if name == "ALLOWED_HOSTS":
        return _is_star(value)
    if name == "SECURE_SSL_REDIRECT":
        return value.type == "false"
    if name == "SECURE_HSTS_SECONDS":
        return int_value(value) == 0
    return False


def django_setting_fix(match: Match) -> list[Edit] | None:
    name = text(match.node("_k"))
    value = match.node("_val")
    if value is None:
        return None
    if name == "ALLOWED_HOSTS":
        spelled, edits = _os_environ(match)
        return [replace(value, f'{spelled}["ALLOWED_HOSTS"].split(",")'), *edits]
    if name == "SECURE_SSL_REDIRECT":
        return [replace(value, "True")]
    if name == "SECURE_HSTS_SECONDS":
        return [replace(value, "31536000")]
    return None


# ----------------------------------------------------------------------------------------
# WEB005 CSRF protection disabled
# ----------------------------------------------------------------------------------------

_TEST_CLASS = re.compile(r"test", re.IGNORECASE)


def csrf_disabled(match: Match) -> bool:
    node = match.node("finding")
    if node is None:
        return False
    cls = enclosing(node, "class_definition")
    return not (cls is not None and _TEST_CLASS.search(text(cls.child_by_field_name("name"))))


def csrf_fix(match: Match) -> list[Edit] | None:
    decorator = match.node("finding") if match.node("_decorator") is not None else None
    if decorator is not None:
        source = match.source
        start = source.rfind(b"\n", 0, decorator.start_byte) + 1
        if source[start:decorator.start_byte].strip():
            return None
        end = source.find(b"\n", decorator.end_byte)
        if end < 0 or source[decorator.end_byte:end].strip():
            return None
        return [Edit(start, end + 1, "")]
    value = match.node("_val")
    flipped = _flipped(value) if value is not None else None
    return [replace(value, flipped)] if value is not None and flipped else None


# ----------------------------------------------------------------------------------------
# WEB006 insecure cookies
# ----------------------------------------------------------------------------------------

_COOKIE_SETTINGS = {"SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
                    "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY"}


def insecure_cookie(match: Match) -> CheckResult | bool:
    value = match.node("_val")
    name = text(match.node("_k")) or (target_name(match.node("_target")) or "")
    if value is None:
        return False
    if match.node("_setting") is not None:
        target = match.node("_target")
        in_config = target is not None and target.type == "subscript"
        if name not in _COOKIE_SETTINGS or value.type != "false":
            return False
        return in_config or is_settings_module(match.path) or match.node("_update") is not None
    if name in ("secure", "httponly"):
        return value.type == "false"
    if name == "samesite":
        args = value.parent.parent if value.parent is not None else None
        return (literal_text(value) or "").lower() == "none" and not _is_true(keyword_value(args, "secure"))
    return False


def cookie_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None:
        return None
    if value.type == "string":
        quote = text(value)[-1]
        return [replace(value, f"{quote}Lax{quote}")]
    flipped = _flipped(value)
    return [replace(value, flipped)] if flipped else None


# ----------------------------------------------------------------------------------------
# WEB007 JWT verification disabled
# ----------------------------------------------------------------------------------------


def _verify_signature_off(args: ts.Node | None) -> ts.Node | None:
    options = keyword_value(args, "options")
    if options is None or options.type != "dictionary":
        return None
    for pair in options.named_children:
        if pair.type == "pair" and literal_text(pair.child_by_field_name("key")) == "verify_signature" \
                and (pair.child_by_field_name("value") or pair).type == "false":
            return pair
    return None


def jwt_unverified(match: Match) -> CheckResult | bool:
    args = match.node("_args")
    if match.node("_missing") is not None:
        if _verify_signature_off(args) is not None or keyword(args, "verify") is not None:
            return False  # reported (and fixed) by the more specific pattern first
        return CheckResult(message="`jwt.decode()` without `algorithms=` accepts whatever algorithm "
                                   "the token header names; pin the expected algorithm.")
    if match.node("_algs") is not None:
        algorithms = match.node("_algs")
        return any((literal_text(c) or "").lower() == "none" for c in algorithms.named_children) \
            if algorithms is not None else False
    return True


def jwt_fix(match: Match) -> list[Edit] | None:
    args = match.node("_args")
    if args is None or match.node("_algs") is not None:
        return None
    pair = _verify_signature_off(args)
    if pair is not None:
        options = keyword(args, "options")
        dictionary = pair.parent
        if options is not None and dictionary is not None and \
                len([c for c in dictionary.named_children if c.type == "pair"]) == 1:
            return [remove_argument(options, match.source)]
        return [remove_argument(pair, match.source)]
    verify = keyword(args, "verify")
    if verify is not None:
        return [remove_argument(verify, match.source)]
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        return None
    return [Edit(named[-1].end_byte, named[-1].end_byte, ', algorithms=["HS256"]')]


# ----------------------------------------------------------------------------------------
# WEB008 outbound HTTP without timeout
# ----------------------------------------------------------------------------------------


def missing_timeout(match: Match) -> bool:
    args = match.node("_args")
    fn = match.qualify(match.node("_fn")) or ""
    return not (fn.endswith("urlopen") and len(positional(args)) >= 3)


def timeout_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is not None:
        return [replace(value, "10")]
    args = match.node("_args")
    if args is None:
        return None
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        return None
    last = named[-1]
    return [Edit(last.end_byte, last.end_byte, ", timeout=10")]


# ----------------------------------------------------------------------------------------
# WEB009 mass assignment
# ----------------------------------------------------------------------------------------

_PERSISTING_METHODS = {"create", "update", "get_or_create", "update_or_create", "bulk_create",
                       "insert", "add", "save", "from_dict"}
_NOT_MODELS = {"dict", "print", "jsonify", "JSONResponse", "Response", "render_template",
               "render", "format", "log", "debug", "info", "warning", "error", "OrderedDict"}


def mass_assignment(match: Match) -> bool:
    fn = match.node("_fn")
    if fn is None:
        return False
    last = text(fn).rsplit(".", 1)[-1]
    if last in _NOT_MODELS:
        return False
    return last[:1].isupper() or last in _PERSISTING_METHODS


# ----------------------------------------------------------------------------------------
# WEB010 assert used for authorisation / validation
# ----------------------------------------------------------------------------------------

_AUTHZ = re.compile(
    r"is_authenticated|is_admin|is_staff|is_superuser|has_perms?\b|has_role|has_permission|"
    r"permissions?\b|authori[sz]|\broles?\b|\bowner|current_user|request\.user|\bcan_\w+|"
    r"\btenant|csrf"
)
_INPUT = re.compile(
    r"\brequest\.(?:json|form|args|data|POST|GET|body|headers|query_params|path_params|values|files|"
    r"get_json|cookies)|\bpayload\b|\bevent\[[\"']body"
)
#: Asserts only guard requests in web/API code; elsewhere they are invariants (B101's noise).
_SERVER_MODULES = ("flask", "werkzeug", "fastapi", "starlette", "django", "rest_framework", "quart",
                   "sanic", "aiohttp", "litestar", "falcon", "bottle", "tornado", "pyramid", "jwt",
                   "authlib", "connexion", "graphene", "strawberry", "ninja", "mangum", "aws_lambda")


def assert_guard(match: Match) -> CheckResult | bool:
    node = match.node("finding")
    if node is None or is_test_path(match.path) or not imports_prefixed(match, *_SERVER_MODULES):
        return False
    condition = node.named_children[0] if node.named_children else None
    cond_text = text(condition)
    if _AUTHZ.search(cond_text):
        return CheckResult(message="`assert` used for an authorisation check is removed under "
                                   "`python -O`, silently granting access; raise an exception instead.")
    if _INPUT.search(cond_text):
        return CheckResult(message="`assert` used to validate request data is removed under "
                                   "`python -O`; raise an exception instead.")
    return False


_NEEDS_PARENS = {"boolean_operator", "conditional_expression", "named_expression", "lambda",
                 "not_operator", "comparison_operator"}


def assert_fix(match: Match) -> list[Edit] | None:
    node = match.node("finding")
    if node is None or not node.named_children:
        return None
    source = match.source
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    indent = source[line_start:node.start_byte].decode("utf-8", "replace")
    if indent.strip():
        return None  # `if x: assert y` on one line: no safe rewrite
    condition = node.named_children[0]
    message = node.named_children[1] if len(node.named_children) > 1 else None
    cond = text(condition)
    if condition.type in _NEEDS_PARENS and condition.type != "comparison_operator":
        cond = f"({cond})"
    exception = "PermissionError" if _AUTHZ.search(text(condition)) else "ValueError"
    if message is None:
        message_text = f'"{"permission denied" if exception == "PermissionError" else "invalid request"}"'
    else:
        message_text = text(message)
    newline = newline_of(source)
    step = "    " if "\t" not in indent else "\t"
    replacement = f"if not {cond}:{newline}{indent}{step}raise {exception}({message_text})"
    return [replace(node, replacement)]


# ----------------------------------------------------------------------------------------
# WEB011 uploaded file name used in a path
# ----------------------------------------------------------------------------------------

_WEB_FRAMEWORKS = ("flask", "werkzeug", "fastapi", "starlette", "django", "quart", "sanic",
                   "aiohttp", "litestar", "falcon", "bottle", "tornado", "rest_framework")
_PATH_SINKS = re.compile(r"^(?:os\.path\.join|open|io\.open|pathlib\.Path|pathlib\.PurePath|"
                         r"shutil\.\w+|os\.rename|os\.replace|os\.makedirs|aiofiles\.open)$")
_SANITISERS = re.compile(r"(?:secure_filename|basename|get_valid_filename|slugify|uuid\w*|quote)$")


def upload_filename(match: Match) -> bool:
    node = match.node("finding")
    if node is None or not imports_any(match, *_WEB_FRAMEWORKS):
        return False
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "argument_list":
        call = parent.parent
        fn = call.child_by_field_name("function") if call is not None else None
        qualified = match.qualify(fn) or text(fn)
        if _SANITISERS.search(qualified):
            return False
        saves = fn is not None and fn.type == "attribute" and \
            text(fn.child_by_field_name("attribute")) in ("save", "joinpath")
        return bool(_PATH_SINKS.match(qualified)) or saves
    if parent.type == "binary_operator" and text(parent.child_by_field_name("operator")) == "/":
        return parent.child_by_field_name("right") == node
    return False


def upload_filename_fix(match: Match) -> list[Edit] | None:
    node = match.node("finding")
    if node is None:
        return None
    if imports_any(match, "flask", "werkzeug", "quart"):
        local = _local_name(match, "werkzeug.utils.secure_filename")
        if local is not None:
            return [replace(node, f"{local}({text(node)})")]
        spelled, edits = match.reference("werkzeug.utils.secure_filename")
        return [replace(node, f"{spelled}({text(node)})"), *edits]
    spelled, edits = match.reference("os.path")
    return [replace(node, f"{spelled}.basename({text(node)})"), *edits]


def _local_name(match: Match, qualified: str) -> str | None:
    for name, bindings in match.names.bindings.items():
        if any(b.qualified == qualified for b in bindings):
            return name
    return None

