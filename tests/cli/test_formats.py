"""``--format json|sarif|github``: shapes, escaping, and SARIF validity against the OASIS schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.cli.helpers import YAML_BAD, Runner, write
from vigil.engine.findings import Edit, Finding, Fix, Related
from vigil.engine.suppressions import Suppression
from vigil.report import reporter
from vigil.report.github import escape_data, escape_property
from vigil.report.model import FileResult, Problem, RenderOptions, ScanResult
from vigil.rules.loader import RuleSet
from vigil.rules.model import Applicability, Severity

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)  # draft-04, as the schema declares
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


#: Characters RFC 3986 allows in a URI reference (the schema's "uri"/"uri-reference" formats,
#: which jsonschema only checks when optional packages are installed).
URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
ABSOLUTE_URI_KEYS = {"informationUri", "$schema"}


def _uris(node: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _uris(v, k)]
    if isinstance(node, list):
        return [pair for item in node for pair in _uris(item, key)]
    return [(key, node)] if key in {"uri", *ABSOLUTE_URI_KEYS} and isinstance(node, str) else []


def assert_valid(validator: jsonschema.protocols.Validator, document: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    uris = _uris(document)
    assert uris
    for key, uri in uris:
        assert URI_CHARS.fullmatch(uri), f"{key}: {uri!r} is not a valid URI reference"
        if key in ABSOLUTE_URI_KEYS:
            assert urlsplit(uri).scheme in ("http", "https"), uri


def test_the_schema_rejects_broken_sarif(sarif_validator: jsonschema.protocols.Validator) -> None:
    """The validator is not vacuous: a result without a message and a bad level are caught."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                             "results": [{"ruleId": "A", "level": "fatal"}]}]}
    messages = [e.message for e in sarif_validator.iter_errors(broken)]
    assert messages, "the schema accepted an invalid log"


def test_cli_sarif_is_valid_and_complete(project: Path, vigil: Runner,
                                         sarif_validator: jsonschema.protocols.Validator) -> None:
    write(project / "src dir" / "app.py", YAML_BAD)
    write(project / "bad.py", b"\x00")
    run = vigil("check", "--format", "sarif")
    assert run.code == 1
    log = json.loads(run.out)
    assert_valid(sarif_validator, log)
    sarif_run = log["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "Vigil" and driver["version"]
    assert "informationUri" not in driver or driver["informationUri"].startswith("https://")
    rule = next(r for r in driver["rules"] if r["id"] == "DES002")
    assert rule["shortDescription"]["text"]
    assert rule["fullDescription"]["text"]
    assert "How to fix" in rule["help"]["text"] and "**How to fix**" in rule["help"]["markdown"]
    assert "security" in rule["properties"]["tags"]
    assert "external/cwe/cwe-502" in rule["properties"]["tags"]
    assert float(rule["properties"]["security-severity"]) >= 7.0  # high
    (result,) = sarif_run["results"]
    assert result["ruleId"] == "DES002"
    assert driver["rules"][result["ruleIndex"]]["id"] == "DES002"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src%20dir/app.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 29}
    assert result["partialFingerprints"]
    (replacement,) = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 5, "startColumn": 17, "endLine": 5, "endColumn": 21}
    assert replacement["insertedContent"] == {"text": "safe_load"}
    invocation = sarif_run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert "bad.py: binary file" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert sarif_run["columnKind"] == "unicodeCodePoints"


