"""Shared constants and helpers of the CLI tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    out: str
    err: str


Runner = Callable[..., Run]

YAML_BAD = textwrap.dedent(
    """\
    import yaml


    def read(stream):
        return yaml.load(stream)
    """
)
CLEAN = "def add(a, b):\n    return a + b\n"

#: A data-only rule with a *review* fix, so fix tests do not depend on bundled rules' fixes.
REVIEW_RULE = '''
id = "TST001"
title = "dangerous() is dangerous"
severity = "medium"
cwe = [20]
message = "`{_fn}` is dangerous"
query = """
(call function: (identifier) @_fn (#eq? @_fn "dangerous")) @finding
"""

[fix]
title = "Call careful() instead"
applicability = "review"
edits = [{ op = "replace", capture = "_fn", text = "careful" }]

[docs]
why = "dangerous() does dangerous things."
fix = "Use careful()."

[[examples]]
kind = "vulnerable"
code = "dangerous(1)\\n"
fixed = "careful(1)\\n"
lines = [1]

[[examples]]
kind = "safe"
code = "careful(1)\\n"
'''


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
