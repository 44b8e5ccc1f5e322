"""Speed up ``#qualified?`` by putting a cheap built-in ``#match?`` in front of it.

tree-sitter evaluates a pattern's predicates in order and stops at the first that fails;
built-in text predicates run in C, a custom predicate costs a Python call that builds the
captures dict. Measured on a 9,900-line file with ~150 rules: 121k Python predicate calls and
5.3 s per full analysis without the prefilter.

``yaml.load`` can only be spelled ``<something>.load`` or ``load`` — unless it was imported
under another name (``from yaml import load as L``, ``L = yaml.load``). So every
``(#qualified? @x "yaml.load" ...)`` gets ``(#match? @x "(^|[^A-Za-z0-9_])(load)[^A-Za-z0-9_.(]*$")``
inserted before it: the name, after a dot or anything else that is not part of a name (``yaml .
load``), followed by nothing but blanks or closing parentheses (``(yaml.load)(s)``).
A file that renames such a name keeps the fast query; the runner additionally runs the
unfiltered query over the statements that use the alias (``hidden_aliases``), so aliases stay
correct without giving the whole file the slow query. (It used to: one ``from json import
loads as json_loads`` made a 50k-line file's analysis ~14x slower, measured with
bench/keystroke.py's document.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_QUALIFIED = re.compile(r'\(\s*#qualified\?\s+@(?P<cap>[\w.]+)(?P<args>(?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
#: The regex around the alternatives of last segments (no backslashes: it is written into
#: query strings as is).
SEGMENT_PREFIX = "(^|[^A-Za-z0-9_])("
SEGMENT_SUFFIX = ")[^A-Za-z0-9_.(]*$"
_SEGMENT_OK = re.compile(r"^[A-Za-z0-9_*?]+$")


def last_segments(patterns: Iterable[str]) -> list[str] | None:
    """Last dotted segments of glob patterns; ``None`` if any is unconstrained (``x.*``)."""
    out: list[str] = []
    for pattern in patterns:
        segment = pattern.rsplit(".", 1)[-1]
        if segment in ("", "*") or not _SEGMENT_OK.match(segment):
            return None
        out.append(segment)
    return out


def _segment_regex(segment: str) -> str:
    return "".join("[A-Za-z0-9_]*" if c == "*" else "[A-Za-z0-9_]" if c == "?" else c for c in segment)


def segment_pattern(segments: Iterable[str]) -> str:
    body = "|".join(sorted({_segment_regex(s) for s in segments}))
    return f"{SEGMENT_PREFIX}{body}{SEGMENT_SUFFIX}"


def add_prefilters(query: str) -> tuple[str, set[str]]:
    """The query with a ``#match?`` before each ``#qualified?``, and the segments it filters on."""
    segments: set[str] = set()

    def insert(match: re.Match[str]) -> str:
        patterns = _STRING.findall(match.group("args"))
        found = last_segments(patterns)
        if found is None:
            return match.group(0)
        segments.update(found)
        return f'(#match? @{match.group("cap")} "{segment_pattern(found)}") {match.group(0)}'

    return _QUALIFIED.sub(insert, query), segments


def hidden_aliases(aliases: Mapping[str, Iterable[str]], segments_regex: re.Pattern[str] | None) -> list[str]:
    """Local names whose uses the prefiltered query cannot see (``L`` after ``from yaml import
    load as L``): bound to a qualified name with a last segment some rule filters on."""
    if segments_regex is None:
        return []
    return sorted(local for local, targets in aliases.items()
                  if any(segments_regex.search(name) for name in targets))
