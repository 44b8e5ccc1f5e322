"""Run call-rooted patterns only on the calls whose callee they can match.

Most rules are ``(call function: (_) @fn ... (#qualified? @fn "yaml.load"))``. In one combined
query tree-sitter starts a match state for every such pattern at every call node and walks it
through the call's children before any ``#match?`` prefilter can reject it: on a 10k-line file
the 150 call-rooted patterns cost ~150 ms of a ~180 ms query (9 ms is the bare tree walk;
measured per root type with ``QueryCursor.matches``).

So the loader splits them off. A pattern is *keyed* when its root is a ``call`` node and the
prefilter's ``#match?`` (see ``prefilter.py``) tests a capture on that call's ``function:``
child: it can only match a call whose callee text ends in one of its segments. One small
query finds the calls whose callee ends in *any* keyed segment (the regex runs in C); for each,
the runner looks up the rules keyed on that segment and runs just their keyed patterns rooted
at that node (``set_max_start_depth(0)``). Every other pattern stays in the combined query.
The two together return exactly the matches of the combined query (order aside), which
``tests/unit/test_dispatch.py`` checks against the undivided query on real code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from vigil.rules.prefilter import SEGMENT_PREFIX, SEGMENT_SUFFIX


def segment_pattern_of(names: str) -> str:
    return f"{SEGMENT_PREFIX}{names}{SEGMENT_SUFFIX}"

_TOKEN = re.compile(r'\s+|;[^\n]*|"(?:[^"\\]|\\.)*"|[()\[\]]|@[\w.\-]+|[A-Za-z_][\w\-]*:(?!:)|[^\s()\[\]"]+')
#: The ``#match?`` that ``prefilter.add_prefilters`` inserts (``SEGMENT_PREFIX`` + names +
#: ``SEGMENT_SUFFIX``).
_PREFILTER = re.compile(r'\(\s*#match\?\s+@(?P<cap>[\w.\-]+)\s+"' + re.escape(SEGMENT_PREFIX)
                        + r'(?P<names>[^"]*)' + re.escape(SEGMENT_SUFFIX) + r'"\s*\)')
CALLS_QUERY = '(call function: (_) @fn (#match? @fn "{regex}")) @call'


def _tokens(text: str) -> list[tuple[str, int]]:
    """Tokens with their character offsets, comments and blanks dropped."""
    return [(m.group(), m.start()) for m in _TOKEN.finditer(text)
            if m.group().strip() and not m.group().startswith(";")]


@dataclass
class _Node:
    """Just enough of a parsed pattern: node type, children by field, captures."""

    kind: str
    fields: dict[str, list[_Node]] = field(default_factory=dict)
    captures: list[str] = field(default_factory=list)
    quantified: bool = False


class _Parser:
    def __init__(self, tokens: list[tuple[str, int]]) -> None:
        self.tokens = [t for t, _ in tokens]
        self.offsets = [o for _, o in tokens]
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def item(self) -> _Node | None:
        """One pattern element with its captures and quantifier; None for predicates/anchors."""
        token = self.take()
        node: _Node | None
        if token == "(":
            head = self.peek()
            if head is not None and head.startswith("#"):
                self._skip_to_close()
                return None
            if head in ("(", "["):  # a group of sibling patterns
                inner = [n for n in self._until(")") if n is not None]
                node = inner[0] if len(inner) == 1 else _Node("(group)")
            else:
                node = _Node(self.take())
                while self.peek() not in (")", None):
                    name = self.peek()
                    if name is not None and name.endswith(":"):
                        self.take()
                        child = self.item()
                        if child is not None:
                            node.fields.setdefault(name[:-1], []).append(child)
                    else:
                        self.item()
                self.take()
        elif token == "[":
            self._until("]")
            node = _Node("(alternation)")
        elif token in (".", "!") or token.startswith("!"):
            if token == "!":
                self.take()
            return None
        else:  # "_", a string literal, or an anonymous node
            node = _Node(token)
        while self.peek() is not None and (self.peek().startswith("@") or self.peek() in ("*", "+", "?")):
            suffix = self.take()
            if suffix.startswith("@"):
                node.captures.append(suffix[1:])
            else:
                node.quantified = True
        return node

    def _until(self, close: str) -> list[_Node | None]:
        items: list[_Node | None] = []
        while self.peek() not in (close, None):
            items.append(self.item())
        if self.peek() is not None:
            self.take()
        return items

    def _skip_to_close(self) -> None:
        depth = 1
        while depth and self.peek() is not None:
            token = self.take()
            depth += token == "("
            depth -= token == ")"


def split_items(query: str) -> list[str]:
    """The top-level patterns of a query, as text (tree-sitter counts one pattern per item).

    Raises ``ValueError`` on text this small parser cannot split; the caller then keeps the
    query undivided."""
    tokens = _tokens(query)
    parser = _Parser(tokens)
    starts: list[int] = []
    try:
        while parser.peek() is not None:
            starts.append(parser.offsets[parser.pos])
            parser.item()
    except IndexError:
        raise ValueError("unbalanced query") from None
    return [query[a:b] for a, b in zip(starts, [*starts[1:], len(query)], strict=True)]


_NAME_PREDICATE = re.compile(r'\(\s*#(?:eq|any-of)\?\s+@(?P<cap>[\w.\-]+)(?P<args>(?:\s+"[A-Za-z0-9_]+")+)\s*\)')
_STRING = re.compile(r'"([^"]*)"')


def keyed_names(pattern: str) -> str | None:
    """For a call-rooted pattern that can only match calls of certain names, a regex
    (alternatives, no anchors) the callee's last identifier must fully match; else None.

    Two shapes qualify: the prefilter's ``#match?`` on a capture of the ``function:`` child
    (``yaml.load``: ``load``), and ``#eq?``/``#any-of?`` with plain names on the callee when it
    is an ``identifier`` (``print``) or on the ``attribute:`` of an ``attribute`` callee
    (``cursor.execute``: ``execute``)."""
    try:
        root = _Parser(_tokens(pattern)).item()
    except IndexError:  # unbalanced text: leave it to the combined query
        return None
    if root is None or root.kind != "call" or root.quantified:
        return None
    callees = root.fields.get("function", [])
    prefiltered = {c for node in callees for c in node.captures}
    named = {c for node in callees if node.kind == "identifier" for c in node.captures}
    named |= {c for node in callees if node.kind == "attribute"
              for attr in node.fields.get("attribute", []) if attr.kind == "identifier" for c in attr.captures}
    for found in _PREFILTER.finditer(pattern):
        if found.group("cap") in prefiltered:
            return found.group("names")
    for found in _NAME_PREDICATE.finditer(pattern):
        if found.group("cap") in named:
            return "|".join(sorted(re.escape(n) for n in _STRING.findall(found.group("args"))))
    return None


@dataclass
class KeyedRule:
    """One rule's keyed patterns, compiled on their own."""

    rule_index: int
    query: ts.Query
    #: local pattern index -> pattern index in the combined (undivided) numbering
    patterns: list[int]
    #: one per pattern: the callee's last identifier must fully match it
    regexes: list[re.Pattern[str]]


