"""Checks and fixes for the cryptography and randomness rules (CRY...).

Most of what makes these rules worth having is context: md5 for an ETag is fine, md5 for a
password is not; ``random.choice`` picking a retry jitter is fine, picking a password reset code is
not. The checks read that context from the syntax around the call (names the value flows into,
``usedforsecurity=False``, whether the module authenticates its ciphertext).
"""

from __future__ import annotations

import re

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import common

# --- CRY001: weak hash -----------------------------------------------------------------

#: Names that say "this hash is an identifier, not a security control" (catalog section 7).
NON_SECURITY = re.compile(
    r"(?i)(cache|etag|e_tag|fingerprint|dedup|checksum|crc|shard|bucket|partition|memo|"
    r"content_id|digest_key|hash_key|lookup|bloom|sticky|consistent|identifier|template_key)"
)
_WEAK_NAMES = {"md5": "sha256", "sha1": "sha256", "md4": "sha256", "sha": "sha256", "md5_sha1": "sha256",
               "MD5": "SHA256", "SHA1": "SHA256"}


def weak_hash_check(match: Match) -> bool:
    """Skip hashes whose result is used as a cache key, ETag, shard key and the like."""
    call = match.node("finding")
    if call is None:
        return False
    names = common.destination_names(call)
    function = common.enclosing_function(call)
    if function is not None and function.type == "function_definition":
        names.append(common.text(function.child_by_field_name("name")))
    return common.matches_any(NON_SECURITY, names) is None


def weak_hash_fix(match: Match) -> list[Edit] | None:
    """``hashlib.md5(x)`` -> ``hashlib.sha256(x)``; ``hashlib.new("sha1")`` -> ``"sha256"``;
    ``hashes.MD5()`` -> ``hashes.SHA256()``; ``from hashlib import md5`` -> ``hashlib.sha256``."""
    algorithm = match.node("_algo")
    if algorithm is not None:
        content = common.string_prefix_content(algorithm)
        if content is None:
            return None
        return [Edit(content.start_byte, content.end_byte, "sha256")]
    fn = match.node("_fn")
    qualified = match.qualify(fn)
    if fn is None or qualified is None:
        return None
    module, _, name = qualified.rpartition(".")
    replacement = _WEAK_NAMES.get(name)
    if replacement is None or module.startswith(("Crypto", "Cryptodome")):
        return None
    return match.replace_name(fn, f"{module}.{replacement}")


# --- CRY002: fast hash over a password ---------------------------------------------------

PASSWORD = re.compile(r"(?i)(passw|passwd|pwd|passphrase|pin_code)")


def _identifiers(node: ts.Node) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            out.append(common.text(current))
        elif current.type == "string":
            continue  # "password" inside a literal is data, not a password
        stack.extend(current.named_children)
    return out


def password_hash_check(match: Match) -> CheckResult | bool:
    """Fire when a password-named value is what gets hashed."""
    data = match.node("_data")
    if data is None:
        return False
    found = common.matches_any(PASSWORD, _identifiers(data))
    if found is None:
        return False
    return CheckResult(message=f"`{found}` is hashed with a fast hash (`{match.text('_fn')}`); "
                       "store passwords with a slow, salted KDF such as scrypt, argon2 or bcrypt.")


# --- CRY004: ECB, and CBC/CTR without a MAC ------------------------------------------------

_MAC_MODULES = ("hmac", "cryptography.hazmat.primitives.hmac", "Crypto.Hash.HMAC", "Cryptodome.Hash.HMAC",
                "cryptography.hazmat.primitives.poly1305", "nacl")


def _module_authenticates(match: Match) -> bool:
    for bindings in match.names.bindings.values():
        for binding in bindings:
            qualified = binding.qualified or ""
            if qualified.startswith(_MAC_MODULES) or qualified.endswith((".HMAC", ".hmac", ".Poly1305")):
                return True
    return "hmac" in match.names.imported_modules


def cipher_mode_check(match: Match) -> CheckResult | bool:
    mode = (match.qualify(match.node("_mode")) or "").rpartition(".")[2]
    if "ECB" in mode:
        return True
    if _module_authenticates(match):
        return False
    return CheckResult(
        message=f"`{match.text('_mode')}` encrypts without authenticating: an attacker can flip bits in the "
                "ciphertext unnoticed. Use an AEAD mode (GCM) or add an HMAC over IV and ciphertext.",
        drop_fix=True,
    )


