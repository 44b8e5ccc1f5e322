"""The cached ("warm") path of ``vigil check``: a scan whose every file is in the result cache
neither loads nor compiles the rules and starts no process pool, yet reports exactly what a
cold scan does; anything that could change a result (a rule file, the policy, Vigil's
version) misses. Rule loading is observed through spies, never through timing."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from vigil import cache as vigil_cache
from vigil.cache import ResultCache, resolve_cache_dir
from vigil.cli import catalog as cli_catalog
from vigil.cli import check as cli_check
from vigil.rules import loader
from vigil.rules.loader import RuleSet
from vigil.workspace.scan import namespace_for

from tests.cli.helpers import CLEAN, REVIEW_RULE, YAML_BAD, Runner, write


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per full rule load (``load_rules``) and per query compilation in this test."""
    calls: list[str] = []
    real_load = cli_check.load_rules  # the session-shared loader of conftest.py
    real_compile = loader.compile_rules

    def load_spy(*args: object, **kwargs: object) -> RuleSet:
        calls.append("load")
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    def compile_spy(*args: object, **kwargs: object) -> object:
        calls.append("compile")
        return real_compile(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_check, "load_rules", load_spy)
    monkeypatch.setattr(loader, "compile_rules", compile_spy)
    return calls


def _project(project: Path, count: int = 20) -> None:
    for i in range(count):
        write(project / "pkg" / f"m{i:02}.py", YAML_BAD if i % 4 == 0 else CLEAN + f"dangerous({i})\n")


def _rule_dir(root: Path) -> Path:
    write(root / "python" / "TST001-dangerous-call.toml", REVIEW_RULE)
    return root


def test_warm_run_loads_no_rules_starts_no_pool_and_reports_the_same(
        project: Path, vigil: Runner, loads: list[str], counted: list[str], pools: list[int]) -> None:
    _project(project)
    cold = {fmt: vigil("check", "--no-cache", "--format", fmt, "--jobs", "2") for fmt in ("json", "sarif", "text")}
    first = vigil("check", "--format", "json", "--jobs", "2")  # fills the cache
    assert first.out == cold["json"].out and pools
    loads.clear()
    counted.clear()
    pools.clear()
    for fmt in ("json", "sarif", "text"):
        warm = vigil("check", "--format", fmt, "--jobs", "2")
        assert (warm.code, warm.out, warm.err) == (cold[fmt].code, cold[fmt].out, cold[fmt].err), fmt
    assert loads == [] and counted == [] and pools == []
    assert len(json.loads(cold["json"].out)["findings"]) == 5


def test_one_changed_file_loads_the_rules_once_and_analyses_only_it(
        project: Path, vigil: Runner, loads: list[str], counted: list[str]) -> None:
    _project(project, 6)
    assert vigil("check", "--jobs", "1").code == 1
    write(project / "pkg" / "m01.py", YAML_BAD)
    loads.clear()
    counted.clear()
    run = vigil("check", "--format", "json", "--jobs", "1")
    assert counted == ["pkg/m01.py"]
    assert loads.count("load") == 1
    assert ("pkg/m01.py", "DES002") in {(f["path"], f["rule"]) for f in json.loads(run.out)["findings"]}


