"""Helper logic behind the WEB, CLD and LLM checks that the rule examples exercise only
partially: settings-module detection, integer/timedelta evaluation, hidden-character
classification, binding names and argument removal."""

from __future__ import annotations

import pytest
import tree_sitter as ts
from vigil.engine.fixes import apply_edits
from vigil.engine.languages import parse
from vigil.engine.runner import Analyzer
from vigil.rules.checks import cloud, llm, syntax


def _first(source: str, kind: str) -> tuple[bytes, ts.Node]:
    data = source.encode()
    tree = parse(data, "python")
    stack = [tree.root_node]
    while stack:
        node = stack.pop(0)
        if node.type == kind:
            return data, node
        stack.extend(node.children)
    raise AssertionError(f"no {kind} in {source!r}")


@pytest.mark.parametrize(("path", "expected"), [
    ("mysite/settings.py", True),
    ("config/settings/production.py", True),
    ("config/settings/prod.py", True),
    ("app/settings_prod.py", True),
    ("config/settings/local.py", False),
    ("config/settings/dev.py", False),
    ("config/settings/test.py", False),
    ("mysite/settings_dev.py", False),
    ("app/views.py", False),
    (None, False),
])
def test_is_settings_module(path: str | None, expected: bool) -> None:
    assert syntax.is_settings_module(path) is expected


@pytest.mark.parametrize(("expression", "value"), [
    ("3600", 3600), ("7 * 24 * 3600", 604800), ("(60 * 60) + 1", 3601), ("1_000", 1000),
    ("0x10", 16), ("86400 // 2", 43200), ("ttl", None), ("3600.0", None),
])
def test_int_value(expression: str, value: int | None) -> None:
    _, node = _first(f"x = {expression}\n", "assignment")
    assert syntax.int_value(node.child_by_field_name("right")) == value


@pytest.mark.parametrize(("expression", "seconds"), [
    ("timedelta(days=7)", 604800), ("datetime.timedelta(hours=48)", 172800),
    ("timedelta(weeks=1, minutes=1)", 604860), ("timedelta(2)", 172800), ("timedelta(days=n)", None),
    ("7 * 86400", 604800),
])
def test_presigned_url_seconds(expression: str, seconds: int | None) -> None:
    _, node = _first(f"x = {expression}\n", "assignment")
    assert cloud._seconds(node.child_by_field_name("right")) == seconds


@pytest.mark.parametrize(("value", "count"), [
    ('"plain ascii"', 0),
    ('"a\u200bb"', 1),                      # zero-width space
    ('"user\u202e txt"', 1),                # right-to-left override
    ('"x\U000e0041\U000e0042"', 2),         # tag characters
    ('"\U0001f468\u200d\U0001f469"', 0),    # emoji joiner
    ('"\u0645\u06cc\u200c\u062e\u0648"', 0),  # Persian ZWNJ between letters
    ('"id\u200dx"', 1),                     # joiner between ASCII letters
    ('"\u05e9\u05dc\u05d5\u05dd\u200f"', 0),  # RLM inside Hebrew text
    ('"left\u200fright"', 1),               # RLM in purely left-to-right text
])
def test_hidden_positions(value: str, count: int) -> None:
    assert len(llm._hidden_positions(value)) == count


@pytest.mark.parametrize(("source", "name"), [
    ('password = "x"', "password"),
    ('self.api_key = "x"', "api_key"),
    ('app.config["SECRET_KEY"] = "x"', "SECRET_KEY"),
    ('f(token="x")', "token"),
    ('d = {"client_secret": "x"}', "client_secret"),
    ('def f(pwd="x"): pass', "pwd"),
    ('if secret == "x": pass', "secret"),
    ('f("x")', None),
])
def test_binding_name(source: str, name: str | None) -> None:
    data = source.encode()
    tree = parse(data, "python")
    strings: list[ts.Node] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "string":
            strings.append(node)
        stack.extend(node.children)
    value = next(s for s in strings if syntax.literal_text(s) == "x")
    assert syntax.binding_name(value) == name


@pytest.mark.parametrize(("source", "expected"), [
    ("f(a, b=1, c=2)\n", "f(a, c=2)\n"),
    ("f(a, b=1)\n", "f(a)\n"),
    ("f(b=1)\n", "f()\n"),
    ("f(\n    a,\n    b=1,\n    c=2,\n)\n", "f(\n    a,\n    c=2,\n)\n"),
    ("f(\n    a,\n    b=1,\n)\n", "f(\n    a,\n)\n"),
])
def test_remove_argument(source: str, expected: str) -> None:
    data, node = _first(source, "keyword_argument")
    assert apply_edits(data, [syntax.remove_argument(node, data)]).decode() == expected


def test_interpolated_expressions() -> None:
    _, node = _first('x = f"a {request.json[\'q\']} b {today}"\n', "string")
    names = [syntax.text(expr) for _, expr in llm.interpolated(node)]
    assert names == ["request.json['q']", "today"]
    assert llm._is_untrusted(llm.interpolated(node)[0][1])
    assert not llm._is_untrusted(llm.interpolated(node)[1][1])


def test_settings_rules_only_fire_in_settings_modules(analyzer: Analyzer) -> None:
    source = b'DEBUG = True\nALLOWED_HOSTS = ["*"]\n'
    prod = {f.rule_id for f in analyzer.analyze(source, path="shop/settings.py").findings}
    dev = {f.rule_id for f in analyzer.analyze(source, path="shop/settings/local.py").findings}
    elsewhere = {f.rule_id for f in analyzer.analyze(source, path="shop/views.py").findings}
    assert {"WEB001", "WEB004"} <= prod
    assert not {"WEB001", "WEB004"} & (dev | elsewhere)


def test_assert_rule_skips_tests(analyzer: Analyzer) -> None:
    source = b"import django\ndef view(request):\n    assert request.user.is_staff\n"
    assert any(f.rule_id == "WEB010" for f in analyzer.analyze(source, path="app/views.py").findings)
    assert not any(f.rule_id == "WEB010" for f in analyzer.analyze(source, path="tests/test_views.py").findings)


def test_llm_output_variable_named_response_is_not_a_prompt_source(analyzer: Analyzer) -> None:
    source = (b"from openai import OpenAI\n"
              b"client = OpenAI()\n"
              b"response = get_user()\n"
              b'msgs = [{"role": "system", "content": f"Rules for {response.name}"}]\n')
    assert not [f for f in analyzer.analyze(source, path="app/bot.py").findings if f.rule_id == "LLM005"]
