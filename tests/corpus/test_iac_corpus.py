"""The cloud-native corpus: Dockerfiles, Kubernetes manifests, Compose files, Terraform and
GitHub Actions workflows with the weaknesses they must (or must not) trigger.

Every file under ``tests/corpus/<language>/`` for the languages below is one test case. Its
first line is a ``#`` comment stating the expectation, as in the Python corpus:
``# expect: CWE-250 CWE-494`` (each CWE must be among those of the rules that fire) or
``# expect: none`` (nothing may fire). Files are analysed exactly as the CLI and the language
server analyse them: the language comes from the path and, for YAML, from the content, so a
misrecognised file kind fails here too (each folder also asserts the dialect it holds).

The last test runs ``vigil check --format sarif`` over a mixed repository (Python, Dockerfile,
manifest, Compose, Terraform, workflow) and checks the SARIF log names each file kind.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from vigil.engine.runner import Analyzer

HERE = Path(__file__).resolve().parent
#: corpus folder -> the language every file in it must be analysed as
FOLDERS = {
    "dockerfile": "dockerfile",
    "kubernetes": "kubernetes",
    "compose": "compose",
    "terraform": "terraform",
    "github-actions": "github-actions",
}
#: Files deliberately of no dialect (they check that look-alike YAML is left alone).
NO_DIALECT = {"kubernetes/not-a-manifest.yaml"}


def _files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (HERE / folder).rglob("*") if p.is_file())


def _expectation(first_line: str) -> set[int] | None:
    # Reuse the Python corpus' parser (same folder, importable under pytest's rootdir-based
    # module names): one syntax for every corpus file.
    from test_corpus import parse_expectation

    return parse_expectation(first_line)


def test_every_file_kind_has_vulnerable_and_safe_files() -> None:
    for folder in FOLDERS:
        kinds = {_expectation(p.read_text(encoding="utf-8").split("\n", 1)[0]) is None
                 for p in (HERE / folder).rglob("*") if p.is_file()}
        assert kinds == {True, False}, f"{folder} needs vulnerable and safe corpus files"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(HERE).as_posix())
def test_iac_corpus_file(analyzer: Analyzer, path: Path) -> None:
    source = path.read_bytes()
    from test_corpus import assert_expectation

    relative = path.relative_to(HERE).as_posix()
    analysis = assert_expectation(analyzer, source, path)
    wanted_language = "yaml" if relative in NO_DIALECT else FOLDERS[relative.split("/", 1)[0]]
    assert analysis.context.language == wanted_language


def test_vigil_check_sarif_over_a_mixed_repository(tmp_path: Path) -> None:
    from vigil.cli.main import main

    repo = tmp_path / "service"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "config.py").write_text("import yaml\n\ndef read(s):\n    return yaml.load(s)\n")
    shutil.copy(HERE / "dockerfile" / "root-and-curl.Dockerfile", repo / "Dockerfile")
    (repo / "deploy").mkdir()
    shutil.copy(HERE / "kubernetes" / "defaults.yaml", repo / "deploy" / "api.yaml")
    shutil.copy(HERE / "kubernetes" / "not-a-manifest.yaml", repo / "deploy" / "settings.yaml")
    shutil.copy(HERE / "compose" / "docker-compose.dev.yml", repo / "docker-compose.yml")
    (repo / "infra").mkdir()
    shutil.copy(HERE / "terraform" / "network-iam.tf", repo / "infra" / "main.tf")
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(HERE / "github-actions" / "pr-target.yml", repo / ".github" / "workflows" / "preview.yml")
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--no-config", "--format", "sarif", str(repo)], out, err)
    assert code == 1, err.getvalue()
    log = json.loads(out.getvalue())
    results = log["runs"][0]["results"]
    by_file: dict[str, set[str]] = {}
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        by_file.setdefault(uri.rsplit("service/", 1)[-1], set()).add(result["ruleId"][:3])
    assert by_file.get("app/config.py") == {"DES"}
    assert by_file.get("Dockerfile") == {"DKR"}
    assert by_file.get("deploy/api.yaml") == {"K8S"}
    assert by_file.get("docker-compose.yml") == {"DCP"}
    assert by_file.get("infra/main.tf") == {"TF0"}
    assert by_file.get(".github/workflows/preview.yml") == {"GHA"}
    assert "deploy/settings.yaml" not in by_file  # plain YAML: analysed, nothing to report
    rule_ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"DKR005", "K8S010", "DCP003", "TF006", "GHA001"} <= rule_ids
