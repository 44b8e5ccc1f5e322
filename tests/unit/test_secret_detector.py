"""The secret detector on its own, and end to end through the SEC rules.

The end-to-end tests matter because each SEC query pre-filters literals with its own cheap
regex: a provider shape the detector knows but the query's pre-filter misses would never be
reported.
"""

from __future__ import annotations

import random
import string

import pytest
from vigil.engine.runner import Analyzer
from vigil.rules.checks import secret_detector as d

_ALNUM = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = _ALNUM, seed: int = 7) -> str:
    rng = random.Random(seed + n)
    return "".join(rng.choice(alphabet) for _ in range(n))


PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + _random(64, string.ascii_letters + string.digits + "+/") + "\n"
    + _random(64, string.ascii_letters + string.digits + "+/", seed=3) + "\n"
    "-----END RSA PRIVATE KEY-----"
)

#: (kind, owning rule, sample value)
SAMPLES = [
    ("aws-access-key-id", "SEC001", "AKIA" + _random(16, string.ascii_uppercase + string.digits)),
    ("aws-access-key-id", "SEC001", "ASIA" + _random(16, string.ascii_uppercase + string.digits, seed=2)),
    ("google-api-key", "SEC001", "AIza" + _random(35)),
    ("azure-storage-key", "SEC001",
     "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + _random(44) + "==;"),
    ("azure-sas-token", "SEC001",
     "https://acme.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sig=" + _random(43) + "%3D"),
    ("anthropic-api-key", "SEC002", "sk-ant-api03-" + _random(90)),
    ("openai-api-key", "SEC002", "sk-proj-" + _random(56)),
    ("openai-api-key", "SEC002", "sk-" + _random(48)),
    ("huggingface-token", "SEC002", "hf_" + _random(34, string.ascii_letters)),
    ("groq-api-key", "SEC002", "gsk_" + _random(52)),
    ("replicate-token", "SEC002", "r8_" + _random(37)),
    ("perplexity-api-key", "SEC002", "pplx-" + _random(48)),
    ("github-token", "SEC003", "ghp_" + _random(36)),
    ("github-token", "SEC003", "github_pat_" + _random(22) + "_" + _random(59)),
    ("gitlab-token", "SEC003", "glpat-" + _random(20)),
    ("slack-token", "SEC003", "xoxb-2741963258-7410852963-" + _random(24)),
    ("slack-webhook", "SEC003", "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/" + _random(24)),
    ("stripe-live-key", "SEC003", "sk_live_" + _random(40)),
    ("sendgrid-api-key", "SEC003", "SG." + _random(22) + "." + _random(43)),
    ("twilio-api-key", "SEC003", "SK" + _random(32, "0123456789abcdef")),
    ("npm-token", "SEC003", "npm_" + _random(36)),
    ("private-key", "SEC003", PEM),
]


@pytest.mark.parametrize(("kind", "rule", "value"), SAMPLES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(SAMPLES)])
def test_provider_shapes_are_recognised(kind: str, rule: str, value: str) -> None:
    secret = d.classify(None, value)
    assert secret is not None
    assert (secret.kind, secret.rule) == (kind, rule)


@pytest.mark.parametrize(("kind", "rule", "value"), SAMPLES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(SAMPLES)])
def test_each_shape_reaches_its_rule_through_the_query(analyzer: Analyzer, kind: str, rule: str, value: str) -> None:
    source = f"VALUE = {value!r}\n".encode()
    found = [f for f in analyzer.analyze(source, path="app/config.py").findings if f.rule_id.startswith("SEC")]
    assert [f.rule_id for f in found] == [rule], kind


@pytest.mark.parametrize(("kind", "rule", "value"), SAMPLES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(SAMPLES)])
def test_messages_never_repeat_the_secret(analyzer: Analyzer, kind: str, rule: str, value: str) -> None:
    source = f"client = make(api_key={value!r})\n".encode()
    for finding in analyzer.analyze(source, path="app/config.py").findings:
        secret = d.classify("api_key", value)
        assert secret is not None
        body = value[secret.start : secret.end]
        assert body not in finding.message
        assert body[4:12] not in finding.message  # nothing beyond the 4-character prefix


@pytest.mark.parametrize("value", [
    "", "changeme", "<your-key>", "<YOUR_API_KEY>", "xxx", "xxxxxxxxxxxx", "${VAR}", "${DB_PASSWORD}",
    "$DB_PASSWORD", "your-api-key", "your_api_key_here", "{{ secret }}", "{password}", "%(password)s",
    "********", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sk-" + "x" * 48,
    "dummy-token", "replace-me", "REDACTED", "placeholder_value",
])
def test_placeholders_are_never_secrets(value: str) -> None:
    assert d.is_placeholder(value)
    for name in ("password", "api_key", "secret_key", "aws_secret_access_key", "token"):
        assert d.classify(name, value) is None


