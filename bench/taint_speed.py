"""How long the taint engine takes on a 2,000-line file.

The file is generated from realistic Flask-style handlers (sources, helpers, classes, loops,
branches, sinks of every taint rule), repeated until it has 2,000 lines, so every function
really is analysed. Three numbers are reported (min and median of N runs, fresh tree each run so the
per-tree memo does not hide work):

  taint-only   FileTaint built and EVERY function analysed (what the taint checks cost at most)
  taint rules  the Analyzer restricted to the taint rules (queries + checks + taint engine)
  all rules    the Analyzer with every bundled rule, for context

With ``--modules FILE...`` it instead reports the taint rules' CPU time on each real module
(the standard library's doctest.py, pydoc.py, pdb.py... once exceeded the 5 s per-rule
budget: their neighbours are helper modules the engine reads, see ``ModuleSession``).

Usage: python bench/taint_speed.py [--runs 15] [--lines 2000] [--modules FILE...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from vigil.engine.languages import parse  # noqa: E402
from vigil.engine.names import collect_names  # noqa: E402
from vigil.engine.runner import Analyzer, Policy  # noqa: E402
from vigil.engine.taint import FileTaint, spec_for  # noqa: E402
from vigil.rules.loader import load_rules  # noqa: E402
from vigil.rules.model import Rule  # noqa: E402

HEADER = '''\
import os
import subprocess
import sqlite3
import logging
import requests
from flask import Flask, request, redirect, session, render_template_string, send_file
from markupsafe import Markup, escape

app = Flask(__name__)
db = sqlite3.connect("app.db")
log = logging.getLogger(__name__)
ALLOWED = ("a", "b", "c")
'''

BLOCK = '''

def build_query_{n}(table, column, value):
    parts = {{"table": table, "column": column}}
    sql = "SELECT * FROM " + parts["table"]
    if value:
        sql += f" WHERE {{column}} = '{{value}}'"
    return sql


class Repo{n}:
    def __init__(self, table):
        self.table = table
        self.cache = {{}}

    def count(self, where):
        return db.execute("SELECT count(*) FROM " + self.table + " WHERE " + where)

    def get(self, key):
        if key in self.cache:
            return self.cache[key]
        value = db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        self.cache[key] = value
        return value


@app.route("/search{n}/<name>")
def search_{n}(name):
    q = request.args.get("q", "")
    page = int(request.args.get("page", 1))
    rows = []
    for word in q.split():
        if word in ALLOWED:
            rows.append(word)
    sql = build_query_{n}("items", "name", q)
    db.execute(sql)
    repo = Repo{n}("items")
    repo.count(f"page = {{page}}")
    log.info("search %s", q)
    if 7 * 18 - 106 > 200:
        os.system("echo " + q)
    target = request.args.get("next", "/")
    if target not in ALLOWED:
        target = "/"
    session["last"] = escape(q)
    return redirect(target)


@app.route("/render{n}")
def render_{n}():
    body = request.form.get("body", "")
    title = "Page {n}"
    while len(title) < 20:
        title = title + "."
    try:
        data = requests.get("https://api.example.com/{n}", timeout=5).json()
    except Exception:
        data = {{}}
    html = "<h1>" + title + "</h1>" + str(escape(body))
    path = os.path.join("/srv", os.path.basename(request.args.get("f", "x")))
    with open(path) as fh:
        content = fh.read()
    subprocess.run(["ls", path], check=True)
    return render_template_string("{{{{ t }}}}", t=Markup(html) + content + str(data))
'''


def make_source(lines: int) -> bytes:
    text = HEADER
    n = 0
    while text.count("\n") < lines:
        text += BLOCK.format(n=n)
        n += 1
    return "\n".join(text.splitlines()[:lines]).encode() + b"\n"


class Only(Policy):
    def __init__(self, ids: set[str]) -> None:
        self.ids = ids

    def enabled(self, rule: Rule, path: str | None) -> bool:
        return rule.id in self.ids


def median_ms(func, runs: int) -> str:
    """CPU time of this process and wall time, minimum and median over the runs. On a shared,
    loaded machine the minimum is the best estimate of the cost itself."""
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        started_cpu = time.process_time()
        started = time.perf_counter()
        func()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return (f"min {min(cpu):6.1f} / median {statistics.median(cpu):6.1f} ms CPU"
            f"  (wall: min {min(wall):6.1f} / median {statistics.median(wall):6.1f} ms)")


def modules(paths: list[Path], runs: int) -> int:
    """CPU time of the taint rules on each module (its own path, so neighbours are found)."""
    ruleset = load_rules()
    taint_ids = {r.id for r in ruleset.rules if r.check and r.check.startswith("vigil.rules.checks.taint:")}
    analyzer = Analyzer(ruleset, Only(taint_ids), rule_budget=None)
    total = 0.0
    for path in paths:
        source = path.read_bytes()
        best = min(_cpu(lambda source=source, path=path: analyzer.analyze(source, str(path)))
                   for _ in range(runs))
        total += best
        print(f"{best * 1000:9.1f} ms CPU  {path}")
    print(f"{total * 1000:9.1f} ms CPU  total ({len(paths)} modules, min of {runs} runs each)")
    return 0


def _cpu(func) -> float:
    started = time.process_time()
    func()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--modules", nargs="+", type=Path, default=None,
                        help="real modules to analyse with the taint rules instead")
    args = parser.parse_args()
    if args.modules:
        return modules(args.modules, args.runs)
    source = make_source(args.lines)
    ruleset = load_rules()
    taint_ids = {r.id for r in ruleset.rules if r.check and r.check.startswith("vigil.rules.checks.taint:")}
    spec = spec_for()

    def taint_only() -> None:
        tree = parse(source)
        state = FileTaint(tree, source, collect_names(tree), spec, "app/views.py")
        for info in list(state.functions.values()):
            state.flow(info)

    taint_rules = Analyzer(ruleset, Only(taint_ids))
    all_rules = Analyzer(ruleset)
    tree = parse(source)
    parse_ms = median_ms(lambda: parse(source), args.runs)
    state = FileTaint(tree, source, collect_names(tree), spec)
    functions = len(state.functions)
    findings = len(taint_rules.analyze(source, "app/views.py").findings)
    line_count = source.count(b"\n")
    print(f"file: {line_count} lines, {len(source)} bytes, {functions} functions (incl. module)")
    print(f"parse only:   {parse_ms}")
    print(f"taint-only:   {median_ms(taint_only, args.runs)}  (parse + every function analysed)")
    print(f"taint rules:  {median_ms(lambda: taint_rules.analyze(source, 'app/views.py'), args.runs)}"
          f"  ({len(taint_ids)} rules, {findings} findings)")
    print(f"all rules:    {median_ms(lambda: all_rules.analyze(source, 'app/views.py'), args.runs)}"
          f"  ({len(ruleset.rules)} rules)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
