"""Incremental analysis equals a fresh full analysis, whatever the edits.

The hypothesis test drives the real document store (LSP ranges in UTF-16 units -> bytes ->
``Tree.edit`` -> incremental re-parse -> ``IncrementalAnalyzer.update``) through random edit
sequences: insertions, deletions, pastes of whole statements, multi-change events, CRLF and
lone CR line breaks, emoji, CJK, form feeds, suppression comments, import changes and broken
syntax. After every event the findings must equal ``Analyzer.analyze`` of the final text.
"""

from __future__ import annotations

import os

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec
from vigil.documents.store import DocumentStore
from vigil.engine.incremental import ByteEdit, IncrementalAnalyzer, map_span, raw_ranges
from vigil.engine.languages import parse
from vigil.engine.runner import Analyzer
from vigil.rules.loader import load_rules

DATA = Path(__file__).parent / "data"

SNIPPETS = [
    "import yaml\n", "import yaml as y\n", "from yaml import load, FullLoader\n", "import os\n",
    "yaml.load(s)\n", "y.unsafe_load(b)\n", "x = load(f, Loader=FullLoader)\n",
    "data = yaml.load(\n    s,\n)\n", "def f(a):\n    return yaml.load(a)\n",
    "def g():\n    v = y.full_load(q)\n    return v\n", "class C:\n    load = 1\n", "yaml = None\n",
    "if x:\n    z = yaml.full_load(q)\n", "    ", "\n", "\r\n", "\r", "\x0c", "\t",
    "  # vigil: ignore[DES002]", "  # vigil: ignore", "# vigil: ignore-file[DES002]\n", "  # nosec",
    "😀", "中文", '"', "'''", "(", ")", ":", "yaml", "load", "safe_", "Loader=yaml.SafeLoader",
    '"""doc"""\n', "x", ".", ",", "from yaml import load as L\n", "L(s)\n", "L = yaml.full_load\n", " as L",
]

BASE = (
    '"""Module docstring."""\n'
    "import yaml\n"
    "from yaml import load, FullLoader\n"
    "\n"
    "def read(stream):\n"
    "    return yaml.load(stream)\n"
    "\n"
    "config = load(open('a.yml'), Loader=FullLoader)  # 😀 中文\n"
    "\x0c\n"
    "class Box:\n"
    "    def parse(self, s):\n"
    "        return yaml.unsafe_load(s)\n"
)

FUNCTIONS = (
    "import yaml\n"
    "\n"
    "def one(s):\n"
    "    a = yaml.load(s)\n"
    "    b = yaml.safe_load(s)  # fine\n"
    "    return a, b\n"
    "\n"
    "def two(s):\n"
    "    if s:\n"
    "        return yaml.full_load(\n"
    "            s,\n"
    "        )\n"
    "    return yaml.load(s, Loader=yaml.SafeLoader)\n"
    "\n"
    "class Three:\n"
    "    def m(self, s):\n"
    "        return yaml.unsafe_load(s)  # vigil: ignore[DES002]\n"
)


#: Renamed imports: the alias pass re-matches the statements using ``L``/``fl`` (runner.py).
ALIASES = (
    "from yaml import load as L\n"
    "import yaml\n"
    "fl = yaml.full_load\n"
    "\n"
    "class K:\n"
    "    def m(self, s):\n"
    "        x = 1\n"
    "        return L(s)\n"
    "\n"
    "def g(s):\n"
    "    return fl(s), L(s, Loader=yaml.SafeLoader)\n"
)


@pytest.fixture(scope="module")
def engine() -> IncrementalAnalyzer:
    rules = load_rules()
    return IncrementalAnalyzer(Analyzer(rules))


def _lsp_range(codec: PositionCodec, text: str, start_char: int, end_char: int) -> types.Range:
    """The client's view: a range in ``text`` (the document as the client has it right now)."""
    buf = text.encode("utf-8", "surrogatepass")
    lines = LineIndex.from_bytes(buf)
    start = len(text[:start_char].encode("utf-8", "surrogatepass"))
    end = len(text[:end_char].encode("utf-8", "surrogatepass"))
    return codec.range(buf, lines, start, end)


