"""Import-alias resolution: rules name APIs, code names local aliases."""

from __future__ import annotations

import pytest

from vigil.engine.languages import parse
from vigil.engine.names import collect_names


def _qualify_calls(code: str) -> list[str | None]:
    tree = parse(code.encode())
    names = collect_names(tree)
    out: list[str | None] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "call":
            out.append(names.qualify(node.child_by_field_name("function")))
        stack.extend(reversed(node.children))
    return out


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import yaml\nyaml.load(x)\n", "yaml.load"),
        ("import yaml as y\ny.load(x)\n", "yaml.load"),
        ("from yaml import load\nload(x)\n", "yaml.load"),
        ("from yaml import load as L\nL(x)\n", "yaml.load"),
        ("import os.path\nos.path.join(a)\n", "os.path.join"),
        ("from os import path as p\np.join(a)\n", "os.path.join"),
        ("import xml.etree.ElementTree as ET\nET.parse(f)\n", "xml.etree.ElementTree.parse"),
        ("eval(x)\n", "eval"),
        ("def f():\n    import yaml\n    return yaml.load(x)\n", "yaml.load"),
        ("import yaml\nload = yaml.load\nload(x)\n", "yaml.load"),
        ("def f():\n    return load(x)\nfrom yaml import load\n", "yaml.load"),
        ("try:\n    import yaml\nexcept ImportError:\n    yaml = None\nyaml.load(x)\n", "yaml.load"),
    ],
)
def test_qualified_names(code: str, expected: str | None) -> None:
    assert _qualify_calls(code)[-1] == expected


def test_local_definition_shadows_nothing_imported() -> None:
    code = "def load(p):\n    return p\nload(x)\n"
    assert _qualify_calls(code) == [None]


def test_local_definition_after_import_shadows_it() -> None:
    code = "from yaml import load\ndef load(p):\n    return p\nload(x)\n"
    assert _qualify_calls(code) == [None]


def test_relative_imports_never_look_like_libraries() -> None:
    assert _qualify_calls("from . import yaml\nyaml.load(x)\n") == [".yaml.load"]
    assert _qualify_calls("from .utils import load\nload(x)\n") == [".utils.load"]


def test_import_spans_and_constants() -> None:
    code = b"import os\nCMD = 'ls -l'\nX = 1\nX = 2\n"
    names = collect_names(parse(code))
    assert names.import_spans == [(0, 9)]
    assert names.touches_imports(3, 4)
    assert not names.touches_imports(20, 25)
    assert "CMD" in names.constants and "X" not in names.constants
    assert names.imported_modules == {"os": 0}


def test_renamed_imports_are_recorded() -> None:
    names = collect_names(parse(b"from yaml import load as L\nimport yaml as y\nfl = yaml.full_load\n"))
    assert names.renamed == {"yaml.load", "yaml", "yaml.full_load"}
