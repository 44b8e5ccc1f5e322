"""Fix edit operations and import insertion."""

from __future__ import annotations

import pytest

from vigil.engine.findings import Edit
from vigil.engine.fixes import apply_edits, edit_for, env_name, import_edit, render
from vigil.engine.languages import parse
from vigil.engine.names import collect_names
from vigil.rules.model import EditSpec


def _kwarg(code: str, name: str):
    tree = parse(code.encode())
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "keyword_argument" and node.child_by_field_name("name").text == name.encode():
            return node
        stack.extend(node.children)
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("f(a, verify=False)\n", "verify", "f(a)\n"),
        ("f(verify=False, a)\n", "verify", "f(a)\n"),
        ("f(verify=False)\n", "verify", "f()\n"),
        ("f(a, verify=False, b=1)\n", "verify", "f(a, b=1)\n"),
        ("f(\n    a,\n    verify=False,\n)\n", "verify", "f(\n    a,\n)\n"),
        ("f(\n    verify=False,\n)\n", "verify", "f(\n    \n)\n"),
    ],
)
def test_remove_argument(code: str, name: str, expected: str) -> None:
    node = _kwarg(code, name)
    edit = edit_for(EditSpec("remove_argument", "arg"), {"arg": [node]}, code.encode())
    fixed = apply_edits(code.encode(), [edit])
    assert fixed.decode() == expected
    assert not parse(fixed).root_node.has_error


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("torch.load(p)\n", "torch.load(p, weights_only=True)\n"),
        ("torch.load()\n", "torch.load(weights_only=True)\n"),
        ("torch.load(\n    p,\n)\n", "torch.load(\n    p, weights_only=True,\n)\n"),
        ("torch.load(p, **kw)\n", "torch.load(p, **kw, weights_only=True)\n"),
    ],
)
def test_add_argument(code: str, expected: str) -> None:
    tree = parse(code.encode())
    args = tree.root_node.named_children[0].named_children[0].child_by_field_name("arguments")
    edit = edit_for(EditSpec("add_argument", "args", "weights_only=True"), {"args": [args]}, code.encode())
    fixed = apply_edits(code.encode(), [edit])
    assert fixed.decode() == expected
    assert not parse(fixed).root_node.has_error


def test_render_template_and_filters() -> None:
    code = b"api_key = 'x'\n"
    tree = parse(code)
    left = tree.root_node.named_children[0].named_children[0].child_by_field_name("left")
    assert render('os.environ["{name|env_name}"] {{x}}', {"name": [left]}, code) == 'os.environ["API_KEY"] {x}'
    assert env_name("self.dbPassword") == "DB_PASSWORD"
    assert env_name('"openai-key"') == "OPENAI_KEY"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import sys\nx = 1\n", "import sys\nimport os\nx = 1\n"),
        ('"""Doc."""\nx = 1\n', '"""Doc."""\nimport os\nx = 1\n'),
        ("x = 1\n", "import os\nx = 1\n"),
        ("#!/usr/bin/env python\n# comment\nx = 1\n", "#!/usr/bin/env python\n# comment\nimport os\nx = 1\n"),
        ("from __future__ import annotations\r\nx = 1\r\n", "from __future__ import annotations\r\nimport os\r\nx = 1\r\n"),
        ("import os\nx = 1\n", "import os\nx = 1\n"),
        ("import sys", "import sys\nimport os\n"),
    ],
)
def test_import_insertion(code: str, expected: str) -> None:
    source = code.encode()
    tree = parse(source)
    edit = import_edit("os", tree, source, collect_names(tree))
    fixed = apply_edits(source, [edit] if edit else [])
    assert fixed.decode() == expected


def test_apply_edits_skips_overlaps_instead_of_corrupting() -> None:
    source = b"abcdef"
    assert apply_edits(source, [Edit(1, 3, "X"), Edit(2, 4, "Y")]) == b"abYef"
    assert apply_edits(source, [Edit(0, 1, "1"), Edit(5, 6, "6")]) == b"1bcde6"
