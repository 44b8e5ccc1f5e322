"""Decide whether a string literal is a real credential, and which kind.

Pure string logic (no tree-sitter) so it can be tested exhaustively on its own. The secret
rules (SEC001-SEC005, SEC007) all call :func:`classify` and keep only the findings whose
``rule`` is their own id, so one literal is reported by exactly one rule.

Why shapes first, names second: Bandit's B105-B107 flag any literal assigned to a
password-like name and drown cloud code in false alarms (``"NextToken"``, ``"Bearer"``,
``token_type="access"``; PyCQA/bandit#1350, #498, #842). A provider prefix with the right
length and alphabet (``AKIA`` + 16, ``ghp_`` + 36) is near-certain; a generic name is only
trusted when the value also looks random enough (length, character classes, entropy).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# Provider shapes. Each entry: (kind, rule id, default environment variable, regex).
# Regexes are anchored by \b-like look-arounds so a key inside a longer token still counts
# (connection strings, JSON blobs) but a random hex id does not.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    kind: str
    rule: str
    env: str
    regex: re.Pattern[str]
    label: str


def _shape(kind: str, rule: str, env: str, pattern: str, label: str) -> Shape:
    return Shape(kind, rule, env, re.compile(pattern), label)


_B = r"(?<![A-Za-z0-9_\-])"  # not preceded by a token character
_E = r"(?![A-Za-z0-9_\-])"  # not followed by one

SHAPES: tuple[Shape, ...] = (
    # --- SEC001: cloud credentials -------------------------------------------------------
    _shape("aws-access-key-id", "SEC001", "AWS_ACCESS_KEY_ID",
           _B + r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}" + _E, "AWS access key id"),
    _shape("google-api-key", "SEC001", "GOOGLE_API_KEY",
           _B + r"AIza[0-9A-Za-z_\-]{35}" + _E, "Google API key"),
    _shape("azure-storage-key", "SEC001", "AZURE_STORAGE_CONNECTION_STRING",
           r"(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{30,}={0,2}", "Azure storage/service-bus key"),
    _shape("azure-sas-token", "SEC001", "AZURE_SAS_TOKEN",
           r"[?&]sv=\d{4}-\d\d-\d\d&.*\bsig=[A-Za-z0-9%+/]{30,}", "Azure SAS token"),
    # --- SEC002: LLM / AI provider keys ---------------------------------------------------
    _shape("anthropic-api-key", "SEC002", "ANTHROPIC_API_KEY",
           _B + r"sk-ant-[A-Za-z0-9]{2,8}-[A-Za-z0-9_\-]{40,}" + _E, "Anthropic API key"),
    _shape("openai-api-key", "SEC002", "OPENAI_API_KEY",
           _B + r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}" + _E, "OpenAI API key"),
    _shape("openai-api-key", "SEC002", "OPENAI_API_KEY",
           _B + r"sk-(?!ant-)[A-Za-z0-9]{40,}" + _E, "OpenAI API key"),
    _shape("huggingface-token", "SEC002", "HF_TOKEN",
           _B + r"hf_[A-Za-z0-9]{30,}" + _E, "Hugging Face token"),
    _shape("groq-api-key", "SEC002", "GROQ_API_KEY",
           _B + r"gsk_[A-Za-z0-9]{40,}" + _E, "Groq API key"),
    _shape("replicate-token", "SEC002", "REPLICATE_API_TOKEN",
           _B + r"r8_[A-Za-z0-9]{30,}" + _E, "Replicate token"),
    _shape("perplexity-api-key", "SEC002", "PERPLEXITY_API_KEY",
           _B + r"pplx-[A-Za-z0-9]{40,}" + _E, "Perplexity API key"),
    # --- SEC003: SaaS tokens and private keys ---------------------------------------------
    _shape("github-token", "SEC003", "GITHUB_TOKEN",
           _B + r"gh[pousr]_[A-Za-z0-9]{36,}" + _E, "GitHub token"),
    _shape("github-token", "SEC003", "GITHUB_TOKEN",
           _B + r"github_pat_[A-Za-z0-9_]{40,}" + _E, "GitHub token"),
    _shape("gitlab-token", "SEC003", "GITLAB_TOKEN",
           _B + r"glpat-[A-Za-z0-9_\-]{20,}" + _E, "GitLab token"),
    _shape("slack-token", "SEC003", "SLACK_TOKEN",
           _B + r"xox[abposr]-[0-9]{6,}-[A-Za-z0-9\-]{8,}" + _E, "Slack token"),
    _shape("slack-webhook", "SEC003", "SLACK_WEBHOOK_URL",
           r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}",
           "Slack webhook URL"),
    _shape("stripe-live-key", "SEC003", "STRIPE_API_KEY",
           _B + r"(?:sk|rk)_live_[A-Za-z0-9]{20,}" + _E, "Stripe live key"),
    _shape("sendgrid-api-key", "SEC003", "SENDGRID_API_KEY",
           _B + r"SG\.[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{40,}" + _E, "SendGrid API key"),
    _shape("twilio-api-key", "SEC003", "TWILIO_API_KEY",
           _B + r"SK[0-9a-f]{32}" + _E, "Twilio API key"),
    _shape("npm-token", "SEC003", "NPM_TOKEN", _B + r"npm_[A-Za-z0-9]{36}" + _E, "npm token"),
    _shape("private-key", "SEC003", "PRIVATE_KEY",
           r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
           r"[\s\\n]*[A-Za-z0-9+/=\s\\n:,\-]{64,}", "private key"),
)

# --------------------------------------------------------------------------------------
# Placeholders: values people write in examples and templates, never real secrets.
# --------------------------------------------------------------------------------------

PLACEHOLDER_WORDS = frozenset({
    "", "changeme", "change-me", "change_me", "changeit", "replaceme", "replace-me", "replace_me",
    "password", "passwd", "secret", "token", "apikey", "api-key", "api_key", "key", "xxx",
    "todo", "fixme", "none", "null", "nil", "undefined", "example", "sample", "test", "dummy",
    "fake", "mock", "placeholder", "redacted", "hidden", "default", "empty", "notset",
    "not-set", "not_set", "your-api-key", "your_api_key", "yourapikey", "your-secret",
    "your_secret", "your-token", "your_token", "your-password", "your_password", "mypassword",
    "my-secret", "my_secret", "secretkey", "secret-key", "secret_key", "insecure", "unused",
    "bearer", "basic", "access", "refresh", "nexttoken", "id_token", "access_token",
    "refresh_token", "auth", "authorization", "x-api-key", "client_credentials", "pass",
    "pwd", "test123", "password123",
})

_PLACEHOLDER_RE = re.compile(
    r"""^(?:
        [x*.#?_\-]{3,}                      # xxxx, ****, ....
      | <[^<>]*>                            # <your-key>
      | \[[^\[\]]*\]                        # [API_KEY]
      | \{\{?[^{}]*\}?\}                    # {key} or {{ key }}
      | \$\{[^}]*\}  | \$[A-Z_][A-Z0-9_]*   # ${VAR}, $VAR
      | %\([^)]*\)s  | %s                   # %(password)s
      | (?:your|my|enter|insert|replace|put)[-_ ]?(?:own[-_ ]?)?(?:api|secret|token|key|pass|pwd|app|client|access|private|real|actual|db|database)\w*
      | [\w\-]*(?:example|placeholder|changeme|dummy|redacted|fake|sample)[\w\-]*
      | (?:sk|pk|rk)[-_](?:test|live)?[-_]?x+   # sk-xxxx, sk_test_xxx
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_REPEATED = re.compile(r"^(.)\1+$")