def _synthetic_scan(ruleset: RuleSet, root: Path) -> ScanResult:
    source = b"import yaml\ndata = request.get_data()\nx = yaml.load(data)\n"
    finding = Finding(
        rule_id="DES002", start=source.index(b"yaml.load("), end=len(source) - 1,
        message="tainted <value> & 100% \"quoted\"\nsecond line", severity=Severity.CRITICAL,
        fix=Fix("Insert and replace", Applicability.REVIEW,
                (Edit(0, 0, "import os\n"), Edit(source.index(b"load"), source.index(b"load") + 4, "safe_load"),
                 Edit(source.index(b"data)"), source.index(b"data)") + 4, ""))),
        related=(Related(source.index(b"request"), source.index(b"request") + 25, "user input enters here"),),
        snippet_hash="abc123",
    )
    result = FileResult(root / "pkg" / "a,b:c.py", "pkg/a,b:c.py", source, [finding],
                        unused_suppressions=[Suppression(0, 11, "vigil", frozenset({"DES002"}), "",
                                                         "# vigil: ignore[DES002]")])
    return ScanResult(files=[result], problems=[Problem("huge.py", "too big; skipped")], files_checked=1,
                      ruleset=ruleset, rules=list(ruleset.rules), root=root, report_unused=True)


def test_sarif_with_taint_steps_fixes_and_notifications_is_valid(
        ruleset: RuleSet, tmp_path: Path, sarif_validator: jsonschema.protocols.Validator) -> None:
    log = json.loads(reporter("sarif")(_synthetic_scan(ruleset, tmp_path), RenderOptions()))
    assert_valid(sarif_validator, log)
    (result,) = log["runs"][0]["results"]
    assert result["relatedLocations"][0]["message"]["text"] == "user input enters here"
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [2, 3]
    replacements = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacements[0] == {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                               "insertedContent": {"text": "import os\n"}}
    assert "insertedContent" not in replacements[2]  # a pure deletion
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/a%2Cb%3Ac.py"
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["huge.py: too big; skipped",
                                                      "unused suppression: # vigil: ignore[DES002]"]


def test_github_annotations_escape_messages_and_properties(ruleset: RuleSet, tmp_path: Path) -> None:
    out = reporter("github")(_synthetic_scan(ruleset, tmp_path), RenderOptions())
    lines = out.splitlines()
    assert lines[0] == (
        "::error file=pkg/a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=20,title=DES002::"
        "[critical] tainted <value> & 100%25 \"quoted\"%0Asecond line%0A"
        "fix available: Insert and replace (review)"
    )
    assert lines[1].startswith("::warning file=pkg/a%2Cb%3Ac.py,line=1,col=1,title=unused suppression::")
    assert lines[2] == "::warning file=huge.py,title=vigil%3A file skipped::too big; skipped"
    assert escape_data("a\r\nb%") == "a%0D%0Ab%25"
    assert escape_property("x:y,z") == "x%3Ay%2Cz"


@pytest.mark.parametrize(("severity", "level"), [
    ("critical", "error"), ("high", "error"), ("medium", "warning"), ("low", "notice"), ("info", "notice"),
])
def test_github_levels(project: Path, vigil: Runner, severity: str, level: str) -> None:
    write(project / "pyproject.toml", f'[tool.vigil]\nseverity = {{ DES002 = "{severity}" }}\nfail-on = "info"\n')
    write(project / "app.py", YAML_BAD)
    run = vigil("check", "--format", "github")
    assert run.out.startswith(f"::{level} file=app.py,line=5,col=12,endLine=5,endColumn=29,title=DES002::")


def test_json_document(project: Path, vigil: Runner) -> None:
    write(project / "app.py", YAML_BAD)
    write(project / "bad.py", b"\xff")
    document = json.loads(vigil("check", "--format", "json").out)
    assert document["version"] == 1
    (finding,) = document["findings"]
    assert finding["path"] == "app.py" and finding["rule"] == "DES002" and finding["severity"] == "high"
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (5, 12, 5, 29)
    assert finding["cwe"] == ["CWE-502"]
    source = (project / "app.py").read_bytes()
    assert source[finding["start_byte"]:finding["end_byte"]] == b"yaml.load(stream)"
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["edits"][0]["text"] == "safe_load"
    assert document["errors"] == [{"path": "bad.py", "message": "not valid UTF-8 (byte 0xff at line 1); skipped"}]
    summary = document["summary"]
    assert summary["findings"] == 1 and summary["by_severity"] == {"high": 1}
    assert summary["fixable"] == {"safe": 1, "review": 0} and summary["failing"] == 1