def cipher_mode_fix(match: Match) -> list[Edit] | None:
    """``modes.ECB()`` -> ``modes.GCM(os.urandom(12))``; ``AES.MODE_ECB`` -> ``AES.MODE_GCM``."""
    node = match.node("_mode")
    qualified = match.qualify(node) or ""
    if node is None or "ECB" not in qualified.rpartition(".")[2]:
        return None
    if node.type == "attribute":
        attr = node.child_by_field_name("attribute")
        assert attr is not None
        if qualified.endswith("MODE_ECB"):
            return [Edit(attr.start_byte, attr.end_byte, "MODE_GCM")]
        call = node.parent
        if call is not None and call.type == "call":
            args = call.child_by_field_name("arguments")
            os_name, edits = match.reference("os.urandom")
            assert args is not None
            return [Edit(attr.start_byte, attr.end_byte, "GCM"),
                    Edit(args.start_byte, args.end_byte, f"({os_name}(12))"), *edits]
    return None


# --- CRY005: constant IV / nonce / salt ------------------------------------------------------


def literal_length(node: ts.Node) -> int | None:
    """Byte length of a plain bytes/str literal (escape sequences count once)."""
    if node.type != "string":
        return None
    length = 0
    for child in node.children:
        if child.type == "interpolation":
            return None
        if child.type == "string_content":
            escapes = [c for c in child.children if c.type == "escape_sequence"]
            raw = len(child.text or b"") - sum(len(c.text or b"") for c in escapes)
            length += raw + len(escapes)
    return length


def constant_iv_fix(match: Match) -> list[Edit] | None:
    """Replace the constant with ``os.urandom(n)``, keeping the literal's length (16 if unknown)."""
    node = match.node("_iv")
    if node is None:
        return None
    size = literal_length(node) or 16
    spelled, edits = match.reference("os.urandom")
    return [Edit(node.start_byte, node.end_byte, f"{spelled}({size})"), *edits]


# --- CRY007: random for secrets ----------------------------------------------------------------

SECRET_CONTEXT = re.compile(
    r"(?i)(token|passw|pwd|secret|nonce|otp|salt|session|api_?key|apikey|csrf|reset|verif|"
    r"activation|invite|magic_link|one_time|captcha|pin$|^pin|_pin_|auth_code|access_code|"
    r"^key$|_key$|^key_|private|credential|signing|challenge|confirm)"
)
#: Names that mention a key but are not secrets.
NOT_SECRET = re.compile(r"(?i)(sort_key|cache_key|partition_key|shard_key|dict_key|primary_key|key_?func|keys$)")


#: Methods that pick existing elements of a population rather than produce new values.
_SELECTORS = {"choice", "choices", "sample", "shuffle"}
#: A population that is itself a collection of secrets (``self.api_keys``, ``signing_keys``).
_SECRET_POPULATION = re.compile(r"(?i)(keys|tokens|secrets|credentials|passwords|certs|certificates)$")


def _selects_existing_secrets(match: Match, call: ts.Node) -> bool:
    """``random.choice(keys)`` picks which of several configured keys to use (load balancing,
    key rotation): the chosen key is as secret as before, nothing predictable is created. A
    password built from ``random.choice(alphabet)`` is different: the population is public."""
    method = (match.qualify(match.node("_fn")) or "").rpartition(".")[2]
    if method not in _SELECTORS:
        return False
    arguments = call.child_by_field_name("arguments")
    population = common.argument(arguments, 0, "population") or common.argument(arguments, 0, "seq")
    return _SECRET_POPULATION.search(common.last_name(population)) is not None


def insecure_random_check(match: Match) -> CheckResult | bool:
    call = match.node("finding")
    if call is None:
        return False
    if _selects_existing_secrets(match, call):
        return False
    names = [n for n in common.destination_names(call) if not NOT_SECRET.search(n)]
    found = common.matches_any(SECRET_CONTEXT, names)
    if found is None:
        return False
    return CheckResult(message=f"`{match.text('_fn')}` is predictable, and its result becomes `{found}`; "
                       "use the `secrets` module for security-sensitive values.")