def is_placeholder(value: str) -> bool:
    """True for template values (``"changeme"``, ``"<your-key>"``, ``"${VAR}"``, ``"xxx"``…)."""
    stripped = value.strip()
    lowered = stripped.lower()
    if lowered in PLACEHOLDER_WORDS or _PLACEHOLDER_RE.match(stripped) or _REPEATED.match(stripped):
        return True
    # AWS documents AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.
    if "EXAMPLE" in stripped or "example" in lowered.split("/")[-1]:
        return True
    # A long run of a filler character inside a key-shaped value: "sk-xxxxxxxx…", "AKIA0000…".
    # (Not "/" or "A": real STS session tokens and DER-encoded keys contain such runs.)
    return bool(re.search(r"([xX*#.?_\-0])\1{7,}", stripped))


def shannon_entropy(value: str) -> float:
    """Bits per character; random base64 scores ~5-6, English words ~2.5-3.5."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _char_classes(value: str) -> int:
    return sum(
        bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

#: Framework signing secrets (SEC005), matched on the whole name.
FRAMEWORK_SECRET_NAME = re.compile(
    r"^(?:(?:django_|flask_|app_|session_|jwt_|jwt_signing_|signing_|cookie_|csrf_|"
    r"wtf_csrf_|security_password_)?secret(?:_key)?|jwt_(?:signing_)?key|signing_key|"
    r"session_secret|cookie_secret|security_password_salt)$",
    re.IGNORECASE,
)

#: AWS secret key / session token names (SEC001).
AWS_SECRET_NAME = re.compile(r"(?:^|_)(?:aws_)?(?:secret_access_key|session_token)$", re.IGNORECASE)
AWS_KEY_ID_NAME = re.compile(r"(?:^|_)access_key_id$", re.IGNORECASE)

#: Password-like names (SEC004, weaker value gate).
PASSWORD_NAME = re.compile(r"(?:^|_)(?:pass|passwd|password|passphrase|pwd|db_pass)(?:_|$)|password$",
                           re.IGNORECASE)
#: Key/token-like names (SEC004, strong value gate).
KEYISH_NAME = re.compile(
    r"(?:^|_)(?:secret|token|api_?key|apikey|access_?key|private_?key|client_secret|auth_?key|"
    r"credentials?|bearer|signing_key|encryption_key|master_key|webhook_secret)(?:_|$)",
    re.IGNORECASE,
)
#: Names that contain a secret word but hold metadata about the secret, not the secret.
NON_SECRET_NAME = re.compile(
    r"(?:_|^)(?:type|types|name|names|url|uri|urls|endpoint|path|file|filename|dir|env|var|"
    r"field|fields|header|headers|param|key_name|prefix|suffix|id|arn|label|len|length|"
    r"count|size|format|pattern|regex|re|policy|expiry|expires|expiration|ttl|timeout|"
    r"enabled|required|hash|hasher|algorithm|alg|kind|mode|scope|scopes|location|"
    r"placeholder|hint|prompt|message|msg|error|column|attr|attribute|class|method|arg|args|argument|"
    r"version|backend|store|provider|service|source|display|template|validator|end|start|begin|delimiter|sep)$"
    r"|^(?:next|continuation|page|pagination|csrf|xsrf|is|has|use|get|set|check|"
    r"validate|verify|min|max|num|token_?type|grant)(?:_|$)",
    re.IGNORECASE,
)


def split_name(name: str) -> str:
    """``apiKey`` / ``API-KEY`` / ``self.dbPassword`` -> ``api_key`` / ``api_key`` / ``db_password``."""
    name = name.strip("\"'").rsplit(".", 1)[-1]
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A credential found in a literal."""

    rule: str  # which SEC rule owns it
    kind: str  # e.g. "openai-api-key", "password"
    label: str  # human wording for the message
    env: str  # default environment variable for the fix
    start: int  # offset of the secret inside the literal's value
    end: int

    def redacted(self, value: str) -> str:
        """Safe to show: at most a 4-character prefix and the length, never the secret."""
        secret = value[self.start : self.end]
        prefix = secret[:4] if len(secret) >= 12 else ""
        return f"{prefix}…({len(secret)} chars)" if prefix else f"({len(secret)} chars)"


