"""Measure the keystroke path in process on a ~10k-line file: LSP change -> findings.

    python tests/lsp/bench_keystroke.py [N]

The file is CPython's subprocess.py + argparse.py + typing.py + shutil.py (about 9.9k lines,
like the prototype in shared/reference) plus a function with an insecure call. Each keystroke
types one character (then deletes it) inside a function at line ~5000, in two variants: inside
an identifier (the tree stays valid: the common case) and at the start of a statement (the
line becomes a syntax error, so tree-sitter's error recovery runs), through the same code
the server runs in ``didChange``: ``DocumentStore.apply_changes`` (byte splice, line index,
``Tree.edit``, incremental re-parse) and ``IncrementalAnalyzer.needs_full`` + ``incremental``.
Publishing (``to_diagnostics``) is timed separately. Prints medians and p95 in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import sysconfig
import time
from pathlib import Path

from lsprotocol import types
from vigil.documents.positions import PositionCodec
from vigil.documents.store import DocumentStore
from vigil.engine.incremental import IncrementalAnalyzer
from vigil.engine.runner import Analyzer
from vigil.lsp.convert import to_diagnostics
from vigil.rules.loader import load_rules

SAMPLE = "import yaml\n\ndef insecure(s):\n    return yaml.load(s)\n"


def build() -> str:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts = [(stdlib / name).read_text(encoding="utf-8") for name in
             ("subprocess.py", "argparse.py", "typing.py", "shutil.py")]
    return "".join(parts) + SAMPLE


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main(n: int) -> None:
    text = build()
    rules = load_rules()
    engine = IncrementalAnalyzer(Analyzer(rules))
    store = DocumentStore()
    codec = PositionCodec("utf-16")
    doc = store.open("file:///bench/big.py", 1, text, "python")
    start = time.perf_counter()
    store.analyse(doc, engine, None)
    full_ms = (time.perf_counter() - start) * 1000
    lines = text.splitlines()
    # A statement inside a function body near the middle of the file.
    target = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("        return ")
                  and "(" in lines[i])
    results = {}
    for variant, column in (("identifier", lines[target].index("(") - 1),
                            ("syntax-breaking", len(lines[target]) - len(lines[target].lstrip()))):
        results[variant] = _keystrokes(store, doc, engine, codec, rules, target, column, n)
    assert doc.analysis is not None
    print(f"file: {len(lines)} lines, {len(doc.source)} bytes, {len(rules.rules)} rules, "
          f"{len(doc.analysis.findings)} findings; edits on line {target + 1}: {lines[target].strip()!r}")
    print(f"full analysis on open: {full_ms:.1f} ms")
    for variant, (keystroke, publish, modes) in results.items():
        print(f"{variant} keystroke (apply change + region analysis), {len(keystroke)} edits: "
              f"median {statistics.median(keystroke):.2f} ms, p95 {p95(keystroke):.2f} ms; modes {modes}; "
              f"diagnostics conversion median {statistics.median(publish):.2f} ms")


def _keystrokes(store: DocumentStore, doc, engine: IncrementalAnalyzer, codec: PositionCodec,  # type: ignore[no-untyped-def]
                rules, target: int, column: int, n: int) -> tuple[list[float], list[float], dict[str, int]]:
    keystroke: list[float] = []
    publish: list[float] = []
    modes: dict[str, int] = {}
    for _ in range(n):
        for insert in (True, False):
            version = doc.version + 1
            pos = types.Position(line=target, character=column)
            end = pos if insert else types.Position(line=target, character=column + 1)
            change = types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=end),
                                                            text="x" if insert else "")
            t0 = time.perf_counter()
            result = store.apply_changes(doc, version, [change], codec)
            assert doc.analysis is not None and doc.tree is not None
            if engine.needs_full(doc.analysis, doc.source, doc.tree, result.edits, result.changed):
                doc.analysis = engine.full(doc.source, doc.tree, doc.path)
            else:
                doc.analysis = engine.incremental(doc.analysis, doc.source, doc.tree, result.edits,
                                                  result.changed)
            t1 = time.perf_counter()
            to_diagnostics(doc, codec, rules)
            t2 = time.perf_counter()
            keystroke.append((t1 - t0) * 1000)
            publish.append((t2 - t1) * 1000)
            modes[doc.analysis.mode] = modes.get(doc.analysis.mode, 0) + 1
    return keystroke, publish, modes


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