edit_strategy = st.tuples(
    st.floats(0, 1),  # where, as a fraction of the text
    st.integers(0, 12),  # how many characters to delete
    st.one_of(st.sampled_from(SNIPPETS), st.text(alphabet="ab(): \n\r#'\"😀", max_size=4),
              st.lists(st.sampled_from(SNIPPETS), max_size=3).map("".join)),
)
event_strategy = st.lists(edit_strategy, min_size=1, max_size=3)


# derandomize: CI explores the same 200 examples on every run; VIGIL_HYPOTHESIS_RANDOM=1 hunts
# for new counterexamples locally (1,000 random examples passed after the two fixes below).
# The @example cases are counterexamples random exploration found, kept as regressions.
@example(base=FUNCTIONS, events=[[(0.7265625, 5, "import yaml\n"), (0.046875, 0, "import yaml\n")],
                                 [(0.9375, 0, "    ")]], encoding="utf-16")  # suppression in an ERROR statement
@example(base=BASE.replace("\n", "\r"), events=[[(0.0, 0, "  # nosec"), (0.125, 1, "\x0c")],
                                               [(1.0, 0, "yaml.load(s)\n")]], encoding="utf-16")  # import fix newline
@example(base=BASE, events=[[(0.81640625, 1, "")], [(0.99609375, 0, "import yaml\n")]],
         encoding="utf-16")  # a finding's ERROR-node statement grows with an insertion at its end
@example(base=BASE, events=[[(0.0, 0, "yaml"), (0.5, 7, "")],
                            [(0.625, 10, ""), (0.8125, 0, "  # vigil: ignore[DES002]"), (0.0, 0, "import yaml\n")],
                            [(0.28125, 0, "import yaml\n")]],
         encoding="utf-16")  # "import yaml" typed into a from-import of a broken file
