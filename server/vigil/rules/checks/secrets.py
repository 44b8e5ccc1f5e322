"""Checks and fixes for the secret rules (SEC001-SEC008).

Queries pre-select candidate literals cheaply (a provider prefix, a password-like name); the
decision is made by :mod:`vigil.rules.checks.secret_detector`, which also decides *which* rule
owns a literal so that one key is never reported twice. Messages show at most a four-character
prefix and the length of a secret: diagnostics end up in CI logs and screenshots.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.fixes import env_name
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import secret_detector as detector
from vigil.rules.checks.syntax import (
    binding_name,
    enclosing,
    env_lookup,
    is_log_or_print,
    is_plain_string,
    literal_text,
    positional,
    remove_argument,
    replace,
    string_prefix,
    target_name,
    text,
    unwrap_up,
)

# ----------------------------------------------------------------------------------------
# Hard-coded credentials (SEC001-SEC005, SEC007)
# ----------------------------------------------------------------------------------------

_JWT_FUNCTIONS = {"jwt.encode", "jwt.decode", "jose.jwt.encode", "jose.jwt.decode"}

#: SDK constructors that read their key from the environment when ``api_key``/``token`` is
#: omitted, keyed by the variable they read.
_SDK_READS_ENV = {
    "OPENAI_API_KEY": ({"openai.OpenAI", "openai.AsyncOpenAI"}, "api_key"),
    "ANTHROPIC_API_KEY": ({"anthropic.Anthropic", "anthropic.AsyncAnthropic"}, "api_key"),
    "GROQ_API_KEY": ({"groq.Groq", "groq.AsyncGroq"}, "api_key"),
    "HF_TOKEN": ({"huggingface_hub.InferenceClient", "huggingface_hub.AsyncInferenceClient"}, "token"),
}

#: Names too vague to become an environment variable; the provider's own name is better.
_GENERIC_ENV = {
    "API_KEY", "APIKEY", "KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH", "AUTHORIZATION", "VALUE",
    "CREDENTIALS", "ACCESS_TOKEN", "URL", "DSN", "URI", "HEADERS", "X_API_KEY", "CONN_STR",
    "BEARER", "DATA", "CONFIG", "DEFAULT", "ARGS", "SECRET_ACCESS_KEY", "ACCESS_KEY",
}


#: Credentials that make the whole literal secret (connection strings, DSNs, key files):
#: the fix replaces the literal instead of splicing the variable into it.
_WHOLE_RULES = {"SEC004", "SEC005", "SEC007"}
_WHOLE_KINDS = {"azure-storage-key", "azure-sas-token", "private-key", "slack-webhook"}


def _candidate(match: Match) -> tuple[ts.Node, str, str | None, detector.Secret] | None:
    node = match.node("finding")
    if node is None:
        return None
    value = literal_text(node)
    if value is None or _is_docstring(node):
        return None
    name = binding_name(node)
    if name is None:
        name = _jwt_key_name(match, node)
    secret = detector.classify(name, value)
    if secret is None or secret.rule != match.rule.id:
        return None
    return node, value, name, secret


def _is_docstring(node: ts.Node) -> bool:
    """A string that is a statement on its own (a docstring, or a comment written as a string)
    is documentation: a ``postgres://user:pass@db/app`` usage example in it configures nothing."""
    outer = unwrap_up(node)
    parent = outer.parent
    return parent is not None and parent.type == "expression_statement" and parent.named_child_count == 1


def _jwt_key_name(match: Match, node: ts.Node) -> str | None:
    """``jwt.encode(payload, "literal")``: the second positional argument is the signing key."""
    node = unwrap_up(node)
    arguments = node.parent
    if arguments is None or arguments.type != "argument_list":
        return None
    call = arguments.parent
    if call is None or match.qualify(call.child_by_field_name("function")) not in _JWT_FUNCTIONS:
        return None
    args = positional(arguments)
    return "jwt_secret" if len(args) >= 2 and args[1] == node else None


def hardcoded_secret(match: Match) -> CheckResult | bool:
    """Keep the match only when the detector assigns the literal to this rule."""
    found = _candidate(match)
    if found is None:
        return False
    _, value, name, secret = found
    where = f" in `{name}`" if name else ""
    message = (
        f"{secret.label[0].upper()}{secret.label[1:]} hard-coded{where} "
        f"({secret.redacted(value)}); anyone with the source or the image has it. "
        f"Read it from the environment ({_env_for(name, secret)}) or a secret manager."
    )
    return CheckResult(message=message)


def _env_for(name: str | None, secret: detector.Secret) -> str:
    if secret.rule in ("SEC004", "SEC005") and name:
        return env_name(name)
    if name:
        candidate = env_name(name)
        if candidate not in _GENERIC_ENV and (secret.rule != "SEC007" or re.search(
                r"URL|URI|DSN|DATABASE|CONN", candidate)):
            return candidate
    return secret.env


