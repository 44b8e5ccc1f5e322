"""The ``#match?`` prefilter in front of ``#qualified?`` must never lose a finding."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from vigil.engine.languages import parse
from vigil.engine.regions import name_regions
from vigil.engine.runner import Analysis, Analyzer
from vigil.rules.prefilter import add_prefilters, hidden_aliases, last_segments, segment_pattern


def test_prefilter_inserted_before_qualified() -> None:
    query = '(call function: (_) @fn (#qualified? @fn "yaml.load" "yaml.unsafe_*")) @finding'
    filtered, segments = add_prefilters(query)
    assert segments == {"load", "unsafe_*"}
    assert filtered.index("#match?") < filtered.index("#qualified?")
    assert re.search(segment_pattern(segments), "y.unsafe_load_all")
    assert not re.search(segment_pattern(segments), "yaml.loads")


def test_unconstrained_patterns_get_no_prefilter() -> None:
    assert last_segments(["subprocess.*"]) is None
    query = '(call function: (_) @fn (#qualified? @fn "subprocess.*")) @finding'
    assert add_prefilters(query) == (query, set())


def test_renamed_import_is_still_found(analyzer: Analyzer) -> None:
    code = b"from yaml import load as parse_config\nparse_config(stream)\n"
    analysis = analyzer.analyze(code)
    assert [f.rule_id for f in analysis.findings] == ["DES002"]
    segments = analyzer.ruleset.compiled["python"].segments
    assert hidden_aliases({"parse_config": {"yaml.load"}}, segments) == ["parse_config"]
    assert hidden_aliases({"helpers": {"mypkg.helpers"}, "_os": {"os"}}, segments) == []


def test_alias_regions_are_the_statements_that_use_the_alias() -> None:
    code = (b"from yaml import load as L\n"
            b"def f(s):\n    x = 1\n    return L(s)\n"
            b"y = 2\n"
            b"if y:\n    z = [L,\n         3]\n"
            b"LL = 3  # 'L' in a comment only adds a region\n")
    tree = parse(code)
    regions = [code[a:b].decode() for a, b in name_regions(tree, code, ["L"], (0, len(code)))]
    assert regions == ["from yaml import load as L", "    return L(s)", "    z = [L,\n         3]",
                       "LL = 3  # 'L' in a comment only adds a region"]


ALIASED = """\
import subprocess
from yaml import load as read_yaml, full_load
from pickle import loads as unpickle
from os import system as sh
import hashlib as h
run = subprocess.run

def handler(request):
    data = request.args["q"]
    cfg = read_yaml(data)
    sh("ls " + data)
    obj = unpickle(request.data)
    return h.md5(data.encode()).hexdigest()

def other(path):
    with open(path) as stream:
        return full_load(stream), read_yaml(stream)
"""


@pytest.mark.parametrize("padding", [0, 400])
def test_aliases_find_what_the_unfiltered_query_finds(analyzer: Analyzer, padding: int,
                                                      undivided: Callable[[bytes], Analysis]) -> None:
    """The prefiltered query plus the alias pass must equal the unfiltered query everywhere,
    in a small file and in one where the aliases are a few statements among hundreds."""
    filler = "".join(f"def helper_{i}(value):\n    return str(value).split(',')[0]\n\n" for i in range(padding))
    code = (ALIASED + filler + ALIASED.split("\n\n", 1)[1]).encode()
    fast = analyzer.analyze(code, "app.py")
    reference = undivided(code)
    assert [(f.rule_id, f.start) for f in fast.findings] == [(f.rule_id, f.start) for f in reference.findings]
    assert {"DES002", "INJ002", "DES001"} <= {f.rule_id for f in fast.findings}
