"""Score the taint rules on the paired corpus in ``tests/taint/corpus/``: per-class TPR, FPR.

Each corpus file holds one vulnerability class. Its first line names the rules of the class
(``# rules: INJ005 INJ006``); ``# %% prelude`` code is prepended to every case; cases start with
``# %% vulnerable: <name>`` or ``# %% safe: <name>``, and a vulnerable and a safe case with the
same name form a pair of the same shape. A vulnerable case counts as detected when a rule of
the class fires on a line marked ``# expect``; a safe case is a false positive when any rule of
the class fires anywhere in it.

Usage: python scripts/taint_scores.py [--write] [--compare]
  --write    also write docs/taint-scores.md
  --compare  score Bandit and Ruff (S rules) on the same cases, for reference
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "taint" / "corpus"
DOC = ROOT / "docs" / "taint-scores.md"

_HEADER = re.compile(r"^# %% (vulnerable|safe|prelude)(?::\s*(\S+))?\s*$")

#: Bandit / Ruff codes that target each class (for --compare).
COMPETITORS: dict[str, tuple[set[str], set[str]]] = {
    "sql": ({"B608", "B610", "B611"}, {"S608", "S610", "S611"}),
    "command": ({"B602", "B605", "B601", "B604", "B609"}, {"S602", "S605", "S601", "S604", "S609"}),
    "code": ({"B307", "B102"}, {"S307", "S102"}),
    "path": (set(), set()),
    "xpath": ({"B320"}, {"S320"}),
    "ldap": (set(), set()),
    "ssrf": ({"B310"}, {"S310"}),
    "redirect": (set(), set()),
    "xss": ({"B703", "B704", "B701"}, {"S308", "S704", "S701"}),
    "template": ({"B701", "B702"}, {"S701", "S702"}),
    "deserialization": ({"B301", "B506", "B302"}, {"S301", "S506", "S302"}),
    "trust_boundary": (set(), set()),
    "cookie": (set(), set()),
    "header": (set(), set()),
    "log": (set(), set()),
    "llm": ({"B307", "B102", "B602", "B605", "B608", "B703", "B704", "B310"},
            {"S307", "S102", "S602", "S605", "S608", "S308", "S704", "S310"}),
}


@dataclass
class Case:
    vuln_class: str
    name: str
    kind: str  # "vulnerable" | "safe"
    code: str
    expect: tuple[int, ...]
    rules: frozenset[str]
    file: Path
    line: int  # where the case starts in the corpus file


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


def load_corpus(directory: Path = CORPUS) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.py")):
        cases.extend(_load_file(path))
    return cases


def _load_file(path: Path) -> list[Case]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# rules:"):
        raise ValueError(f"{path}: first line must be '# rules: ID ...'")
    rules = frozenset(lines[0].split(":", 1)[1].split())
    # (kind, name, first line, body lines) of each section, in file order
    sections: list[tuple[str, str, int, list[str]]] = []
    for number, text in enumerate(lines[1:], start=2):
        found = _HEADER.match(text)
        if found:
            sections.append((found.group(1), found.group(2) or "", number, []))
        elif sections:
            sections[-1][3].append(text)
    prelude = [text for kind, _, _, body in sections if kind == "prelude" for text in body]
    cases: list[Case] = []
    for kind, name, start, body in sections:
        if kind == "prelude":
            continue
        code_lines = [*prelude, *body]
        expect = tuple(i + 1 for i, text in enumerate(code_lines) if text.rstrip().endswith("# expect"))
        if kind == "vulnerable" and not expect:
            raise ValueError(f"{path}:{start}: vulnerable case {name!r} has no '# expect' line")
        cases.append(Case(path.stem, name, kind, "\n".join(code_lines) + "\n", expect, rules, path, start))
    return cases


def pairs_per_class(cases: Iterable[Case]) -> dict[str, int]:
    names: dict[str, dict[str, set[str]]] = {}
    for case in cases:
        names.setdefault(case.vuln_class, {}).setdefault(case.name, set()).add(case.kind)
    return {cls: sum(1 for kinds in by_name.values() if kinds == {"vulnerable", "safe"})
            for cls, by_name in names.items()}


def vigil_detects(analyzer: object, case: Case) -> bool:
    """Whether Vigil reports the case (on an expected line for vulnerable cases)."""
    source = case.code.encode("utf-8")
    analysis = analyzer.analyze(source, path="app/views.py")  # type: ignore[attr-defined]
    lines = {source.count(b"\n", 0, f.start) + 1 for f in analysis.findings if f.rule_id in case.rules}
    if case.kind == "vulnerable":
        return bool(lines & set(case.expect))
    return bool(lines)


def score(cases: Sequence[Case], detects: dict[int, bool]) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for index, case in enumerate(cases):
        entry = scores.setdefault(case.vuln_class, Score())
        hit = detects[index]
        if case.kind == "vulnerable":
            if hit:
                entry.tp += 1
            else:
                entry.fn += 1
                entry.misses.append(f"missed {case.name} ({case.file.name}:{case.line})")
        elif hit:
            entry.fp += 1
            entry.misses.append(f"false positive {case.name} ({case.file.name}:{case.line})")
        else:
            entry.tn += 1
    return scores


def run_vigil(cases: Sequence[Case]) -> dict[int, bool]:
    sys.path.insert(0, str(ROOT / "server"))
    from vigil.engine.runner import Analyzer
    from vigil.rules.loader import load_rules

    analyzer = Analyzer(load_rules())
    return {i: vigil_detects(analyzer, case) for i, case in enumerate(cases)}


def _competitor_codes(tool: str, folder: Path) -> dict[str, set[str]]:
    """File name -> codes reported, by running Bandit or Ruff once over all case files."""
    found: dict[str, set[str]] = {}
    if tool == "bandit":
        proc = subprocess.run([sys.executable, "-m", "bandit", "-q", "-f", "json", "-r", str(folder)],
                              capture_output=True, text=True, check=False)
        for item in json.loads(proc.stdout or "{}").get("results", []):
            found.setdefault(Path(item["filename"]).name, set()).add(item["test_id"])
    else:
        ruff = Path(sys.executable).with_name("ruff")
        proc = subprocess.run([str(ruff), "check", "--select", "S", "--output-format", "json",
                               "--no-cache", "--isolated", str(folder)],
                              capture_output=True, text=True, check=False)
        for item in json.loads(proc.stdout or "[]"):
            found.setdefault(Path(item["filename"]).name, set()).add(item["code"])
    return found


def run_competitor(tool: str, cases: Sequence[Case]) -> dict[int, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, case in enumerate(cases):
            (folder / f"case_{index}.py").write_text(case.code, encoding="utf-8")
        codes = _competitor_codes(tool, folder)
    out: dict[int, bool] = {}
    for index, case in enumerate(cases):
        wanted = COMPETITORS.get(case.vuln_class, (set(), set()))[0 if tool == "bandit" else 1]
        out[index] = bool(codes.get(f"case_{index}.py", set()) & wanted)
    return out


def table(scores: dict[str, Score], pairs: dict[str, int], extra: dict[str, dict[str, Score]] | None = None) -> str:
    head = "| class | pairs | TPR | FPR | TPR − FPR |"
    rule = "|---|---:|---:|---:|---:|"
    if extra:
        for tool in extra:
            head += f" {tool} TPR − FPR |"
            rule += "---:|"
    rows = [head, rule]
    for cls in sorted(scores):
        s = scores[cls]
        row = f"| {cls} | {pairs.get(cls, 0)} | {s.tpr:.0%} | {s.fpr:.0%} | {s.tpr - s.fpr:+.2f} |"
        for tool_scores in (extra or {}).values():
            other = tool_scores.get(cls, Score())
            row += f" {other.tpr - other.fpr:+.2f} |"
        rows.append(row)
    total = Score(sum(s.tp for s in scores.values()), sum(s.fn for s in scores.values()),
                  sum(s.fp for s in scores.values()), sum(s.tn for s in scores.values()))
    row = f"| **all** | {sum(pairs.values())} | {total.tpr:.0%} | {total.fpr:.0%} | {total.tpr - total.fpr:+.2f} |"
    for tool_scores in (extra or {}).values():
        t = Score(sum(s.tp for s in tool_scores.values()), sum(s.fn for s in tool_scores.values()),
                  sum(s.fp for s in tool_scores.values()), sum(s.tn for s in tool_scores.values()))
        row += f" {t.tpr - t.fpr:+.2f} |"
    rows.append(row)
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write docs/taint-scores.md")
    parser.add_argument("--compare", action="store_true", help="also score Bandit and Ruff")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")
    args = parser.parse_args(argv)
    cases = load_corpus()
    pairs = pairs_per_class(cases)
    started = time.perf_counter()
    scores = score(cases, run_vigil(cases))
    elapsed = time.perf_counter() - started
    extra: dict[str, dict[str, Score]] = {}
    if args.compare:
        extra["Bandit"] = score(cases, run_competitor("bandit", cases))
        extra["Ruff S"] = score(cases, run_competitor("ruff", cases))
    text = table(scores, pairs, extra)
    print(text)
    print(f"\n{len(cases)} cases, {sum(pairs.values())} pairs, analysed in {elapsed:.2f} s")
    if args.verbose:
        for cls in sorted(scores):
            for line in scores[cls].misses:
                print(f"  {cls}: {line}")
    if args.write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(
            "# Taint rules: scores on the paired corpus\n\n"
            "Generated by `python scripts/taint_scores.py --write"
            + (" --compare" if args.compare else "") + "` from `tests/taint/corpus/` "
            "(each pair: a vulnerable and a safe variant of the same shape). TPR = vulnerable "
            "cases reported on the marked line; FPR = safe cases with any finding of the class.\n\n"
            + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
