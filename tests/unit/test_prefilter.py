"""The ``#match?`` prefilter in front of ``#qualified?`` must never lose a finding."""

from __future__ import annotations

import re

from vigil.engine.runner import Analyzer
from vigil.rules.prefilter import add_prefilters, last_segments, needs_unfiltered, segment_pattern


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


def test_renamed_import_switches_to_unfiltered_query(analyzer: Analyzer) -> None:
    code = b"from yaml import load as parse_config\nparse_config(stream)\n"
    analysis = analyzer.analyze(code)
    assert [f.rule_id for f in analysis.findings] == ["DES002"]
    segments = analyzer.ruleset.compiled["python"].segments
    assert needs_unfiltered({"yaml.load"}, segments)
    assert not needs_unfiltered({"mypkg.helpers"}, segments)
