"""Keystroke latency of ``vigil serve`` seen by a real LSP client, and the incremental advantage.

A pygls ``LanguageClient`` starts ``python -m vigil serve`` over stdio, opens a document of
~1k / 10k / 50k lines of concatenated real standard-library modules (``_corpus.py``) and edits
it like a person does, one ``didChange`` per keystroke, timing each until the
``publishDiagnostics`` of that very version arrives:

  function  Enter (with the editor's auto-indent) at the end of a statement inside a function
            body in the second half of the file, type ``total = len(items) + 1`` one character
            at a time, Backspace it all, join the line again.
  module    on a blank line between two top-level statements (60% into the file): Enter,
            type ``print("ready", flush=True)``, Backspace it all, join.
  imports   the same inside the first import block: ``import json``. Imports are whole-file
            facts, so every one of these keystrokes is a full re-analysis by design.
  paste     paste a real ~50-line top-level function (from a module not in the document) at
            module level, then delete it (undo), repeated.

Brackets and quotes are typed the way VS Code sends them by default (``autoClosingBrackets``):
``(`` inserts ``()``, and typing ``)`` over the pending one replaces it; ``--no-autoclose``
types them bare. Half-typed code is a syntax error much of the time either way, so
tree-sitter's error recovery is part of the measurement.

Every script ends on the original text, so the last publish must list as many diagnostics as
the cold ``didOpen``; the JSON records whether it did. Run under UTF-16 and UTF-8 client
capabilities. The function script is then repeated with ``VIGIL_INCREMENTAL=0`` (the server
re-analyses the whole file on every change; ``--no-full`` skips it) and full / incremental is
reported as a ratio. Besides the client-side latency, the server's own CPU time per change
(``/proc/<pid>/stat``) is recorded: on a loaded machine it is the steadier number.

Usage:
  python bench/keystroke.py                      # the documented run (see docs/benchmarks.md)
  python bench/keystroke.py --quick              # a few seconds, for CI: checks that it runs
  python bench/keystroke.py --sizes 10000 --encodings utf-16 --locations function --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import STDLIB, Document, build_document, paste_block  # noqa: E402
from _lsp import Session, cpu_seconds  # noqa: E402
from _report import load_average, summary, table, write_json  # noqa: E402

from vigil.engine.languages import parse  # noqa: E402

FUNCTION_WORD = "total = len(items) + 1"
MODULE_WORD = 'print("ready", flush=True)'
IMPORT_WORD = "import json"
LOCATIONS = ("function", "module", "imports", "paste")


@dataclass(frozen=True)
class Places:
    """Where the scripts edit (0-based lines of the original document)."""

    function_line: int  # a statement inside a function body; Enter goes at its end
    function_indent: str
    module_line: int  # a blank line right above a top-level statement, 60% into the file
    import_line: int  # the first import statement
    paste_line: int  # the first line of a top-level statement, ~30% into the file


def find_places(doc: Document) -> Places:
    tree = parse(doc.text.encode(), "python")
    root = tree.root_node
    lines = doc.lines
    top = [n for n in root.named_children if n.type != "comment"]
    function_line, indent = -1, ""
    stack = list(reversed(root.named_children))
    while stack:  # pre-order: the first function starting in the second half of the file
        node = stack.pop()
        if node.type == "function_definition" and node.start_point.row >= lines // 2:
            body = node.child_by_field_name("body")
            first = body.named_children[0] if body is not None and body.named_children else None
            if first is not None and first.start_point.row == first.end_point.row \
                    and first.start_point.row > node.start_point.row:
                function_line = first.start_point.row
                indent = " " * first.start_point.column
                break
        stack.extend(reversed(node.named_children))
    if function_line < 0:
        raise RuntimeError("no function body with a one-line first statement in the second half")

    def top_level_at(fraction: float) -> int:
        return next(n.start_point.row for n in top if n.start_point.row >= lines * fraction
                    and n.start_point.column == 0)

    text_lines = doc.text.split("\n")
    module_line = next(n.start_point.row - 1 for n in top if n.start_point.row >= lines * 0.6
                       and n.start_point.column == 0 and text_lines[n.start_point.row - 1] == "")
    import_line = next(n.start_point.row for n in top if n.type in ("import_statement", "import_from_statement"))
    return Places(function_line, indent, module_line, import_line, top_level_at(0.3))


async def run_location(session: Session, uri: str, places: Places, location: str, passes: int,
                       paste: str, autoclose: bool) -> tuple[list[float], int]:
    samples: list[float] = []
    counts: list[int] = []
    doc = session.docs[uri]
    for _ in range(passes):
        if location == "function":
            line = places.function_line
            # Enter + the editor's auto-indent in one change, as editors send it.
            end = len(doc.lines[line])
            ms, n = await session.replace(uri, (line, end), (line, end), "\n" + places.function_indent)
            samples.append(ms)
            counts.append(n)
            await _type_word(session, uri, line + 1, len(places.function_indent), FUNCTION_WORD, samples, counts,
                             autoclose)
            ms, n = await session.replace(uri, (line, end), (line + 1, len(places.function_indent)), "")
            samples.append(ms)
            counts.append(n)
        elif location in ("module", "imports"):
            line = places.module_line if location == "module" else places.import_line
            word = MODULE_WORD if location == "module" else IMPORT_WORD
            ms, n = await session.replace(uri, (line, 0), (line, 0), "\n")
            samples.append(ms)
            counts.append(n)
            await _type_word(session, uri, line, 0, word, samples, counts, autoclose)
            ms, n = await session.replace(uri, (line, 0), (line + 1, 0), "")
            samples.append(ms)
            counts.append(n)
        elif location == "paste":
            line = places.paste_line
            added = paste.count("\n")
            ms, n = await session.replace(uri, (line, 0), (line, 0), paste)
            samples.append(ms)
            counts.append(n)
            ms, n = await session.replace(uri, (line, 0), (line + added, 0), "")
            samples.append(ms)
            counts.append(n)
        else:
            raise ValueError(location)
    return samples, counts[-1] if counts else -1


PAIRS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'"}


def typing_changes(word: str, column: int, autoclose: bool) -> list[tuple[int, int, str]]:
    """(start, end, text) changes on one line that type ``word`` starting at ``column``.

    With ``autoclose`` (VS Code's default ``editor.autoClosingBrackets``/``Quotes``, and common
    in Neovim and Emacs setups) an opening bracket or quote inserts its pair, and typing the
    closing character over a pending one replaces it, as editors send it."""
    changes: list[tuple[int, int, str]] = []
    pending = ""  # auto-inserted closers after the cursor
    cursor = column
    for char in word:
        if autoclose and pending and pending[0] == char:
            changes.append((cursor, cursor + 1, char))
            pending = pending[1:]
        elif autoclose and char in PAIRS:
            changes.append((cursor, cursor, char + PAIRS[char]))
            pending = PAIRS[char] + pending
        else:
            changes.append((cursor, cursor, char))
        cursor += 1
    return changes


async def _type_word(session: Session, uri: str, line: int, column: int, word: str,
                     samples: list[float], counts: list[int], autoclose: bool = True) -> None:
    """Type ``word`` one keystroke at a time, then Backspace it all."""
    for start, end, text in typing_changes(word, column, autoclose):
        ms, n = await session.replace(uri, (line, start), (line, end), text)
        samples.append(ms)
        counts.append(n)
    for index in range(len(word), 0, -1):
        ms, n = await session.replace(uri, (line, column + index - 1), (line, column + index), "")
        samples.append(ms)
        counts.append(n)


async def one_session(doc: Document, places: Places, encoding: str, incremental: bool,
                      locations: list[str], passes: dict[str, int], paste: str,
                      autoclose: bool) -> dict[str, Any]:
    session = Session(encoding=encoding, env={"VIGIL_INCREMENTAL": "1" if incremental else "0"})
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-ws-") as folder:
        root = Path(folder)
        initialize_ms = await session.start(root)
        try:
            path = root / doc.path.name
            path.write_text(doc.text, encoding="utf-8", newline="")
            open_ms, open_count = await session.open(path, doc.text)
            uri = path.as_uri()
            results: dict[str, Any] = {}
            for location in locations:
                cpu_before = cpu_seconds(session.pid)
                samples, last = await run_location(session, uri, places, location, passes[location], paste,
                                                      autoclose)
                cpu = cpu_seconds(session.pid) - cpu_before
                results[location] = {**summary(samples), "samples_ms": [round(s, 3) for s in samples],
                                     "server_cpu_ms_per_change": round(cpu * 1000 / max(1, len(samples)), 2),
                                     "final_diagnostics": last, "consistent": last == open_count}
        finally:
            await session.stop()
    return {"lines": doc.lines, "encoding": encoding, "incremental": incremental,
            "initialize_ms": round(initialize_ms, 1), "did_open_ms": round(open_ms, 1),
            "did_open_diagnostics": open_count, "load_before": load_before, "load_after": load_average(),
            "locations": results}


async def main_async(args: argparse.Namespace, checkpoint: Any) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    documents: dict[int, Any] = {}
    for size in args.sizes:
        doc = build_document(size)
        places = find_places(doc)
        paste = paste_block(args.paste_lines, exclude=frozenset(STDLIB / m for m in doc.modules))
        documents[size] = {"lines": doc.lines, "path": str(doc.path), "modules": list(doc.modules),
                           "places": places.__dict__, "paste_lines": paste.count("\n")}
        plans: list[tuple[str, bool, list[str], dict[str, int]]] = []
        for encoding in args.encodings:
            locations = [loc for loc in args.locations if loc != "imports"
                         or (encoding == args.encodings[0] and size in (args.import_sizes or args.sizes))]
            plans.append((encoding, True, locations, {"function": args.passes, "module": args.passes,
                                                      "imports": args.import_passes, "paste": args.paste_passes}))
        if args.full and size in args.full_sizes:
            plans.append((args.encodings[0], False, ["function"], {"function": args.full_passes}))
        for repeat in range(args.repeat):
            for encoding, incremental, locations, passes in plans:
                if not incremental and repeat >= args.full_repeat:
                    continue
                if repeat >= args.slow_repeat:  # imports/paste re-analyse the file: fewer runs
                    locations = [loc for loc in locations if loc in ("function", "module")]
                if not locations:
                    continue
                print(f"  {doc.lines:,} lines, {encoding}, {'incremental' if incremental else 'full'}, "
                      f"run {repeat + 1}: {', '.join(locations)} ...", file=sys.stderr, flush=True)
                run = await one_session(doc, places, encoding, incremental, locations, passes, paste,
                                        args.autoclose)
                run["size"], run["repeat"] = size, repeat
                runs.append(run)
                checkpoint({"documents": documents, "runs": runs, "partial": True})
    return {"documents": documents, "runs": runs, "pooled": pooled(runs), "ratios": ratios(runs)}


def pooled(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All samples of one (size, encoding, mode, edit) over every repeat, summarised together."""
    groups: dict[tuple[int, int, str, bool, str], list[dict[str, Any]]] = {}
    for run in runs:
        for location, stats in run["locations"].items():
            key = (run["size"], run["lines"], run["encoding"], run["incremental"], location)
            groups.setdefault(key, []).append(stats)
    out = []
    for (size, lines, encoding, incremental, location), parts in groups.items():
        samples = [x for part in parts for x in part["samples_ms"]]
        cpu = statistics.fmean(part["server_cpu_ms_per_change"] for part in parts)
        out.append({"size": size, "lines": lines, "encoding": encoding, "incremental": incremental,
                    "location": location, "sessions": len(parts), **summary(samples),
                    "server_cpu_ms_per_change": round(cpu, 2), "consistent": all(p["consistent"] for p in parts)})
    return out


