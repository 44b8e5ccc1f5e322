"""``--format html``: a self-contained page, escaped, and working in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.cli.helpers import Runner, write

SOURCE = textwrap.dedent('''\
    import pickle
    import yaml


    def read(stream):
        return yaml.load(stream)


    def restore(blob):
        banner = "</script><script>document.title='pwned'</script>\u202e"
        return pickle.loads(blob)
    ''')

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium (apt-get install chromium)")


def _report(project: Path, vigil: Runner) -> Path:
    write(project / "src" / "app.py", SOURCE)
    run = vigil("check", "--format", "html", "-o", "report.html")
    assert run.code == 1, run.err
    return project / "report.html"


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_page_is_self_contained_and_escaped(project: Path, vigil: Runner) -> None:
    page = _report(project, vigil).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page and "<link" not in page
    # The scanned code's markup is text, never markup: only Vigil's own script tag exists.
    assert page.count("<script") == 1
    assert "&lt;/script&gt;&lt;script&gt;" in page
    assert "&lt;U+202E&gt;" in page and "\u202e" not in page
    for rule in ("DES001", "DES002", "LLM013"):
        assert f'data-rule="{rule}"' in page
    assert "By CWE" in page and "CWE-502" in page
    assert "safe fix:" in page


def test_empty_report(project: Path, vigil: Runner) -> None:
    write(project / "ok.py", "x = 1\n")
    run = vigil("check", "--format", "html")
    assert run.code == 0 and "No findings." in run.out


@needs_chromium
def test_renders_and_filters_in_headless_chromium(project: Path, vigil: Runner) -> None:
    report = _report(project, vigil)
    loaded = _chromium("--dump-dom", report.as_uri())
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    dom = loaded.stdout
    assert '<span id="shown">3</span>' in dom  # the script ran and counted (DES001, DES002, LLM013)
    # The scanned code's "</script><script>document.title='pwned'" stayed text: no second
    # script element in the live DOM, and the title is Vigil's.
    assert dom.count("<script") == 1 and "<title>Vigil report: 3 findings</title>" in dom
    assert "Uncaught" not in loaded.stderr
    filtered = _chromium("--dump-dom", report.as_uri() + "#rule=DES001")
    articles = re.findall(r'<article class="finding"[^>]*>', filtered.stdout)
    hidden = {re.search(r'data-rule="(\w+)"', a).group(1): "hidden" in a for a in articles}  # type: ignore[union-attr]
    assert hidden == {"DES001": False, "DES002": True, "LLM013": True}
    assert '<span id="shown">1</span>' in filtered.stdout
    by_severity = _chromium("--dump-dom", report.as_uri() + "#severity=low,info")
    assert '<span id="shown">0</span>' in by_severity.stdout


@needs_chromium
def test_screenshot(project: Path, vigil: Runner, tmp_path_factory: pytest.TempPathFactory) -> None:
    report = _report(project, vigil)
    shot = tmp_path_factory.mktemp("shot") / "report.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=1200,1400", report.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a rendered page, not a blank one
