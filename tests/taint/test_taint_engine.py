"""Unit tests of the taint engine: constant evaluation, flow sensitivity, containers,
summaries, paths, memoisation, and user extension of the source/sanitizer spec."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vigil.engine.languages import parse
from vigil.engine.names import collect_names
from vigil.engine.runner import Analyzer
from vigil.engine.taint import consteval, file_taint, spec_for
from vigil.engine.taint.flow import FunctionFlow
from vigil.engine.taint.model import NOCONST, SpecError, load_spec
from vigil.rules.loader import load_rules


def run(analyzer: Analyzer, code: str, *rule_ids: str) -> list[tuple[str, int]]:
    source = textwrap.dedent(code).encode()
    analysis = analyzer.analyze(source, path="app/views.py")
    assert not analysis.result.failures, analysis.result.failures
    return [(f.rule_id, source.count(b"\n", 0, f.start) + 1) for f in analysis.findings
            if not rule_ids or f.rule_id in rule_ids]


def const(expr: str) -> object:
    tree = parse(f"x = {expr}\n".encode())
    value = tree.root_node.named_children[0].named_children[0].child_by_field_name("right")
    return consteval.evaluate(value, lambda _name: NOCONST)


# -- constant evaluation --------------------------------------------------------------------
@pytest.mark.parametrize(("expr", "expected"), [
    ("7 * 18 - 106 > 200", False),
    ("7 * 18 - 106 > 10", True),
    ('"a" == "b"', False),
    ('"ab" + "c"', "abc"),
    ('"\\n" in "a\\nb"', True),
    ("not (1 < 2 < 3)", False),
    ('len("abc") == 3', True),
    ("(1, 2)[0] if True else 3", 1),
    ("0x10 | 1", 17),
    ('"%s-%d" % ("a", 2)', "a-2"),
])
def test_consteval(expr: str, expected: object) -> None:
    assert const(expr) == expected


@pytest.mark.parametrize("expr", ["2 ** 100000", '"a" * 10**9', "unknown_name + 1", "f'{x}'"])
def test_consteval_refuses_unbounded_or_unknown(expr: str) -> None:
    assert const(expr) is NOCONST


# -- flow sensitivity ----------------------------------------------------------------------
def test_overwrite_with_constant_clears_taint(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def a():
        x = request.args["x"]
        x = "constant"
        os.system(x)

    def b():
        x = "constant"
        x = request.args["x"]
        os.system(x)
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 13)]


def test_constant_conditions_and_match_pick_branches(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    MODE = "prod"

    def view():
        cmd = request.args["cmd"]
        if 7 * 18 - 106 > 200:
            os.system(cmd)
        if "a" == "b":
            os.system(cmd)
        match MODE:
            case "dev":
                os.system(cmd)
            case "prod":
                os.system(cmd + " --safe")
        while False:
            os.system(cmd)
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 17)]


def test_code_after_return_or_abort_is_not_analysed(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import abort, request

    def view():
        cmd = request.args["cmd"]
        abort(400)
        os.system(cmd)
    """
    assert run(analyzer, code, "INJ002") == []


def test_guard_that_exits_protects_the_rest(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    ALLOWED = ("start", "stop")

    def view():
        action = request.args["a"]
        if action not in ALLOWED:
            return "no"
        os.system("service app " + action)

    def leaky():
        action = request.args["a"]
        if action not in ALLOWED:
            print("no")
        os.system("service app " + action)
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 17)]


# -- containers ------------------------------------------------------------------------------
def test_constant_keys_are_tracked_precisely(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def view():
        d = {"a": request.args["x"], "b": "ls"}
        os.system(d["b"])
        os.system(d["a"])
        t = (request.args["y"], "pwd")
        os.system(t[1])
        first, second = t
        os.system(second)
        os.system(first)
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 8), ("INJ002", 13)]


def test_computed_key_write_taints_the_container(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def view(key):
        d = {"b": "ls"}
        d[key] = request.args["x"]
        os.system(d["b"])
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 8)]


