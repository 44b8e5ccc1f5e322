"""Checks and fixes for the LLM / AI-application rules (LLM005-LLM010, LLM012, LLM013).

These rules look at how an application *configures* and *calls* models: what goes into the
system prompt, which loaders run remote code, which agent tools execute code, whether calls
are bounded. Flows of model output into sinks (LLM001-LLM004, LLM011) need taint tracking and
live with the taint engine, not here.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks.secret_detector import NON_SECRET_NAME, split_name
from vigil.rules.checks.secrets import LOG_SECRET_NAME
from vigil.rules.checks.syntax import (
    imports_any,
    imports_prefixed,
    keyword,
    keyword_value,
    literal_text,
    positional,
    replace,
    text,
)

# ----------------------------------------------------------------------------------------
# Expressions interpolated into prompt strings
# ----------------------------------------------------------------------------------------


def _root_name(node: ts.Node) -> str:
    """``request.json["q"]`` -> ``request``; ``user.name`` -> ``user``; ``f(x)`` -> ``f``."""
    while node.type in ("attribute", "subscript", "call"):
        inner = (node.child_by_field_name("object") or node.child_by_field_name("value")
                 or node.child_by_field_name("function"))
        if inner is None:
            break
        node = inner
    return text(node) if node.type == "identifier" else ""


def interpolated(node: ts.Node) -> list[tuple[ts.Node, ts.Node]]:
    """(placeholder node, expression) pairs of an f-string, ``"...".format(...)``, ``+`` or ``%``."""
    out: list[tuple[ts.Node, ts.Node]] = []
    kind = node.type
    if kind == "string":
        for child in node.children:
            if child.type == "interpolation":
                expression = child.child_by_field_name("expression")
                if expression is not None:
                    out.append((child, expression))
    elif kind == "concatenated_string":
        for child in node.named_children:
            out.extend(interpolated(child))
    elif kind == "binary_operator":
        for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
            if side is None:
                continue
            if side.type in ("string", "concatenated_string", "binary_operator", "parenthesized_expression"):
                out.extend(interpolated(side))
            elif side.type in ("identifier", "attribute", "subscript", "call", "tuple", "dictionary"):
                if side.type in ("tuple", "dictionary"):
                    out.extend((c, c) for c in side.named_children)
                else:
                    out.append((side, side))
    elif kind == "parenthesized_expression" and node.named_child_count == 1:
        out.extend(interpolated(node.named_children[0]))
    elif kind == "call":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "attribute" and \
                text(function.child_by_field_name("attribute")) == "format":
            arguments = node.child_by_field_name("arguments")
            for child in arguments.named_children if arguments is not None else []:
                value = child.child_by_field_name("value") if child.type == "keyword_argument" else child
                if value is not None:
                    out.append((value, value))
    return out


_UNTRUSTED_ROOT = re.compile(
    r"^(?:request|req|body|payload|params|query|question|user_input|user_message|user_query|"
    r"user_prompt|user_text|user_instructions|user_request|input_text|comment|form|event|"
    r"feedback|webhook|untrusted_\w+|raw_input|message_from_user|incoming|inbound)$"
)
_UNTRUSTED_CALLS = re.compile(r"^(?:input|sys\.stdin\.\w+)$")


def _is_untrusted(expression: ts.Node) -> bool:
    if expression.type == "call":
        function = expression.child_by_field_name("function")
        if _UNTRUSTED_CALLS.match(text(function)):
            return True
        if text(function).endswith("format"):
            return False
    if expression.type == "await":
        inner = expression.named_children[0] if expression.named_children else None
        return inner is not None and _is_untrusted(inner)
    return bool(_UNTRUSTED_ROOT.match(_root_name(expression)))


# ----------------------------------------------------------------------------------------
# LLM005 untrusted text in system prompts
# ----------------------------------------------------------------------------------------

_SYSTEM_KEYWORDS = {"system", "instructions", "system_instruction", "system_prompt", "system_message"}


_ROLE_KEY = re.compile(r"""^[rbuRBU]*["']role["']$""")
_SYSTEM_ROLE = re.compile(r"""^[rbuRBU]*["'](system|developer)["']$""")


def _in_system_message(pair: ts.Node) -> bool:
    """Whether a ``"content": ...`` pair sits in a dict with ``"role": "system"``.

    Checked here rather than in the query: a pattern with two unanchored ``(pair)`` siblings is
    quadratic in the dict's size inside tree-sitter (a 3,600-entry dict in rich's emoji table
    never finished), while the single-pair pattern is linear.
    """
    parent = pair.parent
    if parent is None or parent.type != "dictionary":
        return False
    for sibling in parent.named_children:
        if sibling.type != "pair" or sibling.id == pair.id:
            continue
        key, value = sibling.child_by_field_name("key"), sibling.child_by_field_name("value")
        if key is not None and value is not None and _ROLE_KEY.match(text(key)) \
                and _SYSTEM_ROLE.match(text(value)):
            return True
    return False


def untrusted_system_prompt(match: Match) -> CheckResult | bool:
    node = match.node("finding")
    if node is None:
        return False
    pair = match.node("_pair")
    if pair is not None and not _in_system_message(pair):
        return False
    if match.node("_k") is not None and text(match.node("_k")) in ("system", "instructions") \
            and not imports_any(match, "openai", "anthropic", "agents", "litellm", "google", "mistralai",
                                "cohere", "groq", "pydantic_ai", "llama_index", "langchain",
                                "langchain_core", "langgraph", "crewai", "smolagents", "autogen"):
        return False
    for _, expression in interpolated(node):
        if _is_untrusted(expression):
            return CheckResult(message=f"`{text(expression)[:40]}` (user-controlled) is placed in the "
                                       "system prompt, where it carries the authority of your own "
                                       "instructions; pass it as a user message instead.")
    return False


# ----------------------------------------------------------------------------------------
# LLM006 secrets / personal data in prompts
# ----------------------------------------------------------------------------------------

_PII = re.compile(r"(?:^|_)(?:ssn|social_security(?:_number)?|credit_card(?:_number)?|card_number|"
                  r"cvv|cvc|iban|passport(?:_number)?|tax_id|national_id)(?:_|$)")


def _secret_expression(expression: ts.Node) -> bool:
    name = expression
    if name.type == "subscript":
        index = name.child_by_field_name("subscript")
        if index is not None and index.type == "string":
            words = split_name(literal_text(index) or "")
            return bool((LOG_SECRET_NAME.search(words) or _PII.search(words))
                        and not NON_SECRET_NAME.search(words))
    if name.type not in ("identifier", "attribute"):
        return False
    words = split_name(text(name))
    return bool((LOG_SECRET_NAME.search(words) or _PII.search(words)) and not NON_SECRET_NAME.search(words))


def _prompt_secret(match: Match) -> tuple[ts.Node, ts.Node] | None:
    node = match.node("finding")
    if node is None:
        return None
    for placeholder, expression in interpolated(node):
        if _secret_expression(expression):
            return placeholder, expression
    return None


def secret_in_prompt(match: Match) -> CheckResult | bool:
    found = _prompt_secret(match)
    if found is None:
        return False
    placeholder, expression = found
    return CheckResult(node=placeholder, message=f"`{text(expression)[:40]}` is sent to the model "
                       "provider inside a prompt; prompts are logged, cached and can be echoed back "
                       "by prompt injection. Keep secrets and personal data out of prompts.")


def secret_in_prompt_fix(match: Match) -> list[Edit] | None:
    found = _prompt_secret(match)
    if found is None:
        return None
    placeholder, _ = found
    if placeholder.type == "interpolation":
        return [replace(placeholder, "[REDACTED]")]
    return [replace(placeholder, '"[REDACTED]"')]


# ----------------------------------------------------------------------------------------
# Shared: flipping dangerous flags (LLM007, LLM009, LLM012)
# ----------------------------------------------------------------------------------------

_FLIPS = {"true": "False", "false": "True"}
_STRING_FLIPS = {"never": "always", "bypasspermissions": "default"}


def flip_flag_fix(match: Match) -> list[Edit] | None:
    value = match.node("_val")
    if value is None:
        return None
    if value.type in _FLIPS:
        return [replace(value, _FLIPS[value.type])]
    if value.type == "string":
        flipped = _STRING_FLIPS.get((literal_text(value) or "").lower())
        if flipped is not None:
            quote = text(value)[-1]
            return [replace(value, f"{quote}{flipped}{quote}")]
    return None


# ----------------------------------------------------------------------------------------
# LLM008 Hugging Face downloads without a pinned commit
# ----------------------------------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{40}$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?$")
_REPO_KEYWORDS = ("pretrained_model_name_or_path", "repo_id", "path", "model_name_or_path",
                  "model_name", "model_id", "model")


def _repo_argument(match: Match) -> ts.Node | None:
    args = match.node("_args")
    qualified = match.qualify(match.node("_fn")) or ""
    for name in _REPO_KEYWORDS:
        value = keyword_value(args, name)
        if value is not None:
            return value
    values = positional(args)
    if qualified.endswith(".pipeline"):
        return values[1] if len(values) > 1 else None
    return values[0] if values else None


def unpinned_hub_download(match: Match) -> CheckResult | bool:
    repo = _repo_argument(match)
    repo_id = literal_text(repo) if repo is not None and repo.type == "string" else None
    if repo_id is None or not _HUB_ID.match(repo_id) or repo_id.startswith("."):
        return False  # local paths and computed names: cannot tell
    revision = keyword_value(match.node("_args"), "revision")
    if revision is None:
        return CheckResult(message=f"`{repo_id}` is downloaded from the Hugging Face Hub at whatever "
                                   "the default branch holds today; pin `revision=` to a commit hash.")
    pinned = literal_text(revision) if revision.type == "string" else None
    if pinned is None or _SHA.match(pinned) or pinned.startswith("<"):
        return False
    return CheckResult(message=f"`revision={pinned!r}` is a branch or tag and can be moved by "
                               "whoever controls the repository; pin a 40-character commit hash.")


def hub_revision_fix(match: Match) -> list[Edit] | None:
    args = match.node("_args")
    if args is None:
        return None
    existing = keyword(args, "revision")
    if existing is not None:
        value = existing.child_by_field_name("value")
        return [replace(value, '"<commit-sha>"')] if value is not None else None
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        return None
    return [Edit(named[-1].end_byte, named[-1].end_byte, ', revision="<commit-sha>"')]


# ----------------------------------------------------------------------------------------
# LLM010 unbounded completion calls
# ----------------------------------------------------------------------------------------


def _provider(match: Match) -> str:
    """Which pattern matched: each one captures a differently named helper node."""
    if match.node("_c") is not None or match.node("_responses") is not None:
        return "openai"
    if match.node("_messages") is not None:
        return "anthropic"
    if match.node("_gemini") is not None:
        return "gemini"
    if match.node("_bedrock") is not None:
        return "bedrock"
    return ""


def unbounded_completion(match: Match) -> CheckResult | bool:
    provider = _provider(match)
    if provider == "openai":
        return imports_any(match, "openai", "litellm")
    if provider == "anthropic":
        return imports_any(match, "anthropic")
    if provider == "gemini":
        return imports_any(match, "google", "vertexai")
    if provider == "bedrock":
        return imports_any(match, "boto3", "aioboto3", "aiobotocore")
    return False


def max_tokens_fix(match: Match) -> list[Edit] | None:
    args = match.node("_args")
    fn = match.node("_callee")
    if args is None or fn is None:
        return None
    provider = _provider(match)
    callee = text(fn)
    if provider == "openai":
        if callee.endswith("responses.create"):
            argument = "max_output_tokens=1024"
        elif callee.endswith("chat.completions.create"):
            argument = "max_completion_tokens=1024"
        else:
            argument = "max_tokens=1024"
    elif provider == "gemini":
        argument = ('config={"max_output_tokens": 1024}' if ".models." in callee
                    else 'generation_config={"max_output_tokens": 1024}')
    elif provider == "bedrock":
        argument = 'inferenceConfig={"maxTokens": 1024}'
    else:
        argument = "max_tokens=1024"
    named = [c for c in args.named_children if c.type != "comment"]
    if not named:
        opening = args.children[0]
        return [Edit(opening.end_byte, opening.end_byte, argument)]
    return [Edit(named[-1].end_byte, named[-1].end_byte, f", {argument}")]


# ----------------------------------------------------------------------------------------
# LLM012 agent auto-approval
# ----------------------------------------------------------------------------------------

_AGENT_MODULES = ("langchain", "langchain_core", "langgraph", "openai", "anthropic", "agents",
                  "claude_agent_sdk", "claude_code_sdk", "autogen", "autogen_agentchat", "crewai",
                  "smolagents", "llama_index", "pydantic_ai", "mcp", "google", "semantic_kernel",
                  "openhands", "aider", "camel", "letta")


def auto_approval(match: Match) -> bool:
    name = text(match.node("_k")).strip("\"'")
    value = match.node("_val")
    if value is None or not imports_prefixed(match, *_AGENT_MODULES):
        return False
    if name in ("auto_approve", "auto_approve_tools", "dangerously_skip_permissions",
                "skip_permissions", "yolo", "auto_confirm", "always_approve"):
        return value.type == "true"
    if name == "human_in_the_loop":
        return value.type == "false"
    if name == "require_approval":
        return (literal_text(value) or "").lower() == "never"
    if name == "permission_mode":
        return (literal_text(value) or "").lower() == "bypasspermissions"
    return False


# ----------------------------------------------------------------------------------------
# LLM013 hidden characters in string literals
# ----------------------------------------------------------------------------------------

_ALWAYS_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e\U000e0000-\U000e007f]")
_JOINERS = re.compile("[\u200c\u200d]")
_MARKS = re.compile("[\u200e\u200f]")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _hidden_positions(value: str) -> list[int]:
    """Indexes of characters that hide or reorder text in this literal.

    Zero-width (non-)joiners are legitimate inside emoji sequences and Indic/Persian words, and
    LRM/RLM marks inside right-to-left text, so those only count next to ASCII or in LTR text.
    """
    positions = [m.start() for m in _ALWAYS_HIDDEN.finditer(value)]
    for found in _JOINERS.finditer(value):
        i = found.start()
        before = value[i - 1] if i > 0 else ""
        after = value[i + 1] if i + 1 < len(value) else ""
        if (before.isascii() and after.isascii()) or not before or not after:
            positions.append(i)
    if not _RTL.search(value):
        positions.extend(m.start() for m in _MARKS.finditer(value))
    return sorted(positions)


def _literal(node: ts.Node) -> str:
    return text(node)


def hidden_characters(match: Match) -> CheckResult | bool:
    node = match.node("finding")
    if node is None:
        return False
    value = _literal(node)
    positions = _hidden_positions(value)
    if not positions:
        return False
    names = sorted({f"U+{ord(value[i]):04X}" for i in positions})
    return CheckResult(message=f"String literal contains {len(positions)} invisible or "
                               f"direction-changing character(s) ({', '.join(names[:4])}): text "
                               "that reads differently to people, reviewers and models.")


def strip_hidden_fix(match: Match) -> list[Edit] | None:
    node = match.node("finding")
    if node is None:
        return None
    value = _literal(node)
    positions = set(_hidden_positions(value))
    if not positions:
        return None
    cleaned = "".join(c for i, c in enumerate(value) if i not in positions)
    return [replace(node, cleaned)]