def _sdk_reads_env(match: Match, node: ts.Node, secret: detector.Secret) -> ts.Node | None:
    """The ``api_key=`` argument to drop when the SDK falls back to the same variable."""
    entry = _SDK_READS_ENV.get(secret.env)
    parent = unwrap_up(node).parent
    if entry is None or parent is None or parent.type != "keyword_argument":
        return None
    constructors, keyword_name = entry
    if text(parent.child_by_field_name("name")) != keyword_name:
        return None
    call = parent.parent.parent if parent.parent is not None else None
    if call is None or call.type != "call":
        return None
    return parent if match.qualify(call.child_by_field_name("function")) in constructors else None


def hardcoded_secret_fix(match: Match) -> list[Edit] | None:
    """Drop ``api_key=`` where the SDK reads the same variable, else use ``os.environ[...]``."""
    found = _candidate(match)
    if found is None:
        return None
    node, value, name, secret = found
    if not is_plain_string(node):
        return None
    drop = _sdk_reads_env(match, node, secret)
    if drop is not None:
        return [remove_argument(drop, match.source)]
    env = _env_for(name, secret)
    whole = (secret.start == 0 and secret.end == len(value)) or secret.rule in _WHOLE_RULES \
        or secret.kind in _WHOLE_KINDS
    if whole:
        lookup, edits = env_lookup(match, env)
        return [replace(node, lookup), *edits]
    return _splice_into_fstring(match, node, value, secret, env)


def _splice_into_fstring(match: Match, node: ts.Node, value: str, secret: detector.Secret,
                         env: str) -> list[Edit] | None:
    """``"Bearer ghp_…"`` -> ``f"Bearer {os.environ['GITHUB_TOKEN']}"``."""
    contents = [c for c in node.children if c.type not in ("string_start", "string_end")]
    if len(contents) != 1 or contents[0].type != "string_content" or string_prefix(node):
        return None
    opening = text(node.child(0))
    closing = text(node.children[-1])
    inner_quote = "'" if '"' in opening else '"'
    spelled, edits = match.reference("os.environ")
    lookup = f"{spelled}[{inner_quote}{env}{inner_quote}]"

    def escape(part: str) -> str:
        return part.replace("{", "{{").replace("}", "}}")

    rebuilt = (f"f{opening}{escape(value[: secret.start])}{{{lookup}}}"
               f"{escape(value[secret.end :])}{closing}")
    return [replace(node, rebuilt), *edits]


# ----------------------------------------------------------------------------------------
# Secrets written to logs (SEC006)
# ----------------------------------------------------------------------------------------

LOG_SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|passphrase|secret|api_?key|apikey|private_key|client_secret|"
    r"credentials?|access_token|auth_token|refresh_token|id_token|session_token|bearer_token|"
    r"secret_key|jwt|otp|pin_code)(?:_|$)"
)
#: Calls whose result no longer reveals the secret.
_HIDING_CALLS = re.compile(r"(?:^|\.)(?:len|bool|type|mask\w*|redact\w*|hash\w*|sha\d*|md5|"
                           r"hashed?|obfuscate\w*|censor\w*|is_\w+|has_\w+|\w*_set|isinstance|"
                           r"getattr|hasattr|repr_masked)$")
_TRANSPARENT_CALLS = {"str", "repr", "format", "f"}


def _secret_named(node: ts.Node) -> bool:
    name = target_name(node)
    if not name:
        return False
    words = detector.split_name(name)
    return bool(LOG_SECRET_NAME.search(words)) and not detector.NON_SECRET_NAME.search(words)


def _find_logged_secret(node: ts.Node) -> ts.Node | None:
    """The first secret-named value that flows verbatim into a log/print argument."""
    kind = node.type
    if kind in ("identifier", "attribute", "subscript"):
        if kind == "attribute" and "environ" in text(node):
            return None  # os.environ dumps belong to CLD008
        return node if _secret_named(node) else None
    if kind == "call":
        function = node.child_by_field_name("function")
        name = text(function)
        arguments = node.child_by_field_name("arguments")
        if function is not None and function.type == "attribute" and \
                text(function.child_by_field_name("attribute")) == "format" and \
                function.child_by_field_name("object") is not None and \
                function.child_by_field_name("object").type == "string":  # type: ignore[union-attr]
            return _first(arguments)
        if name in _TRANSPARENT_CALLS or (name.endswith(".dumps") and not _HIDING_CALLS.search(name)):
            return _first(arguments)
        return None
    if kind == "string":
        for child in node.children:
            if child.type == "interpolation":
                expression = child.child_by_field_name("expression")
                if expression is not None and _find_logged_secret(expression) is not None:
                    return child
        return None
    if kind in ("binary_operator", "concatenated_string", "parenthesized_expression", "tuple",
                "list", "argument_list", "keyword_argument", "dictionary", "pair"):
        return _first(node)
    return None


