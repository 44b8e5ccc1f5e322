"""Languages other than Python: file matching, YAML dialect sniffing, statements and
suppressions per grammar, and shell embedded in Dockerfile ``RUN`` / workflow ``run:``."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from vigil.engine.fixes import apply_edits
from vigil.engine.languages import get_language, language_for_path, parse
from vigil.engine.runner import Analyzer
from vigil.engine.suppressions import statement_span


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("app/main.py", "python"),
        ("Dockerfile", "dockerfile"),
        ("docker/Dockerfile.prod", "dockerfile"),
        ("build/api.dockerfile", "dockerfile"),
        ("Containerfile", "dockerfile"),
        (".github/workflows/ci.yml", "github-actions"),
        ("repo/.github/workflows/release.yaml", "github-actions"),
        ("docker-compose.yml", "compose"),
        ("compose.prod.yaml", "compose"),
        ("k8s/deploy.yaml", "yaml"),
        ("mkdocs.yml", "yaml"),
        ("infra/main.tf", "terraform"),
        ("README.md", None),
        ("Dockerfile.md", "dockerfile"),
        (".github/ISSUE_TEMPLATE/bug.yml", "yaml"),
    ],
)
def test_language_for_path(path: str, language: str | None) -> None:
    assert language_for_path(PurePath(path)) == language


def test_every_grammar_loads() -> None:
    for name in ("python", "dockerfile", "yaml", "kubernetes", "compose", "github-actions", "terraform", "bash"):
        assert get_language(name) is not None
    # Dialects share one Language object, so a query compiled for one runs on the others' trees.
    assert get_language("kubernetes") is get_language("yaml")


def _ids(analyzer: Analyzer, code: str, path: str, **kw: object) -> list[tuple[str, int]]:
    source = code.encode()
    analysis = analyzer.analyze(source, path, **kw)  # type: ignore[arg-type]
    assert not analysis.result.failures, analysis.result.failures
    return [(f.rule_id, source.count(b"\n", 0, f.start) + 1) for f in analysis.findings]


MANIFEST = """\
# a ConfigMap first: the dialect must be recognised from any document
kind: ConfigMap
apiVersion: v1
data:
  privileged: "true"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
  containers:
    - name: app
      image: registry.example.com/web:1.0
      resources:
        limits: {memory: 128Mi}
      securityContext:
        readOnlyRootFilesystem: true
        privileged: true
