"""The taint engine on pathologically nested code: 1,000-deep expressions and statements
analyse without ``RecursionError`` and still report what they should (``depth.py``,
``flat.py``); enclosing-function lookups stay O(1) at any depth (``scopes.py``); helper
modules are parsed once per analysis (``summaries.ModuleSession``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from vigil.engine import languages
from vigil.engine.languages import parse
from vigil.engine.names import collect_names
from vigil.engine.runner import Analyzer
from vigil.engine.taint import FileTaint, spec_for, tainted_by
from vigil.engine.taint.depth import units_available
from vigil.engine.taint.scopes import FunctionSpans
from vigil.rules.checks.taint import UNTRUSTED

N = 1000
T = TypeVar("T")


def indent(level: int) -> bytes:
    return b" " * level


#: name -> (source, [(rule id, line)] expected among the INJ findings)
EXPRESSIONS: dict[str, tuple[bytes, list[tuple[str, int]]]] = {
    "brackets": (b"eval(" + b"(" * N + b"input()" + b")" * N + b")\n", [("INJ004", 1)]),
    "binary_operators": (b"import os\nos.system(input()" + b" + 'a'" * N + b")\n", [("INJ002", 2)]),
    "calls": (b"import os\nos.system(" + b"str(" * N + b"input()" + b")" * N + b")\n", [("INJ002", 2)]),
    "calls_2000": (b"import os\nos.system(" + b"str(" * 2000 + b"input()" + b")" * 2000 + b")\n",
                   [("INJ002", 2)]),
    "lists": (b"eval(str(" + b"[" * N + b"input()" + b"]" * N + b"))\n", [("INJ004", 1)]),
    "dicts": (b"eval(str(" + b"{'a': " * N + b"input()" + b"}" * N + b"))\n", [("INJ004", 1)]),
    "subscripts": (b"import os\nos.system(input()" + b"[0]" * N + b")\n", [("INJ002", 2)]),
    "attributes": (b"import os\nos.system(input()" + b".b" * 5000 + b")\n", [("INJ002", 2)]),
    "fstrings": (b"import os\nos.system(f'" + b"{f'" * 200 + b"{input()}" + b"'}" * 200 + b"')\n",
                 [("INJ002", 2)]),
    "comprehensions": (b"import os\nos.system(str(" + b"[" * N + b"input()" + b" for a in b]" * N + b"))\n",
                       [("INJ002", 2)]),
    "comprehension_variable": (b"import os\nos.system(str(" + b"[" * N + b"a" + b" for a in input()]" * N
                               + b"))\n", [("INJ002", 2)]),
    "boolean_operators": (b"import os\nx = input()\nif " + b"x and " * N + b"x:\n    os.system(x)\n",
                          [("INJ002", 4)]),
    "chained_assignment": (b"import os\n" + b"a = " * N + b"input()\nos.system(a)\n", [("INJ002", 3)]),
    "nested_targets": (b"import os\n" + b"(" * N + b"a, b" + b")" * N + b" = input(), 1\nos.system(a)\n",
                       [("INJ002", 3)]),
    "long_target_path": (b"import os\nx = input()\nd = {}\nd" + b".b" * 2000 + b" = x\nos.system(d)\n",
                         [("INJ002", 5)]),
    # 1,000 nested lambdas are values, not evaluated until called: the file goes on.
    "lambdas": (b"import os\nf = " + b"lambda: " * N + b"1\nos.system(input())\n", [("INJ002", 3)]),
    # No nested syntax, but a value nesting 1,000 parts deep (``model.MAX_HEIGHT`` keeps it
    # at 16: reading a value recurses through its parts).
    "nested_values": (b"import os\nx = input()\n" + b"x = {'k': x}\n" * N + b"os.system(x)\n",
                      [("INJ002", N + 3)]),
    "call_chain": (b"import os\n" + b"".join(b"def f%d(a):\n    return f%d(a)\n" % (i, i + 1) for i in range(N))
                   + b"def f%d(a):\n    return a\n" % N + b"os.system(f0(input()))\n", [("INJ002", 2 * N + 4)]),
}

#: Statement nesting: the query engine does not look for sinks 256 levels deep
#: (``runner.MAX_START_DEPTH``), so these read a variable assigned deep inside at top level.
STATEMENTS: dict[str, bytes] = {
    "ifs": b"".join(indent(i) + b"if y:\n" for i in range(N)) + indent(N) + b"x = input()\n",
    "mixed_blocks": b"".join(indent(i) + [b"for a in b:\n", b"with c as d:\n", b"try:\n", b"while e:\n"][i % 4]
                             for i in range(N)) + indent(N) + b"x = input()\n",
    "deep_for_target": b"".join(indent(i) + b"if y:\n" for i in range(N)) + indent(N) + b"for x in input():\n"
                       + indent(N + 1) + b"pass\n",
}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    from vigil.rules.loader import load_rules

    return Analyzer(load_rules())


def injections(analyzer: Analyzer, source: bytes) -> list[tuple[str, int]]:
    analysis = analyzer.analyze(source, "deep.py")
    assert not analysis.result.failures, analysis.result.failures
    return sorted((f.rule_id, source.count(b"\n", 0, f.start) + 1) for f in analysis.findings
                  if f.rule_id.startswith("INJ"))


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_deep_expressions_keep_their_findings(analyzer: Analyzer, name: str) -> None:
    source, expected = EXPRESSIONS[name]
    assert injections(analyzer, source) == expected


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_deep_statements_keep_their_findings(analyzer: Analyzer, name: str) -> None:
    source = b"import os\n" + STATEMENTS[name] + b"os.system(x)\n"
    assert injections(analyzer, source) == [("INJ002", source.count(b"\n"))]


def _state(source: bytes) -> FileTaint:
    tree = parse(source)
    return FileTaint(tree, source, collect_names(tree), spec_for(), "deep.py")


def _argument(state: FileTaint, source: bytes, call: bytes) -> object:
    """The first argument of the last ``call(...)`` in the source."""
    start = source.rindex(call + b"(") + len(call) + 1
    end = source.index(b")", start)
    node = state.tree.root_node.descendant_for_byte_range(start, end)
    assert node is not None
    return node


@pytest.mark.parametrize("shape", ["ifs", "defs", "classes_and_defs"])
def test_engine_follows_sinks_nested_too_deep_for_queries(shape: str) -> None:
    """The engine itself answers for a sink 1,000 levels down (a rule with a shallower
    pattern, or a future query engine, may ask)."""
    if shape == "ifs":
        body = b"x = input()\n" + b"".join(indent(i) + b"if x:\n" for i in range(N)) + indent(N) + b"eval(x)\n"
    elif shape == "defs":
        body = b"x = input()\n" + b"".join(indent(i) + b"def f():\n" for i in range(N)) + indent(N) + b"eval(x)\n"
    else:
        body = b"x = input()\n" + b"".join(indent(i) + (b"def f():\n" if i % 2 else b"class C:\n")
                                           for i in range(N)) + indent(N) + b"eval(x)\n"
    state = _state(body)
    paths = tainted_by(state, _argument(state, body, b"eval"), "code", UNTRUSTED)
    assert [p.label for p in paths] == ["user"]


def test_flat_mode_does_not_honour_sanitizers_inside_the_deep_part(analyzer: Analyzer) -> None:
    """The documented direction: past the limit, taint flows through sanitizers (a miss costs
    more than a false alarm in code nobody writes by hand). Shallow, the same call is clean."""
    shallow = b"import os, shlex\nos.system(" + b"(" * 3 + b"shlex.quote(input())" + b")" * 3 + b")\n"
    deep = b"import os, shlex\nos.system(" + b"(" * N + b"shlex.quote(input())" + b")" * N + b")\n"
    assert injections(analyzer, shallow) == []
    assert injections(analyzer, deep) == [("INJ002", 2)]


def _called_deeper(frames: int, func: Callable[[], T]) -> T:
    return func() if frames <= 0 else _called_deeper(frames - 1, func)


def _stack_depth() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        frame, count = frame.f_back, count + 1  # type: ignore[assignment]
    return count


def test_limit_follows_the_stack_left(analyzer: Analyzer) -> None:
    """Called with little stack left (the recursion limit itself is process-wide, so it is
    the caller that goes deeper), fewer levels are followed precisely, and nothing breaks."""
    source, expected = EXPRESSIONS["calls"]
    roomy = units_available()
    assert _called_deeper(300, units_available) < roomy
    frames_left = sys.getrecursionlimit() - _stack_depth()
    assert _called_deeper(frames_left - 350, lambda: injections(analyzer, source)) == expected


def test_stack_exhaustion_falls_back_to_the_flat_walk(analyzer: Analyzer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Last resort (``FileTaint._run``): should the precise walk still exhaust the stack, the
    function is analysed again flatly instead of the rule failing and the file losing its
    taint findings."""
    from vigil.engine.taint.flow import FunctionFlow

    def exhausted(self: FunctionFlow, statements: object, env: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(FunctionFlow, "exec_block", exhausted)
    source = b"import os\nimport shlex\nx = input()\nos.system(x)\ndef f(a):\n    eval(a)\nf(x)\n"
    assert injections(analyzer, source) == [("INJ002", 4), ("INJ004", 6)]


# -- enclosing function -----------------------------------------------------------------------
def test_enclosing_function_is_constant_work_at_any_depth() -> None:
    """200 nested functions, 300 nested ifs, then 2,000 nested calls (a tree ~5,000 levels deep;
    tree-sitter's indentation stack stops at ~500 blocks), a call at every level: each lookup
    is one bisection plus at most one step outwards (the parent walk took ~depth^2 / 2 steps,
    each ``Node.parent`` itself walking down from the root)."""
    functions, ifs, calls_deep = 200, 300, 2000
    source = b"".join(indent(i) + b"def f%d():\n" % i + indent(i + 1) + b"g()\n" for i in range(functions))
    source += b"".join(indent(functions + i) + b"if x:\n" + indent(functions + i + 1) + b"g()\n"
                       for i in range(ifs))
    source += indent(functions + ifs) + b"x = " + b"g(" * calls_deep + b")" * calls_deep + b"\n"
    state = _state(source)
    assert not state.tree.root_node.has_error
    assert len(state.functions) == functions + 1
    spans = state._spans
    before = spans.steps
    calls = [n for n in _walk(state.tree.root_node) if n.type == "call"]
    assert len(calls) == functions + ifs + calls_deep
    for call in calls:
        line = source.count(b"\n", 0, call.start_byte)
        expected = f"f{min(line // 2, functions - 1)}"
        assert state.enclosing_function(call).name == expected
    assert spans.steps - before <= 2 * len(calls)


def _walk(root: object) -> list:
    out, pending = [], [root]
    while pending:
        node = pending.pop()
        out.append(node)
        pending.extend(node.children)  # type: ignore[attr-defined]
    return out


def test_function_spans_match_the_parent_walk() -> None:
    source = b"""
@deco(lambda: 1)
def a(x=f()):
    def b():
        return [c for c in d]
    class K:
        def m(self):
            async def n():
                await q()
            return n
    return b

def e(): pass
"""
    state = _state(source)
    for node in _walk(state.tree.root_node):
        expected = node.parent
        while expected is not None and expected.type != "function_definition":
            expected = expected.parent
        got = state.enclosing_function(node)
        if expected is None:
            assert got is state.module, node
        else:
            assert got.node.start_byte == expected.start_byte, node


def test_function_spans_index() -> None:
    source = b"def a():\n    def b():\n        pass\n    x = 1\ndef c():\n    pass\n"
    tree = parse(source)
    definitions = [n for n in _walk(tree.root_node) if n.type == "function_definition"]
    spans = FunctionSpans(definitions)
    inner = source.index(b"pass")
    assert spans.innermost(inner, inner + 4) == source.index(b"def b")
    x = source.index(b"x = 1")
    assert spans.innermost(x, x + 5) == 0
    assert spans.innermost(0, source.index(b"def c") - 1) is None  # ``a`` itself
    assert spans.innermost(source.index(b"def c"), len(source)) is None


# -- helper modules ---------------------------------------------------------------------------
def test_helper_modules_are_parsed_once_per_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     analyzer: Analyzer) -> None:
    """Neighbour modules that use each other (as in the standard library's folder) are read
    once per analysis, however many paths lead to them."""
    (tmp_path / "helpers.py").write_text(
        "import util\n" + "".join(f"def h{i}(x):\n    return util.u{i % 3}(x)\n" for i in range(30)))
    (tmp_path / "util.py").write_text(
        "import helpers\n" + "".join(f"def u{i}(x):\n    return helpers.h{i}(x)\n" for i in range(3)))
    app = tmp_path / "app.py"
    source = "import os\nimport helpers\nimport util\n" + "".join(
        f"def view{i}():\n    os.system(helpers.h{i}(input()))\n    util.u{i % 3}(1)\n" for i in range(30))
    app.write_text(source)
    parsed: list[int] = []
    real_parse = languages.parse

    def counting_parse(text: bytes, *args: object, **kwargs: object) -> object:
        parsed.append(len(text))
        return real_parse(text, *args, **kwargs)

    from vigil.engine.taint import summaries

    monkeypatch.setattr(summaries, "parse", counting_parse)
    monkeypatch.setattr(summaries, "_MODULES", type(summaries._MODULES)())
    analysis = analyzer.analyze(source.encode(), str(app))
    assert not analysis.result.failures
    assert sorted(parsed) == sorted([(tmp_path / "helpers.py").stat().st_size, (tmp_path / "util.py").stat().st_size])
    lines = sorted(source.encode().count(b"\n", 0, f.start) + 1 for f in analysis.findings if f.rule_id == "INJ002")
    assert lines == [5 + 3 * i for i in range(30)]