@dataclass
class CallDispatch:
    calls: ts.Query
    rules: list[KeyedRule]
    _by_segment: dict[str, tuple[KeyedRule, ...]] = field(default_factory=dict)

    def rules_for(self, callee: bytes) -> tuple[KeyedRule, ...]:
        """Keyed rules that may match a call of ``callee`` (memoised by its last identifier)."""
        found = _LAST_NAME.search(callee)
        segment = found.group(1).decode("ascii") if found is not None else ""
        rules = self._by_segment.get(segment)
        if rules is None:
            rules = self._by_segment[segment] = tuple(
                r for r in self.rules if any(rx.fullmatch(segment) for rx in r.regexes))
        return rules


_LAST_NAME = re.compile(rb"([A-Za-z0-9_]+)[^A-Za-z0-9_.(]*$")


def build(language: ts.Language, keyed: dict[int, tuple[str, str]], pattern_rule: list[int]) -> CallDispatch | None:
    """``keyed``: pattern index (combined numbering) -> (pattern text, ``keyed_names``)."""
    if not keyed:
        return None
    by_rule: dict[int, list[int]] = {}
    for index in sorted(keyed):
        by_rule.setdefault(pattern_rule[index], []).append(index)
    rules: list[KeyedRule] = []
    for rule_index, indices in by_rule.items():
        query = ts.Query(language, "\n".join(keyed[i][0] for i in indices))
        if query.pattern_count != len(indices):
            raise ValueError(f"keyed patterns of rule {rule_index} did not split cleanly")
        rules.append(KeyedRule(rule_index, query, indices, [re.compile(keyed[i][1]) for i in indices]))
    # The callee's text ends in the name, after a dot or any other non-name character: an
    # ``obj . execute`` with blanks is still found (a superset; the rule's own query decides).
    union = "|".join(sorted({keyed[i][1] for i in keyed}))
    calls = ts.Query(language, CALLS_QUERY.format(regex=segment_pattern_of(union)))
    return CallDispatch(calls, rules)
