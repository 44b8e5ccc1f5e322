"""First-party packages declared by build backends (SUP001's false alarm on a project's own
package that lives outside the importing file's folder chain, e.g. Vigil's ``server/vigil``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from vigil.engine.runner import Analyzer
from vigil.rules.checks import layout, project


@pytest.mark.parametrize(
    ("text", "names", "dirs"),
    [
        ('[tool.hatch.build.targets.wheel]\npackages = ["server/vigil"]\n', {"vigil"}, set()),
        ('[tool.hatch.build]\npackages = ["lib/acme"]\n'
         '[tool.hatch.build.targets.wheel]\nonly-include = ["tools/cli.py", "README.md"]\n'
         'sources = {"lib" = ""}\n', {"acme", "cli"}, {"lib"}),
        ('[tool.setuptools]\npackages = ["acme", "acme.billing"]\npy-modules = ["helpers"]\n'
         'package-dir = {"" = "lib", "extra" = "vendor/extra"}\n', {"acme", "helpers", "extra"}, {"lib"}),
        ('[tool.setuptools.packages.find]\nwhere = ["src"]\ninclude = ["acme*"]\n', {"acme"}, {"src"}),
        ('[tool.poetry]\nname = "x"\npackages = [{include = "acme/**/*.py", from = "python"}]\n',
         {"acme"}, {"python"}),
        ('[tool.flit.module]\nname = "acme_flit"\n', {"acme_flit"}, set()),
        ('[tool.pdm.build]\npackage-dir = "code"\nincludes = ["acme_pdm"]\n', {"acme_pdm"}, {"code"}),
        ('[tool.maturin]\nmodule-name = "acme_rs._core"\npython-source = "python"\n', {"acme_rs"}, {"python"}),
        ("not = [valid toml", set(), set()),
    ],
)
def test_pyproject_layouts(text: str, names: set[str], dirs: set[str]) -> None:
    found = layout.pyproject_layout(text)
    assert (found.names, found.source_dirs) == (names, dirs)


def test_setup_cfg_and_setup_py_layouts() -> None:
    cfg = layout.setup_cfg_layout(
        "[options]\npackages = find:\npy_modules = tool\npackage_dir =\n    =lib\n"
        "[options.packages.find]\nwhere = lib\n")
    assert (cfg.names, cfg.source_dirs) == ({"tool"}, {"lib"})
    py = layout.setup_py_layout(
        'setup(name="acme", package_dir={"": "src"}, packages=find_packages("src"), py_modules=["tool"])\n'
        'setup(packages=["acme_core", "acme_core.sub"])\n')
    assert (py.names, py.source_dirs) == ({"tool", "acme_core"}, {"src"})
    assert layout.setup_cfg_layout("[broken").names == set()


def test_source_directories_stay_inside_the_project(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path.parent / "outside_dir").mkdir(exist_ok=True)
    found = layout.Layout(source_dirs={"lib", "../outside_dir", "missing", "."})
    assert list(layout.source_directories(tmp_path, found)) == [(tmp_path / "lib").resolve()]


def _project(tmp_path: Path, pyproject: str, package_dir: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    package = tmp_path / package_dir
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    script = tmp_path / "scripts" / "report.py"
    script.parent.mkdir()
    return script


@pytest.mark.parametrize(
    ("pyproject", "package_dir"),
    [
        ('[project]\nname = "acme-dist"\n[tool.hatch.build.targets.wheel]\npackages = ["server/acme_core"]\n',
         "server/acme_core"),
        ('[project]\nname = "acme-dist"\n[tool.setuptools]\npackage-dir = {"" = "lib"}\n', "lib/acme_core"),
        ('[tool.poetry]\nname = "acme-dist"\npackages = [{include = "acme_core", from = "code"}]\n',
         "code/acme_core"),
    ],
)
def test_sup001_accepts_first_party_package_from_build_config(
        analyzer: Analyzer, tmp_path: Path, pyproject: str, package_dir: str) -> None:
    script = _project(tmp_path, pyproject, package_dir)
    source = b"import acme_core\nfrom acme_core import api\nimport acme_corez_missing\n"
    script.write_bytes(source)
    project.CACHE.clear()
    findings = analyzer.analyze(source, path=str(script)).findings
    flagged = {source[f.start:f.end].decode() for f in findings if f.rule_id == "SUP001"}
    assert flagged == {"acme_corez_missing"}


def test_sup001_still_reports_without_build_config(analyzer: Analyzer, tmp_path: Path) -> None:
    script = _project(tmp_path, '[project]\nname = "acme-dist"\n', "server/acme_core")
    source = b"import acme_core\n"
    script.write_bytes(source)
    project.CACHE.clear()
    findings = analyzer.analyze(source, path=str(script)).findings
    assert [f.rule_id for f in findings] == ["SUP001"]


def test_sup001_reads_requires_dist_of_an_installed_distribution(analyzer: Analyzer, tmp_path: Path) -> None:
    """Scanning installed or vendored libraries: the owning distribution's ``Requires-Dist``
    (extras included) declares its optional imports; undeclared ones are still reported."""
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    package = site / "acme_http" / "contrib"
    package.mkdir(parents=True)
    info = site / "acme_http-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-http\nRequires-Dist: zorblax-codec>=1; extra == 'fast'\n")
    (info / "RECORD").write_text("acme_http/__init__.py,,\nacme_http/contrib/fast.py,,\n"
                                 "acme_http-1.0.dist-info/METADATA,,\n")
    source = b"import zorblax_codec\nimport quuxly_undeclared\n"
    path = package / "fast.py"
    path.write_bytes(source)
    project.CACHE.clear()
    findings = analyzer.analyze(source, path=str(path)).findings
    flagged = {source[f.start:f.end].decode() for f in findings if f.rule_id == "SUP001"}
    assert flagged == {"quuxly_undeclared"}
