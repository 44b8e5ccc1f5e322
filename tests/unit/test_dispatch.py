"""Callee dispatch (``rules/dispatch.py``) must return what one undivided query returns."""

from __future__ import annotations

import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest
import tree_sitter as ts

from vigil.engine.languages import get_language
from vigil.engine.runner import Analysis, Analyzer
from vigil.rules.dispatch import keyed_names, split_items
from vigil.rules.loader import RuleSet
from vigil.rules.prefilter import segment_pattern

ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Real modules nobody here wrote, rich in the calls rules look at (subprocess, sqlite3,
#: pickle, tarfile, ssl, logging, urllib, ...), plus Vigil's own vulnerable corpus.
REAL = ["subprocess.py", "tarfile.py", "shutil.py", "ssl.py", "logging/__init__.py", "urllib/request.py",
        "http/server.py", "pickle.py", "sqlite3/__init__.py", "smtplib.py", "ftplib.py", "tempfile.py"]


def _sources() -> list[Path]:
    paths = [STDLIB / name for name in REAL if (STDLIB / name).exists()]
    paths += sorted((ROOT / "tests" / "corpus" / "python").rglob("*.py"))
    return paths


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_dispatch_equals_undivided_query(analyzer: Analyzer, path: Path, undivided: Callable[[bytes], Analysis]) -> None:
    code = path.read_bytes()
    fast = analyzer.analyze(code, "app.py")
    reference = undivided(code)
    assert [(f.rule_id, f.start, f.end, f.message, f.fix) for f in fast.findings] == \
        [(f.rule_id, f.start, f.end, f.message, f.fix) for f in reference.findings]


def test_rule_examples_through_dispatch(analyzer: Analyzer, ruleset: RuleSet, undivided: Callable[[bytes], Analysis]) -> None:
    """Every Python rule example, vulnerable and safe, gives the same findings both ways."""
    checked = 0
    for rule in ruleset.rules:
        if rule.language != "python":
            continue
        for example in rule.examples:
            code = example.code.encode()
            fast = analyzer.analyze(code, "app.py")
            reference = undivided(code)
            assert [(f.rule_id, f.start, f.message) for f in fast.findings] == \
                [(f.rule_id, f.start, f.message) for f in reference.findings], rule.id
            checked += 1
    assert checked > 300


def test_most_call_patterns_are_dispatched(ruleset: RuleSet) -> None:
    compiled = ruleset.compiled["python"]
    assert compiled.dispatch is not None
    keyed = sum(len(r.patterns) for r in compiled.dispatch.rules)
    assert keyed + compiled.query.pattern_count == len(compiled.all_pattern_rule)
    assert keyed >= 100


@pytest.mark.parametrize(("pattern", "names"), [
    (f'(call function: (_) @_fn (#match? @_fn "{segment_pattern(["load", "load_all"])}") '
     '(#qualified? @_fn "yaml.load")) @finding', "load|load_all"),
    ('(call function: (attribute attribute: (identifier) @_m) (#any-of? @_m "execute" "executemany")) @finding',
     "execute|executemany"),
    ('(call function: (attribute object: (attribute attribute: (identifier) @_c) attribute: (identifier) @_m)'
     ' (#eq? @_c "containers") (#eq? @_m "run")) @finding', "run"),
    ('(call function: (identifier) @_fn arguments: (argument_list) (#eq? @_fn "print")) @finding', "print"),
    ('((call function: (identifier) @_fn) @finding (#eq? @_fn "eval"))', "eval"),
])
def test_keyed_shapes(pattern: str, names: str) -> None:
    assert keyed_names(pattern) == names


@pytest.mark.parametrize("pattern", [
    # the name is the object's, not the callee's
    '(call function: (attribute object: (identifier) @_o) (#eq? @_o "os")) @finding',
    # no constraint on the callee
    '(call arguments: (argument_list (keyword_argument name: (identifier) @_k)) (#eq? @_k "host")) @finding',
    # a glob with no last segment
    '(call function: (_) @_fn (#qualified? @_fn "requests.*")) @finding',
    # not rooted at a call
    '(keyword_argument name: (identifier) @_k (#eq? @_k "verify")) @finding',
    # a regex, not a list of names
    '(call function: (attribute attribute: (identifier) @_m) (#match? @_m "^grant_")) @finding',
])
def test_unkeyed_shapes(pattern: str) -> None:
    assert keyed_names(pattern) is None


def test_split_items_counts_patterns_like_tree_sitter() -> None:
    query = '''
    ; a comment with (parens
    (call function: (_) @a (#eq? @a ")")) @finding
    [(string) (integer)] @x
    ((identifier) @y (#match? @y "^[(]"))
    "lambda" @kw
    '''
    items = split_items(query)
    language = get_language("python")
    assert len(items) == ts.Query(language, query).pattern_count == 4
    assert [ts.Query(language, item).pattern_count for item in items] == [1, 1, 1, 1]
    assert items[1].lstrip().startswith("[(string)") and items[3].lstrip().startswith('"lambda"')


def test_spaced_and_continued_callees_are_still_dispatched(analyzer: Analyzer,
                                                           undivided: Callable[[bytes], Analysis]) -> None:
    """The candidate-call regex accepts any non-name character before the name, so ``yaml .
    load`` and a callee split over lines reach the rule like ``yaml.load`` does."""
    code = (b"import yaml, subprocess\n"
            b"a = yaml . load(s)\n"
            b"b = (yaml.\n     load)(s)\n"
            b"c = yaml.load(s)\n")
    fast = analyzer.analyze(code, "app.py")
    reference = undivided(code)
    assert [(f.rule_id, f.start) for f in fast.findings] == [(f.rule_id, f.start) for f in reference.findings]
    assert [f.rule_id for f in fast.findings].count("DES002") >= 2
