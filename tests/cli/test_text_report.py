"""Position conversion and the text reporter's code frames, on synthetic findings."""

from __future__ import annotations

from pathlib import Path

from vigil.engine.findings import Finding
from vigil.report.model import FileResult, LineIndex, Position, RenderOptions, ScanResult
from vigil.report.text import render
from vigil.rules.loader import RuleSet
from vigil.rules.model import Severity


def test_line_index_handles_every_line_break_and_code_points() -> None:
    source = "a = 1\r\nb = 'é'\rc = 3\nd".encode()
    index = LineIndex(source)
    assert index.line_count == 4
    assert index.position(0) == Position(1, 1)
    assert index.position(source.index(b"b")) == Position(2, 1)
    assert index.position(source.index(b"'") + 3) == Position(2, 7)  # after the 2-byte é: column 7
    assert index.position(source.index(b"c")) == Position(3, 1)
    assert index.position(source.index(b"d")) == Position(4, 1)
    assert index.position(source.index(b"\r\n") + 1) == Position(1, 6)  # between CR and LF
    assert index.position(len(source) + 10) == Position(4, 2)  # clamped to the end
    assert [index.line_text(n) for n in range(1, 5)] == ["a = 1", "b = 'é'", "c = 3", "d"]


def _scan(ruleset: RuleSet, source: bytes, start: int, end: int) -> ScanResult:
    finding = Finding("DES002", start, end, "message", Severity.MEDIUM)
    result = FileResult(Path("x.py").resolve(), "x.py", source, [finding])
    return ScanResult(files=[result], problems=[], files_checked=1, ruleset=ruleset, rules=ruleset.rules)


def test_long_spans_are_elided_and_spans_ending_at_a_line_break_stop_there(ruleset: RuleSet) -> None:
    source = b"call(\n    a,\n    b,\n    c,\n    d,\n)\n"
    text = render(_scan(ruleset, source, 0, len(source) - 1), RenderOptions())
    frame = text.splitlines()[1:9]
    assert frame == [
        "  |",
        "1 | call(",
        "  | ^^^^^",
        "2 |     a,",
        "  |     ^^",
        "3 |     b,",
        "  |     ^^",
        ". | ...",
    ]
    # A span that ends right after a line break does not underline the empty next line.
    text = render(_scan(ruleset, b"x = 1\ny = 2\n", 0, 6), RenderOptions())
    assert text.splitlines()[1:4] == ["  |", "1 | x = 1", "  | ^^^^^"]


def test_tabs_and_empty_spans(ruleset: RuleSet) -> None:
    source = b"\tx = f()\n"
    text = render(_scan(ruleset, source, 1, 2), RenderOptions())
    assert text.splitlines()[2:4] == ["1 |     x = f()", "  |     ^"]
    text = render(_scan(ruleset, source, 3, 3), RenderOptions())
    assert text.splitlines()[3] == "  |       ^"  # an empty span still gets one caret
