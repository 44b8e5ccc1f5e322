"""The settle step end to end: once typing pauses on a tree with syntax errors, the server
re-parses from scratch and publishes what a fresh analysis of the final text finds.

tree-sitter's error recovery depends on edit history, and while a tree is broken the region
analysis keeps the facts it had; so what is published right after a breaking keystroke can
differ from a fresh analysis (tests/unit/test_incremental.py checks the store-level half).
The edits below are ones where it does differ — found by a random search over the snippets of
test_incremental.py — so these tests fail if the settle step (``VigilServer._settle``,
``SETTLE_SECONDS``) is removed or stops publishing.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types
from vigil.config import Config
from vigil.documents.lines import LineIndex
from vigil.documents.positions import PositionCodec
from vigil.documents.store import uri_to_path
from vigil.engine.runner import Analyzer
from vigil.lsp.server import BACKGROUND_FULL_ANALYSIS_BYTES, SETTLE_SECONDS
from vigil.rules.loader import load_rules

from tests.lsp.conftest import Session

#: A module with findings before and after the line that gets broken.
TEXT = (
    '"""Module docstring."""\n'
    "import yaml\n"
    "from yaml import load, FullLoader\n"
    "\n"
    "def read(stream):\n"
    "    return yaml.load(stream)\n"
    "\n"
    "config = load(open('a.yml'), Loader=FullLoader)\n"
    "\n"
    "class Box:\n"
    "    def parse(self, s):\n"
    "        return yaml.unsafe_load(s)\n"
)

Key = tuple[object, int, int, int, int]


def _keys(diagnostics: list[types.Diagnostic]) -> list[Key]:
    return sorted((d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
                  for d in diagnostics)


def _fresh(session: Session, uri: str) -> list[Key]:
    """What a from-scratch ``vigil`` analysis of the client's final text finds, as ranges in the
    session's position encoding (the expected value comes from the engine, not the server)."""
    source = session.texts[uri].encode("utf-8")
    analysis = Analyzer(load_rules(), Config().policy()).analyze(source, uri_to_path(uri), language="python")
    codec, lines = PositionCodec(session.encoding), LineIndex.from_bytes(source)
    keys = []
    for finding in analysis.findings:
        r = codec.range(source, lines, finding.start, finding.end)
        keys.append((finding.rule_id, r.start.line, r.start.character, r.end.line, r.end.character))
    return sorted(keys)


async def _settled(session: Session, uri: str, want: list[Key], timeout: float = 15.0) -> list[Key]:
    """The diagnostics the client holds once the settle delay has passed: pulled, or the last
    ``publishDiagnostics`` pytest-lsp kept for ``uri`` (a notification that arrived while
    nobody was waiting is not lost). Polled until they equal ``want`` or ``timeout`` passes
    (a loaded CI machine can fire the timer late); the caller asserts on what is returned."""
    await asyncio.sleep(SETTLE_SECONDS * 2)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if session.pull:
            report = await session.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            got = _keys(list(report.items))
        else:
            got = _keys(list(session.client.diagnostics.get(uri, [])))
        if got == want or loop.time() > deadline:
            return got
        await asyncio.sleep(0.1)


def _position(text: str, offset: int, encoding: str) -> types.Position:
    before = text[:offset]
    line = before.count("\n")
    column = before[before.rfind("\n") + 1:]
    units = {"utf-8": len(column.encode("utf-8")), "utf-16": len(column.encode("utf-16-le")) // 2,
             "utf-32": len(column)}[encoding]
    return types.Position(line=line, character=units)


def _replace(session: Session, uri: str, old: str, new: str) -> types.TextEdit:
    text = session.texts[uri]
    start = text.index(old)
    return types.TextEdit(range=types.Range(start=_position(text, start, session.encoding),
                                            end=_position(text, start + len(old), session.encoding)),
                          new_text=new)


async def test_settle_publishes_the_fresh_analysis_of_a_broken_file(session: Session) -> None:
    """Deleting ``.yml')`` and pressing Enter leaves an unterminated string: a fresh parse no
    longer sees ``yaml.unsafe_load`` in ``class Box``, the incrementally edited tree still
    does. Right after the keystroke the server publishes the incremental result; after the
    pause, the fresh one."""
    await session.open("settle.py", TEXT)
    uri = session.uri("settle.py")
    before = _keys(await session.change(uri, [_replace(session, uri, ".yml')", "\n")]))
    want = _fresh(session, uri)
    assert before != want, "incremental already equals fresh here: this case no longer proves the settle step"
    assert await _settled(session, uri, want) == want


async def test_settle_after_typing_a_sequence_of_broken_edits(session: Session) -> None:
    """Several keystrokes on a broken tree, each applied incrementally; once they pause the
    published findings are those of a fresh analysis of the final text."""
    await session.open("typing.py", TEXT)
    uri = session.uri("typing.py")
    await session.change(uri, [_replace(session, uri, "(stream)\n\nconfig", "(stream)\n\nconfig(")])
    await session.change(uri, [_replace(session, uri, "class Box:", "class Box")])
    before = _keys(await session.change(uri, [_replace(session, uri, ".yml')", "\n")]))
    want = _fresh(session, uri)
    assert before != want, "incremental already equals fresh here: this case no longer proves the settle step"
    assert await _settled(session, uri, want) == want


async def test_settle_then_fix_returns_to_the_original_findings(session: Session) -> None:
    """Broken, settled, then fixed again: the findings are the original file's."""
    original = _keys(await session.open("fixed.py", TEXT))
    uri = session.uri("fixed.py")
    await session.change(uri, [_replace(session, uri, ".yml')", "\n")])
    await _settled(session, uri, _fresh(session, uri))
    await session.change(uri, [_replace(session, uri, "open('a\n", "open('a.yml')")])
    assert session.texts[uri] == TEXT
    assert _fresh(session, uri) == original
    assert await _settled(session, uri, original) == original


async def test_settle_of_a_large_file_survives_typing_during_the_job(session: Session) -> None:
    """Above ``BACKGROUND_FULL_ANALYSIS_BYTES`` the settle step runs in a background job while
    the current analysis stays in place. Keystrokes that arrive during the job are analysed
    and published incrementally; the overtaken job's result is dropped and the server settles
    again after the next pause, so what the client ends with is still the fresh analysis."""
    filler = "".join(f"def helper_{i}(value):\n    return str(value).strip()\n\n" for i in range(2600))
    text = filler + TEXT
    assert len(text.encode()) > BACKGROUND_FULL_ANALYSIS_BYTES
    await session.open("large.py", text)
    uri = session.uri("large.py")
    await session.change(uri, [_replace(session, uri, ".yml')", "\n")])
    await asyncio.sleep(SETTLE_SECONDS + 0.05)  # the settle job has started
    previous = "def helper_0("
    for word in ("# a\n", "# ab\n", "# abc\n"):  # typing resumes at the top meanwhile
        new = word + "def helper_0(" if previous.startswith("def") else word
        published = await session.change(uri, [_replace(session, uri, previous, new)])
        previous = word
        assert any(d.code == "DES002" for d in published), "a keystroke during the job published nothing"
    want = _fresh(session, uri)
    assert await _settled(session, uri, want, timeout=60.0) == want