def test_changed_rule_file_misses(project: Path, vigil: Runner, counted: list[str],
                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    rules = _rule_dir(tmp_path_factory.mktemp("rules"))
    write(project / "app.py", "dangerous(1)\n")
    assert vigil("check", "--rule-dir", str(rules), "--jobs", "1").code == 1
    counted.clear()
    assert vigil("check", "--rule-dir", str(rules), "--jobs", "1").code == 1
    assert counted == []
    rule = rules / "python" / "TST001-dangerous-call.toml"
    rule.write_text(rule.read_text(encoding="utf-8").replace('severity = "medium"', 'severity = "low"'),
                    encoding="utf-8")
    run = vigil("check", "--rule-dir", str(rules), "--jobs", "1", "--format", "json")
    assert counted == ["app.py"]
    assert [f["severity"] for f in json.loads(run.out)["findings"]] == ["low"]


def test_policy_and_version_changes_miss(project: Path, vigil: Runner, counted: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", YAML_BAD)
    assert vigil("check", "--jobs", "1").code == 1
    counted.clear()
    write(project / "pyproject.toml", '[tool.vigil]\nseverity = { "DES002" = "low" }\n')
    assert vigil("check", "--jobs", "1", "--fail-on", "medium").code == 0
    assert counted == ["app.py"]
    counted.clear()
    monkeypatch.setattr(vigil_cache, "__version__", "999.0.0")
    assert vigil("check", "--jobs", "1", "--fail-on", "medium").code == 0
    assert counted == ["app.py"]


def test_broken_rule_is_reported_even_when_every_file_is_cached(
        project: Path, vigil: Runner, tmp_path_factory: pytest.TempPathFactory) -> None:
    rules = _rule_dir(tmp_path_factory.mktemp("rules"))
    write(project / "app.py", CLEAN)
    assert vigil("check", "--rule-dir", str(rules)).code == 0
    write(rules / "python" / "TST002-broken.toml", "id = [")
    run = vigil("check", "--rule-dir", str(rules))
    assert run.code == 2 and "TST002-broken.toml" in run.err


def _drop_flags(directory: Path) -> int:
    """Delete the 'rules verified' rows, as if only the language server had filled the cache."""
    cache = ResultCache(directory)
    assert cache._cache is not None
    flags = [key for key in cache._cache.iterkeys() if key.startswith("flag:")]
    for key in flags:
        cache._cache.delete(key)
    cache.close()
    return len(flags)


def test_results_without_a_verified_rule_load_load_the_rules_once(
        project: Path, vigil: Runner, loads: list[str], counted: list[str]) -> None:
    """Rows written by someone who tolerates broken rules (the language server) must not let a
    fully cached CLI run skip the errors only a real load finds."""
    _project(project, 3)
    assert vigil("check", "--jobs", "1").code == 1
    assert _drop_flags(resolve_cache_dir()) == 1
    loads.clear()
    counted.clear()
    assert vigil("check", "--jobs", "1").code == 1
    assert counted == [] and loads.count("load") == 1  # verified, not re-analysed
    loads.clear()
    assert vigil("check", "--jobs", "1").code == 1
    assert loads == []


def test_selector_typo_fails_on_the_warm_path_too(project: Path, vigil: Runner, loads: list[str]) -> None:
    write(project / "app.py", YAML_BAD)
    assert vigil("check").code == 1
    loads.clear()
    run = vigil("check", "--select", "NOPE123")
    assert run.code == 2 and "NOPE123" in run.err


def test_read_rules_fingerprint_matches_the_loaded_rules(tmp_path: Path) -> None:
    """The CLI keys results by the parsed-only rule set's fingerprint; the language server by the
    loaded one's. Equal fingerprints keep the two sharing one cache."""
    extra = _rule_dir(tmp_path / "rules")
    dirs: Sequence[Path] = [*loader.default_rule_dirs(), extra]
    catalog = loader.read_rules(dirs)
    loaded = loader.load_rules(extra_directories=[extra])
    assert not catalog.errors and not loaded.errors
    assert catalog.fingerprint == loaded.fingerprint
    assert [r.id for r in catalog.rules] == [r.id for r in loaded.rules]
    assert catalog.rules == loaded.rules and not catalog.compiled


def test_cli_and_language_server_share_a_namespace(project: Path) -> None:
    """The CLI keys by the parsed-only rule set (read from TOML on the first run, from the cached
    catalog on the next); the server's workspace scan by its loaded one."""
    options = cli_check.CheckOptions(paths=[str(project)])
    config = cli_check.resolve_config(options)
    expected = namespace_for(config, loader.load_rules().fingerprint)
    for _ in range(2):
        opened: list[ResultCache] = []
        cache, namespace, rules = cli_check._open_cache(options, config, [], opened)
        assert cache is not None and opened == [cache] and rules.loaded is None
        cache.close()
        assert namespace == expected


@pytest.mark.parametrize("code", [0, 2])
def test_in_process_run_restores_logging(project: Path, vigil: Runner, code: int) -> None:
    write(project / "app.py", CLEAN)
    vigil_log, cache_log = logging.getLogger("vigil"), logging.getLogger("vigil.cache")
    handler = logging.NullHandler()
    vigil_log.setLevel(logging.INFO)
    cache_log.addHandler(handler)
    try:
        run = vigil("check") if code == 0 else vigil("check", "--select", "NOPE123")
        assert run.code == code
        assert vigil_log.level == logging.INFO
        assert cache_log.handlers == [handler] and cache_log.propagate
        assert cache_log.level == logging.NOTSET
    finally:
        vigil_log.setLevel(logging.NOTSET)
        cache_log.removeHandler(handler)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per parse of the rule files from TOML (``read_rules``) in this test."""
    calls: list[int] = []
    real = cli_check.read_rules

    def spy(directories: Sequence[Path]) -> RuleSet:
        calls.append(len(directories))
        return real(directories)

    monkeypatch.setattr(cli_check, "read_rules", spy)
    return calls


def test_warm_run_reads_the_rule_catalog_from_the_cache(
        project: Path, vigil: Runner, reads: list[int], tmp_path_factory: pytest.TempPathFactory) -> None:
    rules = _rule_dir(tmp_path_factory.mktemp("rules"))
    write(project / "app.py", "dangerous(1)\n")
    cold = vigil("check", "--rule-dir", str(rules), "--no-cache", "--format", "sarif")
    assert vigil("check", "--rule-dir", str(rules), "--format", "sarif").out == cold.out
    reads.clear()
    warm = vigil("check", "--rule-dir", str(rules), "--format", "sarif")
    assert reads == [] and (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)


def test_changed_rule_title_changes_the_warm_report(
        project: Path, vigil: Runner, reads: list[int], tmp_path_factory: pytest.TempPathFactory) -> None:
    """A rule edit that changes no finding (its title) must still reach the report: the cached
    catalog is keyed by every byte of the rule folders."""
    rules = _rule_dir(tmp_path_factory.mktemp("rules"))
    write(project / "app.py", "dangerous(1)\n")
    before = json.loads(vigil("check", "--rule-dir", str(rules), "--format", "json").out)
    assert vigil("check", "--rule-dir", str(rules), "--format", "json").code == 1
    rule = rules / "python" / "TST001-dangerous-call.toml"
    text = rule.read_text(encoding="utf-8")
    old_title = before["findings"][0]["title"]
    assert old_title and f'"{old_title}"' in text
    rule.write_text(text.replace(f'"{old_title}"', '"A renamed rule"'), encoding="utf-8")
    reads.clear()
    after = vigil("check", "--rule-dir", str(rules), "--format", "json")
    assert reads == [2]
    assert [f["title"] for f in json.loads(after.out)["findings"]] == ["A renamed rule"]
    assert after.out == vigil("check", "--rule-dir", str(rules), "--format", "json", "--no-cache").out


def test_added_rule_file_misses_the_catalog(
        project: Path, vigil: Runner, reads: list[int], tmp_path_factory: pytest.TempPathFactory) -> None:
    rules = _rule_dir(tmp_path_factory.mktemp("rules"))
    write(project / "app.py", "dangerous(1)\n")
    assert vigil("check", "--rule-dir", str(rules), "--select", "TST001").code == 1
    assert vigil("check", "--rule-dir", str(rules), "--select", "TST002").code == 2  # no such rule
    write(rules / "python" / "TST002-other-call.toml",
          REVIEW_RULE.replace("TST001", "TST002").replace("dangerous", "other"))
    reads.clear()
    assert vigil("check", "--rule-dir", str(rules), "--select", "TST002").code == 0
    assert reads == [2]


def test_undecodable_catalog_is_dropped_and_read_again(project: Path, vigil: Runner, reads: list[int]) -> None:
    write(project / "app.py", YAML_BAD)
    cold = vigil("check", "--format", "json", "--no-cache")
    assert vigil("check", "--format", "json").out == cold.out
    cache = ResultCache(resolve_cache_dir())
    assert cache._cache is not None
    rows = [key for key in cache._cache.iterkeys() if key.startswith("blob:catalog:")]
    assert len(rows) == 1
    cache._cache.set(rows[0], b'{"v":1,"fingerprint":"x","rules":[{"$c":"Popen","$f":{}}],"data_dirs":{}}')
    cache.close()
    reads.clear()
    assert vigil("check", "--format", "json").out == cold.out
    assert reads == [1]
    reads.clear()
    assert vigil("check", "--format", "json").out == cold.out
    assert reads == []  # stored again


def test_catalog_round_trips_every_bundled_rule() -> None:
    catalog = loader.read_rules(loader.default_rule_dirs())
    assert catalog.rules and not catalog.errors
    decoded, fingerprint = cli_catalog.decode(cli_catalog.encode(catalog, catalog.fingerprint))
    assert decoded.rules == catalog.rules
    assert decoded.data_dirs == catalog.data_dirs
    assert fingerprint == catalog.fingerprint == decoded.fingerprint


@pytest.mark.parametrize("payload", [
    b'{"v":1,"fingerprint":"f","rules":[{"$c":"Path","$f":{}}],"data_dirs":{}}',  # class not allowed
    b'{"v":1,"fingerprint":"f","rules":[{"$e":"Signals","$v":9}],"data_dirs":{}}',  # enum not allowed
    b'{"v":1,"fingerprint":"f","rules":[{"$e":"Severity","$v":99}],"data_dirs":{}}',  # no such member
    b'{"v":1,"fingerprint":"f","rules":[{"$c":"Docs","$f":{"why":"w"}}],"data_dirs":{}}',  # fields differ
    (b'{"v":1,"fingerprint":"f","rules":[{"$c":"Docs","$f":{"why":"w","fix":"f","references":{"$t":[]}}}],'
     b'"data_dirs":{}}'),  # not a Rule
    b'{"v":1,"fingerprint":"f","rules":[{"$t":[], "x": 1}],"data_dirs":{}}',  # extra key next to a tag
    b'{"v":1,"fingerprint":"f","rules":[{"$x":1}],"data_dirs":{}}',  # unknown tag
    b'{"v":1,"fingerprint":"f","rules":[{"id":"X001"}],"data_dirs":{}}',  # an untagged object
    b'{"v":2,"fingerprint":"f","rules":[],"data_dirs":{}}',
    b'[1]',
    b'not json',
    b'\xff\xfe',
])
def test_catalog_rejects_anything_it_did_not_write(payload: bytes) -> None:
    with pytest.raises(ValueError):
        cli_catalog.decode(payload)


def test_catalog_with_errors_is_never_stored(tmp_path: Path) -> None:
    broken = RuleSet(rules=[], errors=[loader.RuleError(tmp_path / "x.toml", "bad")])
    with pytest.raises(ValueError):
        cli_catalog.encode(broken, "f")
    cache = ResultCache(tmp_path / "cache")
    cli_catalog.store(cache, "digest", broken, "f")
    assert cache.get_blob(cli_catalog.catalog_key("digest")) is None
    cache.close()