def find_shape(value: str) -> Secret | None:
    """The first provider-shaped credential inside ``value``, skipping placeholders."""
    for shape in SHAPES:
        for found in shape.regex.finditer(value):
            if shape.kind != "private-key" and is_placeholder(found.group(0)):
                continue
            if shape.kind in ("azure-storage-key", "private-key") and _looks_fake(found.group(0)):
                continue
            return Secret(shape.rule, shape.kind, shape.label, shape.env, found.start(), found.end())
    return None


def _looks_fake(text: str) -> bool:
    body = re.sub(r"-----[A-Z ]+-----|AccountKey=|SharedAccessKey=|\\n|\s", "", text)
    return shannon_entropy(body) < 3.5 or is_placeholder(body)


def looks_random(value: str, min_length: int = 16, min_entropy: float = 3.0) -> bool:
    """Whether a value could be a generated key or token rather than a word or identifier."""
    if len(value) < min_length or any(c.isspace() for c in value):
        return False
    if re.fullmatch(r"[A-Za-z]+(?:[_.\-][A-Za-z]+)*", value):
        return False  # words and identifiers: "refresh_token", "NextToken", "x-api-key"
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        return False  # an environment variable name
    if re.match(r"^(?:[a-z][a-z0-9+.\-]*:/|/|\./|~/|[A-Za-z]:\\)", value):
        return False  # URLs and paths
    return shannon_entropy(value) >= min_entropy and _char_classes(value) >= 2


def looks_like_password(value: str) -> bool:
    """A weaker gate for password-named values: humans pick short, low-entropy passwords."""
    if len(value) < 6 or any(c.isspace() for c in value) or len(value) > 200:
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", value) or re.fullmatch(r"[a-z]+(?:_[a-z]+)+", value):
        return False  # "DB_PASSWORD" (an env var name), "password_hash" (a field name)
    if re.match(r"^(?:[a-z][a-z0-9+.\-]*:/|/|\./|~/)", value):
        return False
    return _char_classes(value) >= 2 or len(value) >= 10


