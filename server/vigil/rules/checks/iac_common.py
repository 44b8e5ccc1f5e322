"""Judgements shared by the Dockerfile, Kubernetes, Compose and Terraform rules: is this a
secret-looking name, is this image reference pinned, is this value a literal."""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(
    r"(passw(or)?d|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|credential|auth[_-]?key|signing[_-]?key|encryption[_-]?key|dsn)",
    re.IGNORECASE,
)
#: Names that mention a secret but hold something else: where it is, not what it is.
_NOT_SECRET = re.compile(
    r"(_FILE|_PATH|_DIR|_URL|_URI|_ENDPOINT|_NAME|_ID|_TYPE|_LENGTH|_TTL|_EXPIRY|_HEADER|_REF|"
    r"_KEY_ID|_ENABLED|_MIN|_MAX)$|^(PUBLIC_KEY|GPG_KEY)$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][\w]*.*|\{\{.*\}\}|<[^>]*>|changeme|xxx+|\*+|\.\.\.|)$", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    name = name.strip().strip("\"'")
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET.search(name)


def is_literal_secret_value(value: str) -> bool:
    """A value that is really written into the file: not empty, not a ``$VAR`` / ``${VAR}``
    reference, not a template placeholder."""
    value = value.strip().strip("\"'").strip()
    return bool(value) and not _PLACEHOLDER.match(value) and value.lower() not in ("true", "false", "null", "~")


def image_problem(reference: str) -> str | None:
    """Why an image reference is not reproducible, or None when it is pinned.

    ``nginx`` and ``nginx:latest`` float; ``nginx:1.27`` is a tag (accepted: pinning to a
    digest is better but a versioned tag is what most teams can review); ``nginx@sha256:...``
    is pinned. References built from variables (``${IMAGE}``) cannot be judged.
    """
    ref = reference.strip().strip("\"'")
    if not ref or "$" in ref or "{{" in ref or ref == "scratch":
        return None
    if "@" in ref:
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag, so it means `:latest`"
    tag = last.split(":", 1)[1]
    if tag.lower() == "latest":
        return "uses the moving `:latest` tag"
    return None