"""


def test_kubernetes_manifest_sniffed_from_content(analyzer: Analyzer) -> None:
    analysis = analyzer.analyze(MANIFEST.encode(), "deploy/app.yaml")
    assert analysis.context.language == "kubernetes"
    assert [(f.rule_id) for f in analysis.findings] == ["K8S001"]
    assert analysis.context.names.bindings == {}  # no Python facts for YAML


def test_yaml_dialect_rules_apply_only_to_their_files(analyzer: Analyzer) -> None:
    compose_text = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n"
    assert _ids(analyzer, compose_text, "stack.yml") == [("DCP001", 4)]
    # The same keys in a file that is none of the dialects: no rule runs.
    other = "settings:\n  privileged: true\n  image: nginx\n"
    analysis = analyzer.analyze(other.encode(), "config/app.yaml")
    assert analysis.context.language == "yaml"
    assert analysis.findings == []


def test_run_accepts_the_generic_family_name(analyzer: Analyzer) -> None:
    """The server may call ``run`` with the path's language (``yaml``); the context's sniffed
    dialect decides which rules run."""
    source = MANIFEST.encode()
    tree = parse(source, "yaml")
    context = analyzer.context(tree, source, "deploy/app.yaml")
    start = source.index(b"privileged: true")
    result = analyzer.run(tree, source, context, (start, start + 5), "yaml")
    assert [f.rule_id for f in result.findings] == ["K8S001"]


def test_analyze_without_language_uses_the_path(analyzer: Analyzer) -> None:
    assert ("DKR002", 2) in _ids(analyzer, "FROM debian:12\nUSER root\n", "Dockerfile")
    assert _ids(analyzer, 'resource "aws_db_instance" "x" {\n  publicly_accessible = true\n  storage_encrypted = true\n}\n',
                "main.tf") == [("TF008", 2)]


def _span_text(source: bytes, language: str, needle: bytes) -> str:
    tree = parse(source, language)
    start = source.index(needle)
    node = tree.root_node.descendant_for_byte_range(start, start + len(needle))
    assert node is not None
    lo, hi = statement_span(node)
    return source[lo:hi].decode()


def test_statements_per_language() -> None:
    docker = b"FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER app\n"
    assert _span_text(docker, "dockerfile", b"curl") == "RUN apt-get update && \\\n    apt-get install -y curl"
    yaml_src = b"spec:\n  securityContext:\n    privileged: true\n    runAsUser: 0\n"
    assert _span_text(yaml_src, "yaml", b"true") == "privileged: true"
    assert _span_text(yaml_src, "yaml", b"securityContext") == "securityContext:"
    hcl = b'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'
    assert _span_text(hcl, "terraform", b"public-read") == 'acl = "public-read"'
    assert _span_text(hcl, "terraform", b"aws_s3_bucket") == 'resource "aws_s3_bucket" "b" {'


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("Dockerfile", "FROM debian:12\n# vigil: ignore[DKR002] -- needs root to bind port 80\nUSER root\n"),
        ("Dockerfile", "FROM debian:12\n# nothing to see\n# vigil: ignore\nUSER root\n"),
        ("k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true  # vigil: ignore[K8S005]\n"),
        ("k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  # vigil: ignore[K8S005] -- CNI plugin\n  hostNetwork: true\n"),
        ("k8s/pod.yaml", "# vigil: ignore-file[K8S005]\napiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true\n"),
        ("main.tf", 'resource "aws_db_instance" "x" {\n  storage_encrypted = true\n  publicly_accessible = true // vigil: ignore[TF008]\n}\n'),
        ("main.tf", 'resource "aws_db_instance" "x" {\n  storage_encrypted = true\n  # vigil: ignore[TF008]\n  publicly_accessible = true\n}\n'),
    ],
)
def test_suppression_comments_in_each_language(analyzer: Analyzer, path: str, code: str) -> None:
    analysis = analyzer.analyze(code.encode(), path)
    wanted = {"Dockerfile": "DKR002", "k8s/pod.yaml": "K8S005", "main.tf": "TF008"}[path]
    assert wanted not in [f.rule_id for f in analysis.findings]
    assert wanted in [f.rule_id for f, _ in analysis.result.suppressed]


def test_comment_not_directly_above_does_not_suppress(analyzer: Analyzer) -> None:
    code = "FROM debian:12\n# vigil: ignore[DKR002]\nRUN true\nUSER root\n"
    assert ("DKR002", 4) in _ids(analyzer, code, "Dockerfile")


def test_suppression_text_inside_a_run_script_is_not_a_comment(analyzer: Analyzer) -> None:
    code = (
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          # vigil: ignore\n          echo ${{ github.event.issue.title }}\n"
    )
    assert _ids(analyzer, code, ".github/workflows/t.yml") == [("GHA002", 8)]


def test_embedded_shell_offsets_map_back(analyzer: Analyzer) -> None:
    code = (
        "FROM debian:12\n"
        "RUN apt-get update && \\\n"
        "    # fetch the installer\n"
        "    curl -fsSL https://get.example.com | sh\n"
        "USER app\n"
    )
    source = code.encode()
    analysis = analyzer.analyze(source, "Dockerfile")
    (finding,) = [f for f in analysis.findings if f.rule_id == "DKR005"]
    assert source[finding.start : finding.end] == b"curl -fsSL https://get.example.com | sh"


def test_heredoc_run_is_parsed_as_the_script(analyzer: Analyzer) -> None:
    code = "FROM debian:12\nRUN <<EOF\nset -e\nwget -qO- https://x.example | bash\nEOF\nUSER app\n"
    source = code.encode()
    found = [f for f in analyzer.analyze(source, "Dockerfile").findings if f.rule_id == "DKR005"]
    assert [source[f.start : f.end] for f in found] == [b"wget -qO- https://x.example | bash"]


def test_workflow_expression_span_and_fix(analyzer: Analyzer) -> None:
    code = (
        "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - name: t\n        env:\n          A: b\n        run: echo '${{ github.event.pull_request.title }}'\n"
    )
    source = code.encode()
    (finding,) = [f for f in analyzer.analyze(source, ".github/workflows/t.yml").findings if f.rule_id == "GHA002"]
    assert source[finding.start : finding.end] == b"${{ github.event.pull_request.title }}"
    assert finding.fix is not None
    fixed = apply_edits(source, finding.fix.edits).decode()
    # The new variable joins the existing env mapping; inside single quotes the reference
    # closes and reopens them so the shell still expands it.
    assert fixed.endswith(
        "        env:\n          A: b\n          PR_TITLE: ${{ github.event.pull_request.title }}\n"
        "        run: echo ''\"${PR_TITLE}\"''\n"
    )
    assert not parse(fixed.encode(), "yaml").root_node.has_error


@pytest.mark.parametrize("name", [
    "a/b.py", "b.pyi", "x/Dockerfile", "x/Dockerfile.dev", "x/app.Dockerfile", "Containerfile",
    "a/.github/workflows/ci.yml", "a/.github/workflows/ci.YAML", "a/compose.yaml", "docker-compose.prod.yml",
    "m.tf", "M.TF", "x.txt", "x.PY", "a/k8s.yaml", "setup.cfg", "README", ".py", "dir.py/x.txt",
])
def test_language_for_path_string_fast_path_agrees_with_purepath(name: str) -> None:
    """The workspace walk passes plain strings (no PurePath per file); same answers."""
    assert language_for_path(name) == language_for_path(PurePath(name))
