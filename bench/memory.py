"""Resident memory of ``vigil serve``: idle, after opening 200 real files, after an edit session.

A pygls ``LanguageClient`` starts the server over stdio and reads its RSS from
``/proc/<pid>/status`` at each stage:

  1. after ``initialize`` (rules loaded, no document);
  2. after ``didOpen`` of 200 real standard-library modules (each waited for until its
     diagnostics arrive, so every tree and analysis exists);
  3. after a timed edit session (default 10 minutes) on the ~10k-line document of
     ``keystroke.py`` with the 200 files still open: the function-body typing script of
     ``keystroke.py`` over and over, each keystroke waited for (a fast, tireless typist);
  4. after closing everything (trees of closed documents must be dropped).

Usage:
  python bench/memory.py                      # 200 files, 10-minute session
  python bench/memory.py --quick              # 3 files, 3 seconds, for CI
  python bench/memory.py --files 200 --minutes 2
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import build_document, real_files  # noqa: E402
from _lsp import Session, rss_kib  # noqa: E402
from _report import load_average, summary, table, write_json  # noqa: E402
from keystroke import FUNCTION_WORD, _type_word, find_places  # noqa: E402


#: Files the engine does not finish analysing (measured: > 40 s inside the combined query's
#: ``QueryCursor.matches`` on html/entities.py, a 2,200-entry dict literal), which would block
#: the server and this benchmark; listed in docs/benchmarks.md as an open problem.
HANGS = ("html/entities.py",)


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


async def measure(files: int, minutes: float, size: int, encoding: str, exclude: tuple[str, ...]) -> dict[str, Any]:
    session = Session(encoding=encoding)
    stages: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="vigil-bench-mem-"))
    try:
        await session.start(root)

        def stage(name: str, **extra: Any) -> None:
            kib = rss_kib(session.pid)
            stages.append({"stage": name, "rss_mib": mib(kib), "load": load_average(), **extra})
            print(f"  {name}: {mib(kib)} MiB", file=sys.stderr, flush=True)

        await asyncio.sleep(0.5)
        stage("initialized")
        sources = real_files(files, exclude)
        open_ms: list[float] = []
        total_bytes = 0
        for index, source in enumerate(sources):
            path = root / f"f{index:03d}_{source.name}"
            text = source.read_text(encoding="utf-8")
            total_bytes += len(text.encode())
            path.write_text(text, encoding="utf-8", newline="")
            ms, _ = await session.open(path, text)
            open_ms.append(ms)
        stage(f"opened {len(sources)} files", source_mib=round(total_bytes / 2**20, 1),
              did_open=summary(open_ms))
        doc = build_document(size)
        places = find_places(doc)
        path = root / doc.path.name
        path.write_text(doc.text, encoding="utf-8", newline="")
        await session.open(path, doc.text)
        uri = path.as_uri()
        stage(f"opened the {doc.lines}-line document")
        samples: list[float] = []
        counts: list[int] = []
        deadline = time.monotonic() + minutes * 60
        rss_trace: list[tuple[float, float]] = []
        start = time.monotonic()
        line, indent = places.function_line, places.function_indent
        while time.monotonic() < deadline:
            end = len(session.docs[uri].lines[line])
            ms, _ = await session.replace(uri, (line, end), (line, end), "\n" + indent)
            samples.append(ms)
            await _type_word(session, uri, line + 1, len(indent), FUNCTION_WORD, samples, counts)
            ms, _ = await session.replace(uri, (line, end), (line + 1, len(indent)), "")
            samples.append(ms)
            rss_trace.append((round(time.monotonic() - start, 1), mib(rss_kib(session.pid))))
        stage(f"after a {minutes:g}-minute edit session", changes=len(samples), latency=summary(samples),
              rss_trace=rss_trace[:: max(1, len(rss_trace) // 60)])
        for open_uri in list(session.docs):
            session.close(open_uri)
        await asyncio.sleep(1.0)
        stage("closed everything")
    finally:
        await session.stop()
        shutil.rmtree(root, ignore_errors=True)
    return {"files": files, "minutes": minutes, "size": size, "encoding": encoding, "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--size", type=int, default=10000, help="lines of the edited document")
    parser.add_argument("--encoding", default="utf-16", choices=["utf-16", "utf-8"])
    parser.add_argument("--exclude", nargs="*", default=list(HANGS),
                        help="standard-library files to leave out (default: %(default)s, see HANGS)")
    parser.add_argument("--quick", action="store_true", help="3 files, 3 seconds: checks the script runs")
    parser.add_argument("--output", help="JSON file (default: bench/results/memory.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.files, args.minutes, args.size = 3, 3 / 60, 300
    payload = asyncio.run(measure(args.files, args.minutes, args.size, args.encoding, tuple(args.exclude)))
    payload["settings"] = {k: v for k, v in vars(args).items() if k != "output"}
    print(table(["stage", "RSS MiB", "load"],
                [[s["stage"], s["rss_mib"], s["load"][0] if s["load"] else "-"] for s in payload["stages"]]))
    path = write_json("memory", payload, args.output)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