@pytest.mark.parametrize(("name", "value"), [
    ("token", "NextToken"), ("NextToken", "eyJhbGciOi"), ("auth_scheme", "Bearer"), ("token_type", "access"),
    ("grant_type", "client_credentials"), ("password_field", "password"), ("secret_name", "prod/db/creds"),
    ("token_url", "https://auth.example.com/oauth/token"), ("api_key_header", "X-Api-Key"),
    ("password_hash", "pbkdf2_sha256"), ("SECRET_KEY_ENV", "DJANGO_SECRET_KEY"), ("password", "DB_PASSWORD"),
    ("token", "refresh_token"), ("key", "a" * 32), ("secret", "hello world this is prose"),
    ("csrf_token", "csrfmiddlewaretoken"), ("access_key_id", "ABCDEFGHIJKLMNOP"),
])
def test_cloud_sdk_words_and_metadata_names_are_not_secrets(name: str, value: str) -> None:
    assert d.classify(name, value) is None


@pytest.mark.parametrize(("name", "value", "rule"), [
    ("password", "hunter22", "SEC004"),
    ("db_password", "Tr0ub4dor&3", "SEC004"),
    ("auth_token", "a8f5f167f44f4964e6c998dee827110c", "SEC004"),
    ("clientSecret", "Q2x8LmN4pR7sT1vW9yZ3", "SEC004"),
    ("SECRET_KEY", "django-insecure-q9x!k2@p7#v5m", "SEC005"),
    ("jwt_secret", "my-jwt-signing-key-2024", "SEC005"),
    ("aws_secret_access_key", "Zq8/Lm3nP0xR7vT2wY5aB9cD4eF6gH1jK3mN8pQ2", "SEC001"),
    ("AwsSessionToken", "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJGMEQCIF", "SEC001"),
])
def test_named_secrets_are_classified(name: str, value: str, rule: str) -> None:
    secret = d.classify(name, value)
    assert secret is not None and secret.rule == rule


def test_generic_names_need_random_values() -> None:
    assert d.classify("api_token", "production") is None
    assert d.classify("api_token", "abc123") is None  # too short to be a generated token
    assert d.classify("password", "abc12") is None  # below the length floor


def test_url_credentials() -> None:
    secret = d.classify(None, "postgresql://app:Xk92hdT7qP@db.prod.internal:5432/orders")
    assert secret is not None and secret.rule == "SEC007" and secret.env == "DATABASE_URL"
    value = "redis://:a1B2c3D4e5F6@cache.internal:6379/0"
    secret = d.classify(None, value)
    assert secret is not None and value[secret.start : secret.end] == "a1B2c3D4e5F6"
    assert secret.env == "REDIS_URL"
    for safe in (
        "postgresql://postgres:postgres@localhost/dev",  # local development
        "postgresql://user:password@host/db",  # template
        "postgresql://app:{password}@db/app",  # interpolated
        "redis://${USER}:${PASSWORD}@redis:6379",  # environment template
        "https://docs.example.com/a:b@c",
    ):
        assert d.classify(None, safe) is None, safe


def test_redaction_shows_at_most_a_prefix_and_the_length() -> None:
    value = "ghp_" + _random(36)
    secret = d.classify(None, value)
    assert secret is not None
    shown = secret.redacted(value)
    assert shown.startswith("ghp_") and "40 chars" in shown and value[4:] not in shown
    short = d.Secret("SEC004", "password", "password", "PASSWORD", 0, 8)
    assert short.redacted("hunter22") == "(8 chars)"


def test_entropy_orders_random_above_words() -> None:
    assert d.shannon_entropy("") == 0.0
    assert d.shannon_entropy("aaaa") == 0.0
    assert d.shannon_entropy(_random(40)) > 4.5 > d.shannon_entropy("passwordpassword")


def test_private_key_markers_without_a_body_are_ignored() -> None:
    assert d.classify(None, "-----BEGIN RSA PRIVATE KEY-----") is None
    assert d.classify(None, "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----") is None


def test_split_name() -> None:
    assert d.split_name("apiKey") == "api_key"
    assert d.split_name("self.dbPassword") == "db_password"
    assert d.split_name('"X-API-KEY"') == "x_api_key"