#: Setting names of cloud credentials, as they appear in config files and SDK code.
_CREDENTIAL_SETTING = re.compile(r"^(?:aws_)?(?:secret_access_key|secret_key|access_key_id|access_key|"
                                 r"session_token|security_token)$")


def names_a_credential(value: str) -> bool:
    """``SECRET_KEY = "aws_secret_access_key"`` / ``"AWSSecretKey"``: the value is the name of a
    setting (a config-file key, an environment variable), not the secret stored under it."""
    if not re.fullmatch(r"[A-Za-z]+(?:[_.\-][A-Za-z]+)*", value):
        return False
    words = split_name(re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", value))  # AWSSecretKey -> AWS_Secret_Key
    return bool(_CREDENTIAL_SETTING.match(words))


def classify_named(name: str, value: str) -> Secret | None:
    """Classify a literal by the name it is bound to (variable, keyword, dict key, parameter)."""
    if is_placeholder(value):
        return None
    shaped = find_shape(value)
    if shaped is not None:
        return shaped
    words = split_name(name)
    if not words:
        return None
    whole = (0, len(value))
    if AWS_SECRET_NAME.search(words):
        if looks_random(value, min_length=16, min_entropy=3.0):
            env = "AWS_SESSION_TOKEN" if words.endswith("session_token") else "AWS_SECRET_ACCESS_KEY"
            return Secret("SEC001", "aws-secret", "AWS secret", env, *whole)
        return None
    if AWS_KEY_ID_NAME.search(words):
        return None  # key ids without the AKIA shape are not credentials on their own
    if FRAMEWORK_SECRET_NAME.match(words):
        if len(value) >= 8 and not re.fullmatch(r"[A-Z][A-Z0-9_]*", value) and " " not in value.strip() \
                and not names_a_credential(value):
            return Secret("SEC005", "framework-secret", "signing secret", words.upper(), *whole)
        return None
    if NON_SECRET_NAME.search(words):
        return None
    if PASSWORD_NAME.search(words):
        if looks_like_password(value):
            return Secret("SEC004", "password", "password", words.upper(), *whole)
        return None
    if KEYISH_NAME.search(words) and looks_random(value):
        return Secret("SEC004", "generic-secret", "secret", words.upper(), *whole)
    return None


# --------------------------------------------------------------------------------------
# Credentials inside URLs / DSNs (SEC007)
# --------------------------------------------------------------------------------------

URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*)://(?P<user>[^\s:/@?#]*):(?P<password>[^\s/@?#]+)@"
    r"(?P<host>[^\s/:?#]+)"
)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "host.docker.internal"}

_SCHEME_ENV = {
    "postgres": "DATABASE_URL", "postgresql": "DATABASE_URL", "mysql": "DATABASE_URL",
    "mariadb": "DATABASE_URL", "mssql": "DATABASE_URL", "oracle": "DATABASE_URL",
    "redis": "REDIS_URL", "rediss": "REDIS_URL", "amqp": "BROKER_URL", "amqps": "BROKER_URL",
    "mongodb": "MONGODB_URI", "mongodb+srv": "MONGODB_URI",
}


def find_url_credentials(value: str) -> Secret | None:
    """``scheme://user:password@host`` with a real-looking password on a non-local host."""
    for found in URL_CREDENTIALS.finditer(value):
        password = found.group("password")
        host = found.group("host").lower()
        if host in _LOCAL_HOSTS or host.endswith((".local", ".example.com")) or host in ("example.com", "host", "hostname"):
            continue
        if is_placeholder(password) or password == found.group("user") or "{" in password:
            continue
        scheme = found.group("scheme").lower()
        base = scheme.split("+")[0]
        env = _SCHEME_ENV.get(scheme) or _SCHEME_ENV.get(base) or "SERVICE_URL"
        return Secret("SEC007", "url-credentials", "password in URL", env,
                      found.start("password"), found.end("password"))
    return None


def classify(name: str | None, value: str) -> Secret | None:
    """Everything a secret rule needs: shapes, URL credentials, then name-gated heuristics."""
    if is_placeholder(value):
        return None
    shaped = find_shape(value)
    if shaped is not None:
        return shaped
    in_url = find_url_credentials(value)
    if in_url is not None:
        return in_url
    return classify_named(name, value) if name else None
