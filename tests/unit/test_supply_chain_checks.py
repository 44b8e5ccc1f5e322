"""Project facts and the supply-chain helpers behind SUP001-SUP003 and DES004's version check."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from vigil.engine.runner import Analyzer
from vigil.rules.checks import project, supply_chain
from vigil.rules.checks.deserialization import torch_default_is_safe


def test_requirement_lines() -> None:
    text = """
# comment
requests>=2.31  # http
-r other.txt
--index-url https://pypi.org/simple
PyYAML==6.0.1 ; python_version > "3.8"
-e git+https://github.com/org/lib.git#egg=internal-lib
torch @ https://download.pytorch.org/whl/torch-2.6.0.whl
"""
    declared = project.parse_requirements(text)
    assert declared == {"requests": ">=2.31", "pyyaml": "==6.0.1", "internal_lib": "",
                        "torch": "@ https://download.pytorch.org/whl/torch-2.6.0.whl"}


def test_pyproject_dependencies_groups_poetry_and_first_party() -> None:
    text = """
[project]
name = "billing-api"
dependencies = ["fastapi>=0.110", "opencv-python-headless"]
[project.optional-dependencies]
ml = ["torch>=2.6"]
[dependency-groups]
dev = ["pytest"]
[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"
[tool.ruff.lint.isort]
known-first-party = ["billing"]
"""
    declared, first_party = project.parse_pyproject(text)
    assert set(declared) == {"fastapi", "opencv_python_headless", "torch", "pytest", "httpx"}
    assert first_party == {"billing_api", "billing"}


@pytest.mark.parametrize(("spec", "expected"), [
    (">=2.6", (2, 6)), ("==2.7.1", (2, 7, 1)), ("^2.6", (2, 6)), (">=1.13,<3", (1, 13)), ("", None), ("<2.6", None),
])
def test_minimum_version(spec: str, expected: tuple[int, ...] | None) -> None:
    assert project.minimum_version(spec) == expected


def _project(tmp_path: Path, requirements: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "src" / "billing").mkdir(parents=True)
    (tmp_path / "src" / "billing" / "__init__.py").write_text("")
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "helpers.py").write_text("")
    module = tmp_path / "service" / "main.py"
    module.write_text("")
    return module


def test_known_imports_come_from_every_source(tmp_path: Path) -> None:
    module = _project(tmp_path, "python-dateutil\nacme-telemetry-client==1.0\n")
    facts = project.build_facts(module.parent)
    assert facts.root == tmp_path
    for name in ("os", "yaml", "helpers", "billing", "dateutil", "acme_telemetry_client", "acme"):
        assert supply_chain.is_known(name, facts), name
    assert not supply_chain.is_known("huggingface_model_utils", facts)


def test_cache_rebuilds_only_when_a_source_changes(tmp_path: Path) -> None:
    module = _project(tmp_path, "requests\n")
    cache = project.FactsCache(revalidate_seconds=0.0)
    first = cache.get(module.parent)
    assert cache.get(module.parent) is first and cache.builds == 1
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("requests\nfancy-new-lib\n")
    later = time.time() + 5
    os.utime(requirements, (later, later))
    second = cache.get(module.parent)
    assert cache.builds == 2 and "fancy_new_lib" in second.declared


def test_near_misses() -> None:
    assert supply_chain.near_misses("reqeusts") == ["requests"]
    assert supply_chain.near_misses("pytorch") == ["torch"]
    assert supply_chain.near_misses("requests") == []
    assert supply_chain.near_misses("re") == []


def test_install_problems() -> None:
    assert supply_chain.install_problems(["pyarrow==17.0.0"]) == []
    assert supply_chain.install_problems([None]) == ["installs a package chosen at run time"]
    problems = supply_chain.install_problems(["--trusted-host", "pypi.internal", "git+https://x/y.git"])
    assert problems == ["disables TLS checks with --trusted-host", "installs from a URL `git+https://x/y.git`"]


def test_torch_version_gate(tmp_path: Path, analyzer: Analyzer) -> None:
    module = _project(tmp_path, "torch>=2.6\n")
    assert torch_default_is_safe(str(module))
    source = b"import torch\nstate = torch.load(path)\nother = torch.load(path, weights_only=False)\n"
    found = [f for f in analyzer.analyze(source, path=str(module)).findings if f.rule_id == "DES004"]
    assert [source.count(b"\n", 0, f.start) + 1 for f in found] == [3]


def test_sup001_uses_the_project(tmp_path: Path, analyzer: Analyzer) -> None:
    module = _project(tmp_path, "acme-telemetry-client\n")
    source = b"import acme_telemetry_client\nimport helpers\nimport billing\nimport totally_made_up_pkg\n"
    found = [f for f in analyzer.analyze(source, path=str(module)).findings if f.rule_id == "SUP001"]
    assert [source.count(b"\n", 0, f.start) + 1 for f in found] == [4]
    assert not [f for f in analyzer.analyze(source, path=None).findings if f.rule_id == "SUP001"]