def insecure_random_fix(match: Match) -> list[Edit] | None:
    """Swap to ``secrets``: ``choice`` -> ``secrets.choice``, ``getrandbits`` -> ``secrets.randbits``,
    ``randrange(n)`` -> ``secrets.randbelow(n)``, literal ``randint(a, b)`` -> ``a + secrets.randbelow(...)``;
    any other method -> ``secrets.SystemRandom().<method>`` (same signature, OS randomness)."""
    call = match.node("finding")
    fn = match.node("_fn")
    qualified = match.qualify(fn)
    if call is None or fn is None or qualified is None:
        return None
    method = qualified.rpartition(".")[2]
    args = call.child_by_field_name("arguments")
    positional = common.positional_args(args)
    plain = args is not None and len(positional) == len([c for c in args.named_children if c.type != "comment"])
    if method == "choice" and plain and len(positional) == 1:
        spelled, edits = match.reference("secrets.choice")
        return [Edit(fn.start_byte, fn.end_byte, spelled), *edits]
    if method == "getrandbits" and plain and len(positional) == 1:
        spelled, edits = match.reference("secrets.randbits")
        return [Edit(fn.start_byte, fn.end_byte, spelled), *edits]
    if method == "randrange" and plain and len(positional) == 1:
        spelled, edits = match.reference("secrets.randbelow")
        return [Edit(fn.start_byte, fn.end_byte, spelled), *edits]
    if method == "randint" and plain and len(positional) == 2:
        low, high = (common.integer_value(a) for a in positional)
        if low is not None and high is not None and high >= low:
            spelled, edits = match.reference("secrets.randbelow")
            text = f"{low} + {spelled}({high - low + 1})" if low else f"{spelled}({high + 1})"
            if call.parent is not None and call.parent.type in ("binary_operator", "unary_operator", "attribute"):
                text = f"({text})"
            return [Edit(call.start_byte, call.end_byte, text), *edits]
    spelled, edits = match.reference("secrets.SystemRandom")
    return [Edit(fn.start_byte, fn.end_byte, f"{spelled}().{method}"), *edits]


# --- CRY008: timing-unsafe comparison of secrets ----------------------------------------------

#: Bare names that are secrets on their own, and words that only are with a qualifier
#: (``auth_token`` but not a lexer's ``token``; ``hmac_key`` but not a ``mac`` address).
SECRET_VALUE = re.compile(
    r"(?i)^((.*[_-])?(signature|digest|hexdigest|hmac|api_?key|apikey|secret|otp|password_hash|pw_hash)"
    r"|.+[_-](token|mac|key|hash|sig))$"
)
#: ``*_key`` and ``*_hash`` names are secrets only with a qualifier that says so (``api_key``,
#: ``hmac_key``, ``pin_hash``, ``token_hash``); otherwise they are dictionary, cache and sort keys or
#: content hashes used as identifiers, which nobody guesses byte by byte.
SECRET_KEY_OR_HASH = re.compile(
    r"(?i)(^|_)(api|secret|signing|sign|hmac|mac|private|access|auth|session|encryption|encrypt|enc|master|"
    r"shared|license|client|webhook|app|jwt|crypto|aes|cipher|psk|root|admin|service|account|storage|sas|"
    r"bearer|password|passwd|pw|pin|token|otp|cookie|csrf|reset|verification|secret_access)_(key|hash)$"
)
#: Qualifiers that make a ``*_token``/``*_mac``/``*_sig`` name ordinary data: lexer, cache and
#: pagination tokens, MAC addresses, function signatures.
NOT_SECRET_VALUE = re.compile(
    r"(?i)(^|_)("
    r"(next|prev|previous|cur|current|last|first|start|end|eos|bos|pad|unk|sep|cls|mask|special|stop|page|"
    r"continuation|cancel|cancellation|sync|resume|open|close|cache|expected_kind|lexer|parser)_token"
    r"|(src|dst|source|dest|destination|hw|hardware|device|eth|ether|wifi|addr|iface|interface|host|local|"
    r"remote|bssid)_mac"
    r"|(func|fn|function|method|call|type|arg|args|param|params|overload|proto|cls|class)_sig"
    r")$"
)
#: Receivers whose ``digest()`` is a checksum of public data (an integrity check, not a MAC).
_CHECKSUM_RECEIVER = re.compile(r"(?i)(checksum|crc\d*|md5|sha\d*|etag|hasher)$")
#: Calls that build values that are not strings or bytes, so there is no byte-by-byte comparison.
_NON_STRING_CALLS = {"len", "type", "isinstance", "id", "tuple", "list", "set", "frozenset", "dict", "sorted",
                     "int", "float", "bool", "range", "enumerate", "zip"}
