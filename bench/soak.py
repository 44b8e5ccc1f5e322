"""Soak test: ``--docs`` open documents edited at ``--rate`` edits per second for ``--minutes``.

Drives ``python -m vigil serve`` over stdio, types and deletes text at random places (all on
loopback pipes, nothing else), sends a hover every second, and samples the server's RSS and CPU
time every ``--sample`` seconds. Prints RSS over time, then latency percentiles: hover round
trip, and ``didChange`` -> the ``publishDiagnostics`` of that version (edits arrive faster than
some are analysed, so coalesced versions never publish; only published versions count). The
JSON report (``--out``) holds the settings, the machine and load average, every RSS sample,
the latency summaries per minute and overall, and the errors. Exit code 1 on any error (error
response, timeout, ERROR/Traceback in the server log, server gone) or when RSS keeps growing
(last quarter's median more than ``--max-growth`` above the second quarter's).

    python bench/soak.py --minutes 10 --docs 50 --rate 20 --out soak.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import load_average, machine, summary

from tests.robustness.rpc import RECEIVED, Message, RawServer, ServerGone

TEMPLATE = '''import os
import subprocess
import yaml


def handler_{n}(request, stream):
    data = yaml.load(stream)
    name = request.args.get("name")
    subprocess.run(f"echo {{name}}", shell=True)
    return data


class Service{n}:
    def run(self, cmd):
        os.system(cmd)
        return [x * 2 for x in range(10)]
'''
SNIPPETS = ["x", "(", ")", " ", "\n", "yaml.load(s)", "# note", "😀", "'", '"', ":", "\t"]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server so far (the machine is shared: wall time alone
    does not say whether the server kept up or was starved)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Latencies:
    """didChange -> publishDiagnostics of the same version, and hover round trips, bucketed
    by the minute of the run in which they were measured (a slow drift shows up per minute)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.sent: dict[tuple[str, int], float] = {}
        self.diagnostics: dict[int, list[float]] = {}
        self.hover: dict[int, list[float]] = {}

    def _minute(self, at: float) -> int:
        return int((at - self.started) // 60)

    def changed(self, uri: str, version: int, at: float) -> None:
        self.sent[(uri, version)] = at

    def published(self, message: Message) -> None:
        params = message.get("params", {})
        sent = self.sent.pop((params.get("uri"), params.get("version")), None)
        if sent is None:
            return
        received = message[RECEIVED]
        self.diagnostics.setdefault(self._minute(received), []).append((received - sent) * 1000)
        # Versions older than this one were coalesced away: forget them, so the map stays small.
        for key in [k for k in self.sent if k[0] == params["uri"] and k[1] < params["version"]]:
            del self.sent[key]

    def hovered(self, sent: float, received: float) -> None:
        self.hover.setdefault(self._minute(received), []).append((received - sent) * 1000)

    def report(self) -> dict[str, object]:
        def merged(buckets: dict[int, list[float]]) -> list[float]:
            return [v for values in buckets.values() for v in values]

        return {
            "diagnostics_ms": summary(merged(self.diagnostics)),
            "hover_ms": summary(merged(self.hover)),
            "per_minute": [{"minute": m, "diagnostics_ms": summary(self.diagnostics.get(m, [])),
                            "hover_ms": summary(self.hover.get(m, []))}
                           for m in sorted(set(self.diagnostics) | set(self.hover))],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="edits per second, all documents together")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--max-growth", type=float, default=0.5, help="allowed RSS growth ratio")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="vigil-soak-"))
    root = work / "ws"
    root.mkdir()
    server = RawServer(work)
    errors: list[str] = []
    samples: list[tuple[float, int]] = []
    cpu: list[tuple[float, float]] = []
    edits = 0
    load_before = load_average()
    latencies = Latencies(time.monotonic())
    try:
        server.initialize(root)
        texts: dict[str, list[str]] = {}
        versions: dict[str, int] = {}
        for n in range(args.docs):
            uri = (root / f"doc{n}.py").as_uri()
            texts[uri] = TEMPLATE.format(n=n).split("\n")
            versions[uri] = 1
            server.open(uri, "\n".join(texts[uri]))
        started = time.monotonic()
        latencies.started = started
        end = started + args.minutes * 60
        next_sample = started
        next_hover = started + 1
        interval = 1.0 / args.rate
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                samples.append((round(now - started, 1), rss_kib(server.proc.pid)))
                cpu.append((samples[-1][0], round(cpu_seconds(server.proc.pid), 2)))
                print(f"t={samples[-1][0]:7.1f}s rss={samples[-1][1] / 1024:7.1f} MiB edits={edits} "
                      f"server-cpu={cpu[-1][1]:.1f}s", flush=True)
                next_sample += args.sample
            uri = rng.choice(list(texts))
            lines = texts[uri]
            line = rng.randrange(len(lines))
            column = rng.randint(0, len(lines[line]))
            if rng.random() < 0.6 or not lines[line]:
                snippet = rng.choice(SNIPPETS)
                change = {"range": {"start": {"line": line, "character": column},
                                    "end": {"line": line, "character": column}}, "text": snippet}
                new = lines[line][:column] + snippet + lines[line][column:]
                lines[line:line + 1] = new.split("\n")
            else:
                stop = min(len(lines[line]), column + rng.randint(1, 5))
                column = min(column, stop)
                change = {"range": {"start": {"line": line, "character": column},
                                    "end": {"line": line, "character": stop}}, "text": ""}
                lines[line] = lines[line][:column] + lines[line][stop:]
            # Columns above are code points; keep the text ASCII-or-BMP-safe for UTF-16 by
            # resynchronising the whole document now and then (also exercises full changes).
            versions[uri] += 1
            latencies.changed(uri, versions[uri], time.monotonic())
            if any(ord(ch) > 0xFFFF for ch in lines[line]) or edits % 97 == 0:
                server.change(uri, versions[uri], [{"text": "\n".join(lines)}])
            else:
                server.change(uri, versions[uri], [change])
            edits += 1
            if now >= next_hover:
                next_hover += 1
                sent = time.monotonic()
                response = server.request("textDocument/hover", {
                    "textDocument": {"uri": uri}, "position": {"line": 6, "character": 12}}, timeout=30)
                latencies.hovered(sent, time.monotonic())
                if "error" in response:
                    errors.append(f"hover error: {response['error']}")
            for message in server.drain_notifications():
                if message.get("method") == "textDocument/publishDiagnostics":
                    latencies.published(message)
            delay = started + edits * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        samples.append((round(time.monotonic() - started, 1), rss_kib(server.proc.pid)))
        cpu.append((samples[-1][0], round(cpu_seconds(server.proc.pid), 2)))
        final = server.request("shutdown", timeout=60)
        if "error" in final:
            errors.append(f"shutdown error: {final['error']}")
    except (ServerGone, TimeoutError, BrokenPipeError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        code = server.close()
    log = server.log_text()
    shutil.rmtree(work, ignore_errors=True)
    errors += [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line][:20]
    quarter = max(1, len(samples) // 4)
    second = statistics.median(r for _, r in samples[quarter:2 * quarter] or samples)
    last = statistics.median(r for _, r in samples[-quarter:])
    growth = (last - second) / second if second else 0.0
    if growth > args.max_growth:
        errors.append(f"RSS grew {growth:.0%} from the second to the last quarter")
    timing = latencies.report()
    report = {"benchmark": "soak", "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
              "load_average": {"before": load_before, "after": load_average()},
              "minutes": args.minutes, "docs": args.docs, "rate": args.rate, "seed": args.seed,
              "edits": edits, "rss_kib": samples, "server_cpu_s": cpu,
              "rss_quarters_kib": {"second": second, "last": last}, "growth": round(growth, 3),
              **timing, "errors": errors, "exit_code": code}
    print(f"edits={edits} rss second-quarter={second / 1024:.1f} MiB last-quarter={last / 1024:.1f} MiB "
          f"growth={growth:+.1%} errors={len(errors)}")
    for name in ("diagnostics_ms", "hover_ms"):
        stats = timing[name]
        if stats.get("n"):
            print(f"{name}: n={stats['n']} p50={stats['p50']} p95={stats['p95']} p99={stats['p99']} "
                  f"max={stats['max']}")
    for error in errors:
        print(f"  error: {error}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
