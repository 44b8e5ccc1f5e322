"""A 100,000-file workspace: CLI discovery time, and the language server's background scan.

Generates the tree in a scratch folder (tiny and empty ``.py`` files in nested packages, a
``.git`` folder, a ``.gitignore`` with folder and file patterns, and 1,500 files under
``node_modules``, ``.venv`` and an ignored ``build/`` that must never be walked), then:

1. ``Walker`` (what ``vigil check DIR`` uses) over the tree: files found, wall and CPU time.
2. ``python -m vigil serve`` on the tree with ``maxWorkspaceFiles`` above the file count and a
   fresh cache folder: while the scan runs, one open document is edited (``didChange`` -> the
   ``publishDiagnostics`` of that version) and hovered, every ``--probe`` seconds; the scan's
   progress notifications, its duration, the notifications it sent and the server's RSS are
   recorded. The scan is then cancelled half-way through a second run
   (``window/workDoneProgress/cancel``), and the time until its progress ends is measured.
3. The same server with the default limit (5,000): the scan is refused, with one message.

All traffic is on the server's stdio pipes. Prints a summary; ``--json`` writes it.

    python scripts/workspace_100k.py [--files 100000] [--json out.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vigil.cli.discovery import Walker
from vigil.config import Config

from tests.robustness.rpc import RECEIVED, Message, RawServer
from tests.robustness.workspace_tree import IGNORED_FILES, make_tree

CAPABILITIES = {"window": {"workDoneProgress": True}}
OPEN = "import yaml\n\ndef read(stream):\n    return yaml.load(stream)\n"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def discovery(root: Path) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    found = sum(1 for _ in Walker(Config()).candidates([root]))
    return {"files": found, "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2)}


class Probe:
    """Edits and hovers one open document and records how long each answer took."""

    def __init__(self, server: RawServer, uri: str) -> None:
        self.server, self.uri, self.version = server, uri, 1
        self.diagnostics_ms: list[float] = []
        self.hover_ms: list[float] = []
        self.other: list[Message] = []

    def once(self) -> None:
        self.version += 1
        sent = time.monotonic()
        self.server.change(self.uri, self.version, [{"range": {"start": {"line": 0, "character": 0},
                                                               "end": {"line": 0, "character": 0}},
                                                     "text": "#\n" if self.version % 2 else ""}])
        while True:  # keep the other notifications: the scan's progress and publishes
            message = self.server.next_notification(timeout=60)
            params = message.get("params", {})
            if (message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == self.uri
                    and params.get("version") == self.version):
                self.diagnostics_ms.append((message[RECEIVED] - sent) * 1000)
                break
            self.other.append(message)
        sent = time.monotonic()
        response = self.server.request("textDocument/hover", {
            "textDocument": {"uri": self.uri}, "position": {"line": 3, "character": 16}}, timeout=60)
        assert "error" not in response, response
        self.hover_ms.append((time.monotonic() - sent) * 1000)


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {"n": len(values), "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max": round(ordered[-1], 1)}


def progress_of(messages: list[Message]) -> list[dict[str, Any]]:
    return [m["params"]["value"] | {"token": m["params"]["token"], "at": m[RECEIVED]}
            for m in messages if m.get("method") == "$/progress"]


def full_scan(root: Path, work: Path, files: int, probe_every: float) -> dict[str, Any]:
    """Scan everything while probing; then start again and cancel half-way."""
    server = RawServer(work, env={"VIGIL_CACHE_DIR": str(work / "cache")})
    try:
        started = time.monotonic()
        server.initialize(root, capabilities=CAPABILITIES,
                          options={"settings": {"maxWorkspaceFiles": files * 2, "logLevel": "info"}})
        uri = (root / "pkg0" / "open_me.py").as_uri()
        server.open(uri, OPEN)
        probe = Probe(server, uri)
        rss: list[tuple[float, int]] = []
        ended = None
        while ended is None and time.monotonic() - started < 1800:
            probe.once()
            rss.append((round(time.monotonic() - started, 1), rss_kib(server.proc.pid)))
            probe.other += server.drain_notifications()
            ends = [p for p in progress_of(probe.other) if p["kind"] == "end"]
            ended = ends[0] if ends else None
            time.sleep(probe_every)
        assert ended is not None, "the scan did not end within 30 minutes"
        publishes = sum(1 for m in probe.other if m.get("method") == "textDocument/publishDiagnostics")
        logs = [m["params"]["message"] for m in probe.other if m.get("method") == "window/logMessage"]
        result: dict[str, Any] = {
            "scan_s": round(ended["at"] - started, 1), "end_message": ended.get("message"),
            "closed_file_publishes": publishes, "log": logs[-3:],
            "diagnostics_ms": stats(probe.diagnostics_ms), "hover_ms": stats(probe.hover_ms),
            "rss_mib": {"first": round(rss[0][1] / 1024, 1), "max": round(max(r for _, r in rss) / 1024, 1),
                        "last": round(rss[-1][1] / 1024, 1)},
        }
        # Cancel a second (cached) run half-way through.
        probe.other.clear()
        response = server.request("workspace/executeCommand", {"command": "vigil.scanWorkspace", "arguments": []})
        assert response.get("result") is True, response
        token = None
        while token is None:
            probe.once()
            probe.other += server.drain_notifications()
            reports = [p for p in progress_of(probe.other) if p["kind"] == "report" and p.get("percentage", 0) >= 10]
            token = reports[0]["token"] if reports else None
        cancelled_at = time.monotonic()
        server.notify("window/workDoneProgress/cancel", {"token": token})
        end = None
        while end is None:
            probe.other.append(server.wait_notification("$/progress", lambda m: m["params"]["token"] == token
                                                        and m["params"]["value"]["kind"] == "end", timeout=60))
            end = progress_of(probe.other[-1:])[0]
        result["cancel"] = {"at_percent": reports[0].get("percentage"), "end_message": end.get("message"),
                            "ms_to_end": round((end["at"] - cancelled_at) * 1000, 1)}
        result["rss_after_mib"] = round(rss_kib(server.proc.pid) / 1024, 1)
        return result
    finally:
        server.close()


def limited_scan(root: Path, work: Path) -> dict[str, Any]:
    """Default ``maxWorkspaceFiles``: the scan stops listing at 5,001 files and says so once."""
    server = RawServer(work, env={"VIGIL_CACHE_DIR": str(work / "cache")})
    try:
        started = time.monotonic()
        server.initialize(root, capabilities=CAPABILITIES)
        end = server.wait_notification("$/progress", lambda m: m["params"]["value"]["kind"] == "end", timeout=120)
        elapsed = end[RECEIVED] - started
        time.sleep(1.0)
        notes = server.drain_notifications()
        return {"seconds": round(elapsed, 2), "end_message": end["params"]["value"].get("message"),
                "publishes": sum(1 for m in notes if m.get("method") == "textDocument/publishDiagnostics"),
                "log": [m["params"]["message"] for m in notes if m.get("method") == "window/logMessage"]}
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--probe", type=float, default=0.5, help="seconds between edit+hover probes")
    parser.add_argument("--keep", type=Path, default=None, help="build the tree here and keep it")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="vigil-100k-"))
    root = args.keep or work / "ws"
    try:
        wall = time.perf_counter()
        if not (root / ".gitignore").exists():
            make_tree(root, args.files)
        report: dict[str, Any] = {"files": args.files, "ignored_files": IGNORED_FILES,
                                  "generate_s": round(time.perf_counter() - wall, 1)}
        report["discovery"] = discovery(root)
        print(f"discovery: {report['discovery']}", flush=True)
        report["limited"] = limited_scan(root, work)
        print(f"default limit: {report['limited']}", flush=True)
        report["scan"] = full_scan(root, work, args.files, args.probe)
        print(f"full scan: {json.dumps(report['scan'], indent=1)}", flush=True)
        if args.json:
            args.json.write_text(json.dumps(report, indent=1))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