_LITERALS = {"string", "integer", "float", "none", "true", "false", "concatenated_string", "list", "tuple",
             "dictionary", "set"}


def _secret_name(side: ts.Node) -> str | None:
    """The secret-looking name of one side of a comparison, if it really names a secret."""
    name = common.last_name(side)
    if not name or name.isupper() or not SECRET_VALUE.search(name) or NOT_SECRET_VALUE.search(name):
        return None  # upper case: enum members and constants
    if re.search(r"(?i)[_-](key|hash)$", name) and not SECRET_KEY_OR_HASH.search(name):
        return None  # ``spec_key``, ``primary_result_key``, ``source_hash``: lookup keys, content hashes
    if name in ("digest", "hexdigest") and side.type == "call":
        function = side.child_by_field_name("function")
        receiver = function.child_by_field_name("object") if function is not None and function.type == "attribute" \
            else None
        if _CHECKSUM_RECEIVER.search(common.last_name(receiver)):
            return None  # ``self._checksum.digest() != expected``: verifying a download, not a MAC
    return name


def timing_compare_check(match: Match) -> CheckResult | bool:
    node = match.node("finding")
    left, right = match.node("_left"), match.node("_right")
    if node is None or left is None or right is None:
        return False
    operators = [c.type for c in node.children if not c.is_named]
    if operators not in (["=="], ["!="]):
        return False
    if left.type in _LITERALS or right.type in _LITERALS or match.is_constant(left) or match.is_constant(right):
        return False  # comparing with a literal/constant is a parser or magic-number check
    for side in (left, right):
        if side.type == "call" and common.last_name(side) in _NON_STRING_CALLS:
            return False  # ``tuple(params) != spec.signature`` compares containers, not secrets
    if common.last_name(left) == common.last_name(right):
        return False  # ``self.signature == other.signature``: an __eq__, not a secret check
    found = _secret_name(left) or _secret_name(right)
    if found is None:
        return False
    return CheckResult(message=f"`{found}` is compared with `{operators[0]}`, which stops at the first "
                       "differing byte and leaks how much matched; use `hmac.compare_digest()`.")


def timing_compare_fix(match: Match) -> list[Edit] | None:
    node = match.node("finding")
    if node is None:
        return None
    negate = any(c.type == "!=" for c in node.children)
    spelled, edits = match.reference("hmac.compare_digest")
    text = f"{'not ' if negate else ''}{spelled}({match.text('_left')}, {match.text('_right')})"
    parent = node.parent
    if negate and parent is not None and parent.type in ("binary_operator", "comparison_operator", "attribute"):
        text = f"({text})"
    return [Edit(node.start_byte, node.end_byte, text), *edits]


# --- CRY006: weak key sizes ------------------------------------------------------------------


def key_size_fix(match: Match) -> list[Edit] | None:
    """A too-small key size becomes 3072 bits; a weak curve becomes SECP256R1."""
    size = match.node("_size")
    if size is not None:
        return [Edit(size.start_byte, size.end_byte, "3072")]
    curve = match.node("_curve")
    qualified = match.qualify(curve)
    if curve is None or qualified is None:
        return None
    if curve.type == "attribute":
        attr = curve.child_by_field_name("attribute")
        assert attr is not None
        return [Edit(attr.start_byte, attr.end_byte, "SECP256R1")]
    spelled, edits = match.reference(qualified.rpartition(".")[0] + ".SECP256R1")
    return [Edit(curve.start_byte, curve.end_byte, spelled), *edits]