@settings(max_examples=200, deadline=None, derandomize=os.environ.get("VIGIL_HYPOTHESIS_RANDOM") != "1",
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(base=st.sampled_from([BASE, BASE.replace("\n", "\r\n"), BASE.replace("\n", "\r"), "", FUNCTIONS,
                                   FUNCTIONS.replace("\n", "\r\n"), ALIASES]),
       events=st.lists(event_strategy, min_size=1, max_size=8),
       encoding=st.sampled_from(["utf-16", "utf-8", "utf-32"]))
def test_incremental_equals_full(engine: IncrementalAnalyzer, base: str, events, encoding: str) -> None:  # type: ignore[no-untyped-def]
    codec = PositionCodec(encoding)
    store = DocumentStore()
    doc = store.open("file:///work/app/mod.py", 1, base, "python")
    store.analyse(doc, engine, None)
    shadow = base
    for version, event in enumerate(events, start=2):
        changes = []
        for where, length, new_text in event:
            start = int(where * len(shadow))
            end = min(len(shadow), start + length)
            if shadow[start - 1 : start] == "\r" and shadow[start : start + 1] == "\n":
                start -= 1  # clients never split a \r\n pair
            if shadow[end - 1 : end] == "\r" and shadow[end : end + 1] == "\n":
                end += 1
            changes.append(types.TextDocumentContentChangePartial(
                range=_lsp_range(codec, shadow, start, end), text=new_text))
            shadow = shadow[:start] + new_text + shadow[end:]
        result = store.apply_changes(doc, version, changes, codec)
        assert doc.text == shadow
        store.analyse(doc, engine, result)
        assert doc.analysis is not None and doc.tree is not None
        # 1. Region analysis == full analysis of the same (incrementally parsed) tree.
        same_tree = engine.analyzer.analyze(doc.source, doc.path, tree=doc.tree)
        assert doc.analysis.findings == same_tree.findings, (doc.analysis.mode, doc.text)
        if result.may_differ_from_fresh_parse():
            # tree-sitter's error recovery depends on history (see DocumentStore.reparse_fresh):
            # the server re-parses from scratch once typing pauses after an edit that involved
            # a tree with errors.
            store.reparse_fresh(doc)
            store.analyse(doc, engine, None)
        # 2. What is finally published == a fresh full analysis of the final text.
        fresh = engine.analyzer.analyze(doc.source, doc.path, tree=parse(doc.source))
        assert doc.analysis.findings == fresh.findings, (doc.analysis.mode, doc.text)


def _edit(store: DocumentStore, doc, version: int, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the first ``old`` with ``new`` through an LSP change, as a client would."""
    text = doc.text
    start = text.index(old)
    codec = PositionCodec("utf-16")
    change = types.TextDocumentContentChangePartial(
        range=_lsp_range(codec, text, start, start + len(old)), text=new)
    return store.apply_changes(doc, version, [change], codec)


def test_an_edit_inside_a_function_is_incremental(engine: IncrementalAnalyzer) -> None:
    store = DocumentStore()
    doc = store.open("file:///work/app/mod.py", 1, BASE, "python")
    store.analyse(doc, engine, None)
    before = [f.rule_id for f in doc.analysis.findings]  # type: ignore[union-attr]
    store.analyse(doc, engine, _edit(store, doc, 2, "yaml.load(stream)", "yaml.safe_load(stream)"))
    assert doc.analysis is not None and doc.analysis.mode == "incremental"
    assert len(doc.analysis.findings) == len(before) - 1
    # The regions re-analysed: the edited statement, and for flow-sensitive rules
    # (scope = "function") the enclosing function; never the file.
    statement, *function = doc.analysis.regions
    assert doc.source[statement[0]:statement[1]].strip() == b"return yaml.safe_load(stream)"
    for lo, hi in function:
        assert doc.source[lo:hi].strip() == b"def read(stream):\n    return yaml.safe_load(stream)"
    store.analyse(doc, engine, _edit(store, doc, 3, "yaml.safe_load(stream)", "yaml.load(stream)"))
    assert doc.analysis.mode == "incremental"
    assert [f.rule_id for f in doc.analysis.findings] == before


def test_editing_an_import_reanalyses_the_file(engine: IncrementalAnalyzer) -> None:
    store = DocumentStore()
    doc = store.open("file:///work/app/mod.py", 1, BASE, "python")
    store.analyse(doc, engine, None)
    store.analyse(doc, engine, _edit(store, doc, 2, "import yaml\n", "import yaml as yml\n"))
    assert doc.analysis is not None and doc.analysis.mode == "full"
    expected = engine.analyzer.analyze(doc.source, doc.path)
    assert doc.analysis.findings == expected.findings


def test_a_suppression_comment_typed_on_the_last_line_of_a_statement(engine: IncrementalAnalyzer) -> None:
    store = DocumentStore()
    code = "import yaml\n\ndef f(s):\n    data = yaml.load(\n        s,\n    )\n    return data\n"
    doc = store.open("file:///work/app/mod.py", 1, code, "python")
    store.analyse(doc, engine, None)
    assert [f.rule_id for f in doc.analysis.findings] == ["DES002"]  # type: ignore[union-attr]
    store.analyse(doc, engine, _edit(store, doc, 2, "    )\n", "    )  # vigil: ignore[DES002]\n"))
    assert doc.analysis is not None and doc.analysis.mode == "incremental"
    assert doc.analysis.findings == []


def test_raw_ranges_map_earlier_edits_through_later_ones() -> None:
    edits = [ByteEdit(10, 12, 15), ByteEdit(0, 0, 4), ByteEdit(30, 40, 30)]
    assert raw_ranges(edits, [(50, 55)]) == [(0, 4), (14, 19), (30, 30), (50, 55)]
    assert map_span(20, 25, [ByteEdit(0, 5, 0)]) == (15, 20)
    assert map_span(20, 25, [ByteEdit(22, 23, 30)]) is None