def ratios(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """full / incremental for the function script, per size (medians over repeats)."""
    out = []
    for size in sorted({r["size"] for r in runs}):
        def med(incremental: bool, key: str, size: int = size) -> float | None:
            values = [r["locations"]["function"][key] for r in runs if r["size"] == size
                      and r["incremental"] is incremental and r["encoding"] == runs[0]["encoding"]
                      and "function" in r["locations"]]
            return statistics.median(values) if values else None
        inc, full = med(True, "p50"), med(False, "p50")
        if inc and full:
            out.append({"size": size, "incremental_p50": inc, "full_p50": full, "ratio_p50": round(full / inc, 1),
                        "incremental_mean": med(True, "mean"), "full_mean": med(False, "mean"),
                        "ratio_mean": round((med(False, "mean") or 0) / (med(True, "mean") or 1), 1)})
    return out


def print_tables(payload: dict[str, Any]) -> None:
    print(table(["lines", "encoding", "mode", "edit", "sessions", "changes", "p50 ms", "p95 ms", "p99 ms",
                 "max ms", "server CPU ms/change", "same diags"],
                [[f"{g['lines']:,}", g["encoding"], "incr" if g["incremental"] else "FULL", g["location"],
                  g["sessions"], g["n"], g["p50"], g["p95"], g["p99"], g["max"], g["server_cpu_ms_per_change"],
                  "yes" if g["consistent"] else "NO"] for g in payload["pooled"]]))
    print()
    rows = []
    for run in payload["runs"]:
        for location, stats in run["locations"].items():
            rows.append([f"{run['lines']:,}", run["encoding"], "incr" if run["incremental"] else "FULL",
                         run["repeat"] + 1, location, stats["n"], stats["p50"], stats["p95"], stats["p99"],
                         stats["max"], stats["server_cpu_ms_per_change"], "yes" if stats["consistent"] else "NO",
                         " ".join(str(x) for x in run["load_before"][:1])])
    print(table(["lines", "encoding", "mode", "run", "edit", "changes", "p50 ms", "p95 ms", "p99 ms",
                 "max ms", "server CPU ms/change", "same diags", "load"], rows))
    print()
    opens = [[f"{r['lines']:,}", r["encoding"], "incr" if r["incremental"] else "FULL", r["repeat"] + 1,
              r["did_open_ms"], r["did_open_diagnostics"], r["initialize_ms"]] for r in payload["runs"]]
    print(table(["lines", "encoding", "mode", "run", "didOpen ms", "diagnostics", "initialize ms"], opens))
    if payload["ratios"]:
        print()
        print(table(["lines", "incremental p50 ms", "full p50 ms", "ratio (p50)", "ratio (mean)"],
                    [[f"{r['size']:,}", r["incremental_p50"], r["full_p50"], f"{r['ratio_p50']}x",
                      f"{r['ratio_mean']}x"] for r in payload["ratios"]]))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--encodings", nargs="+", default=["utf-16", "utf-8"], choices=["utf-16", "utf-8"],
                        help="the first one also runs the import-block script and the full baseline")
    parser.add_argument("--locations", nargs="+", default=list(LOCATIONS), choices=LOCATIONS)
    parser.add_argument("--passes", type=int, default=3, help="passes of the function/module scripts")
    parser.add_argument("--import-passes", type=int, default=1)
    parser.add_argument("--import-sizes", type=int, nargs="*", default=None,
                        help="sizes that run the imports script (default: all)")
    parser.add_argument("--paste-passes", type=int, default=5)
    parser.add_argument("--paste-lines", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2, help="fresh server sessions per configuration")
    parser.add_argument("--slow-repeat", type=int, default=1,
                        help="sessions that also run the imports and paste scripts (full re-analyses)")
    parser.add_argument("--no-full", dest="full", action="store_false", help="skip the VIGIL_INCREMENTAL=0 baseline")
    parser.add_argument("--full-sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--full-passes", type=int, default=1)
    parser.add_argument("--full-repeat", type=int, default=1)
    parser.add_argument("--no-autoclose", dest="autoclose", action="store_false",
                        help="type brackets and quotes without their auto-inserted closing pair")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one pass: checks the script runs")
    parser.add_argument("--output", help="JSON file (default: bench/results/keystroke.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.full_sizes, args.passes, args.paste_passes = [300], [300], 1, 1
        args.repeat, args.paste_lines = 1, 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = {k: v for k, v in vars(args).items() if k != "output"}

    def checkpoint(partial: dict[str, Any]) -> None:
        """Long runs write what they have after every session (a kill loses one session)."""
        write_json("keystroke", {**partial, "settings": settings}, args.output)

    payload = asyncio.run(main_async(args, checkpoint))
    payload["settings"] = settings
    print_tables(payload)
    path = write_json("keystroke", payload, args.output)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