def _first(node: ts.Node | None) -> ts.Node | None:
    if node is None:
        return None
    for child in node.named_children:
        if node.type in ("keyword_argument", "pair") and child == (
                node.child_by_field_name("name") or node.child_by_field_name("key")):
            continue
        found = _find_logged_secret(child)
        if found is not None:
            return found
    return None


def _logged(match: Match) -> ts.Node | None:
    call = match.node("finding")
    if call is None or not is_log_or_print(call, match):
        return None
    return _find_logged_secret(call.child_by_field_name("arguments")) if call is not None else None


def logged_secret(match: Match) -> CheckResult | bool:
    found = _logged(match)
    if found is None:
        return False
    shown = text(found) if found.type != "interpolation" else text(found)[1:-1]
    return CheckResult(
        node=found,
        message=f"`{shown[:40]}` is written to a log or stdout; log aggregators, CI output and "
                "support tickets then hold the secret. Log a masked value or nothing.",
    )


def logged_secret_fix(match: Match) -> list[Edit] | None:
    found = _logged(match)
    if found is None:
        return None
    if found.type == "interpolation":
        return [replace(found, "***")]
    return [replace(found, '"***"')]


# ----------------------------------------------------------------------------------------
# Exception details in HTTP responses (SEC008)
# ----------------------------------------------------------------------------------------

_RESPONSE_CALLS = re.compile(
    r"(?:^|\.)(?:JSONResponse|HTMLResponse|PlainTextResponse|Response|HttpResponse|"
    r"HttpResponseServerError|HttpResponseBadRequest|JsonResponse|jsonify|make_response|"
    r"json_response|HTTPException|abort|render_template|render|web\.Response)$"
)
_ROUTE_DECORATOR = re.compile(r"\.(?:route|get|post|put|patch|delete|api_route|websocket|view)\s*\(|"
                              r"api_view|require_http_methods|lambda_handler")
_BROAD_EXCEPTIONS = {"Exception", "BaseException"}


def _exception_name(node: ts.Node) -> str | None:
    """The ``as`` name of the enclosing broad ``except`` clause."""
    clause = enclosing(node, "except_clause")
    if clause is None:
        return None
    value = clause.child_by_field_name("value")
    if value is None or value.type != "as_pattern":
        return None
    caught = value.named_children[0] if value.named_children else None
    if caught is None or text(caught).split(".")[-1] not in _BROAD_EXCEPTIONS:
        return None
    alias = value.child_by_field_name("alias")
    return text(alias) if alias is not None else None


def _leaks_into_response(node: ts.Node, match: Match) -> bool:
    """The expression ends up in a response: returned from a route, or passed to a response."""
    current = node
    for parent in _ancestors_to_statement(node):
        if parent.type == "call":
            function = parent.child_by_field_name("function")
            qualified = match.qualify(function) or text(function)
            if _RESPONSE_CALLS.search(qualified):
                return True
            if parent != current and not _RESPONSE_CALLS.search(qualified) and text(function) not in (
                    "str", "repr", "dict", "f"):
                return False
        if parent.type == "return_statement":
            function = enclosing(parent, "function_definition")
            decorated = function.parent if function is not None else None
            if decorated is not None and decorated.type == "decorated_definition":
                decorators = " ".join(text(d) for d in decorated.named_children if d.type == "decorator")
                return bool(_ROUTE_DECORATOR.search(decorators))
            return function is not None and text(function.child_by_field_name("name")) == "lambda_handler"
        current = parent
    return False


def _ancestors_to_statement(node: ts.Node) -> list[ts.Node]:
    out = []
    current = node.parent
    while current is not None and current.type not in ("block", "module", "expression_statement"):
        out.append(current)
        current = current.parent
    if current is not None and current.type == "expression_statement":
        out.append(current)
    return out


def _error_detail(match: Match) -> ts.Node | None:
    node = match.node("finding")
    if node is None:
        return None
    kind = match.node("_kind")
    if kind is not None:  # str(e) / repr(e) / f"{e}"
        exception = _exception_name(node)
        if exception is None or text(match.node("_e")) != exception:
            return None
    return node if _leaks_into_response(node, match) else None


def error_detail(match: Match) -> CheckResult | bool:
    node = _error_detail(match)
    if node is None:
        return False
    return CheckResult(message=f"`{text(node)[:40]}` sends internal error details (stack traces, "
                               "SQL, file paths) to the client; log them and return a generic "
                               "message.")


def error_detail_fix(match: Match) -> list[Edit] | None:
    node = _error_detail(match)
    if node is None:
        return None
    if node.type == "interpolation":
        return [replace(node, "internal error")]
    return [replace(node, '"Internal server error"')]