def test_mutating_methods_taint_the_receiver(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def view():
        parts = ["echo"]
        parts.append(request.args["x"])
        os.system(" ".join(parts))
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 8)]


# -- summaries -----------------------------------------------------------------------------
def test_helper_summaries_follow_parameters(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def shout(text):
        return text.upper() + "!"

    def constant(text):
        return "ls"

    def view():
        os.system(shout(request.args["x"]))
        os.system(constant(request.args["x"]))
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 12)]


def test_sink_in_helper_is_reported_with_callers_path(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def run_it(command):
        os.system(command)

    def view():
        cmd = request.args["cmd"]
        run_it(cmd)
    """
    source = textwrap.dedent(code).encode()
    findings = [f for f in analyzer.analyze(source, "app/views.py").findings if f.rule_id == "INJ002"]
    assert len(findings) == 1
    lines = [source.count(b"\n", 0, r.start) + 1 for r in findings[0].related]
    messages = [r.message for r in findings[0].related]
    assert lines == [9, 9, 10, 6]
    assert messages[0].startswith("source: `request.args")
    assert messages[-1] == "reaches the sink here"
    assert "passed to `run_it()`" in messages


def test_recursion_terminates(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def walk(path, depth):
        if depth > 3:
            return path
        return walk(path + "/x", depth + 1)

    def view():
        os.system("ls " + walk(request.args["p"], 0))
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 11)]


def test_class_fields_and_methods(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    class Job:
        def __init__(self, command, label):
            self.command = command
            self.label = label

        def start(self):
            os.system(self.command)

        def describe(self):
            os.system("echo " + self.label)

    def view():
        job = Job(request.args["cmd"], "nightly")
        job.start()
        job.describe()
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 11)]


def test_sanitizers_are_per_class(analyzer: Analyzer) -> None:
    code = """
    import os
    import shlex
    from flask import request

    def view(cursor):
        name = shlex.quote(request.args["n"])
        os.system("ls " + name)
        cursor.execute("SELECT * FROM t WHERE n = '" + name + "'")
    """
    assert run(analyzer, code, "INJ002", "INJ005") == [("INJ005", 9)]


def test_route_converters_and_lambda_events(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import Flask

    app = Flask(__name__)

    @app.route("/a/<int:n>/<name>")
    def a(n, name):
        os.system(f"echo {n}")
        os.system(f"echo {name}")

    def handler(event, context):
        os.system(event["cmd"])
    """
    assert run(analyzer, code, "INJ002", "CLD007") == [("INJ002", 10), ("CLD007", 13)]


def test_shell_false_lists_are_not_command_injection(analyzer: Analyzer) -> None:
    code = """
    import subprocess
    from flask import request

    def view():
        subprocess.run(["ls", request.args["d"]])
        subprocess.run("ls " + request.args["d"], shell=False)
        subprocess.run("ls " + request.args["d"], shell=True)
    """
    assert run(analyzer, code, "INJ001") == [("INJ001", 8)]


# -- memoisation -----------------------------------------------------------------------------
def test_each_function_is_analysed_once_per_tree(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = FunctionFlow.run

    def counting(self: FunctionFlow) -> FunctionFlow:
        calls.append(self.info.name)
        return original(self)

    monkeypatch.setattr(FunctionFlow, "run", counting)
    code = "import os\nfrom flask import request\n\ndef view():\n    x = request.args['x']\n" + \
        "".join(f"    os.system(x + '{i}')\n" for i in range(20))
    found = run(analyzer, code, "INJ002")
    assert len(found) == 20
    assert sorted(calls) == ["<module>", "view"]


def test_file_taint_is_shared_for_the_same_tree() -> None:
    source = b"import os\n"
    tree = parse(source)
    names = collect_names(tree)
    spec = spec_for()
    assert file_taint(tree, source, names, spec) is file_taint(tree, source, names, spec)
    other = parse(source)
    assert file_taint(other, source, names, spec) is not file_taint(tree, source, names, spec)


# -- specification ---------------------------------------------------------------------------
def test_user_rule_directory_extends_sources(tmp_path: Path) -> None:
    extra = tmp_path / "rules" / "python" / "_taint"
    extra.mkdir(parents=True)
    (extra / "inhouse.toml").write_text(
        '[[sources]]\nlabel = "remote"\ndescription = "in-house framework"\n'
        'calls = ["inhouse.web.param"]\n', encoding="utf-8")
    (tmp_path / "rules" / "python" / "_notes.toml").write_text("not a rule", encoding="utf-8")
    code = "import os\nfrom inhouse.web import param\n\ndef view():\n    os.system(param('cmd'))\n"
    plain = Analyzer(load_rules())
    assert run(plain, code, "INJ002") == []
    ruleset = load_rules(extra_directories=[tmp_path / "rules"])
    assert not ruleset.errors, ruleset.errors
    assert ruleset.data_dirs["python/_taint"][-1] == extra
    assert run(Analyzer(ruleset), code, "INJ002") == [("INJ002", 5)]


def test_environment_is_a_source_only_when_configured(tmp_path: Path) -> None:
    code = "import os\n\ndef main():\n    os.system(os.environ['CMD'])\n"
    assert run(Analyzer(load_rules()), code, "INJ002") == []
    extra = tmp_path / "rules" / "python" / "_taint"
    extra.mkdir(parents=True)
    (extra / "env.toml").write_text("[config]\nenviron = true\n", encoding="utf-8")
    assert run(Analyzer(load_rules(extra_directories=[tmp_path / "rules"])), code, "INJ002") == [("INJ002", 4)]


def test_bad_spec_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nlabel = "remote"\nnmaes = ["x"]\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"bad\.toml.*nmaes"):
        load_spec([bad])


def test_affected_spans_cover_callers_and_callees() -> None:
    source = textwrap.dedent("""
    import os

    def helper(x):
        return x

    def view(v):
        os.system(helper(v))

    def unrelated():
        return 1

    CONFIG = 3
    """).encode()
    tree = parse(source)
    state = file_taint(tree, source, collect_names(tree), spec_for())
    for info in list(state.functions.values()):
        state.flow(info)
    helper = source.index(b"return x")
    spans = state.affected_spans(helper, helper + 1)
    texts = [source[s:e].split(b"(")[0] for s, e in spans]
    assert texts == [b"def helper", b"def view"]
    module_edit = source.index(b"CONFIG")
    assert state.affected_spans(module_edit, module_edit + 1) == [(tree.root_node.start_byte, tree.root_node.end_byte)]


def test_helper_modules_of_the_package_are_summarised(analyzer: Analyzer, tmp_path: Path) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "helpers.py").write_text(textwrap.dedent("""
    import shlex
    from flask import request

    def user_dir():
        return request.args["dir"]

    def quoted(value):
        return shlex.quote(value)
    """), encoding="utf-8")
    source = textwrap.dedent("""
    import os
    from flask import request
    from .helpers import user_dir, quoted

    def a():
        os.system("ls " + user_dir())

    def b():
        os.system("ls " + quoted(request.args["x"]))
    """).encode()
    analysis = analyzer.analyze(source, path=str(package / "views.py"))
    found = [(f.rule_id, source.count(b"\n", 0, f.start) + 1) for f in analysis.findings if f.rule_id == "INJ002"]
    assert found == [("INJ002", 7)]


def test_star_args_and_kwargs_are_bound_precisely(analyzer: Analyzer) -> None:
    code = """
    import os
    from flask import request

    def run_kw(**options):
        os.system(options["cmd"])
        os.system(options["label"])

    def run_args(*parts):
        os.system(parts[1])

    def view():
        run_kw(cmd=request.args["c"], label="nightly")
        run_args("ls", request.args["d"])
    """
    assert run(analyzer, code, "INJ002") == [("INJ002", 6), ("INJ002", 10)]
