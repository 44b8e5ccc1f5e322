"""Checks for the supply-chain rules (SUP...): unknown imports, near-miss package names and
packages installed at run time.

An import is "known" when the standard library, the workspace, an installed distribution, a
declared dependency or the shipped map of popular packages accounts for it. Anything else may be a
package name a code assistant invented — attackers register such names ("slopsquatting"), so the
first ``pip install`` of a hallucinated name can run their code. Everything is offline: files are
read, the analysed code is never imported.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tree_sitter as ts

from vigil.engine.findings import Edit
from vigil.engine.runner import CheckResult, Match
from vigil.rules.checks import common, project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "import_names.toml"
_EXTRA_STDLIB = {"__future__", "__main__", "_typeshed", "typing_extensions_stub"}
#: Standard-library modules of other Python versions than the one Vigil runs on: added in 3.12+
#: (imported behind ``sys.version_info`` checks), removed in 3.12/3.13 (PEP 594, distutils,
#: imp), and Python 2 names still found behind ``if PY2:``. None of them is a PyPI package a code
#: assistant could have invented, so they are never "unknown".
_OTHER_VERSION_STDLIB = {
    "annotationlib", "compression", "tomllib", "zoneinfo", "graphlib", "_interpreters",
    "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk",
    "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd",
    "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
    "__builtin__", "ConfigParser", "Cookie", "HTMLParser", "Queue", "SocketServer", "StringIO",
    "Tkinter", "UserDict", "cPickle", "cStringIO", "commands", "cookielib", "exceptions", "htmlentitydefs",
    "httplib", "robotparser", "thread", "urllib2", "urlparse", "xmlrpclib", "BaseHTTPServer",
    "SimpleHTTPServer", "CGIHTTPServer", "dummy_thread", "copy_reg", "anydbm", "dbhash", "md5", "sha",
    "popen2", "htmllib", "sgmllib", "mimetools", "rfc822",
}


@dataclass(frozen=True)
class ImportMap:
    #: import name -> distribution
    imports: dict[str, str]
    #: wrong import name -> right import name
    confusables: dict[str, str]
    #: normalised distribution -> import names it provides
    provides: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def import_map() -> ImportMap:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    imports = {str(k): str(v) for k, v in data.get("imports", {}).items()}
    confusables = {str(k): str(v) for k, v in data.get("confusables", {}).items()}
    provides: dict[str, set[str]] = {}
    for name, dist in imports.items():
        provides.setdefault(project.normalize(dist), set()).add(name)
    return ImportMap(imports, confusables, {k: frozenset(v) for k, v in provides.items()})


def _dist_import_names(dist: str, mapping: ImportMap) -> set[str]:
    """Import names a declared distribution probably provides (normalised)."""
    names = {dist}
    names.update(project.normalize(n) for n in mapping.provides.get(dist, ()))
    for prefix in ("python_", "py_"):
        names.add(dist.removeprefix(prefix))
    for suffix in ("_python", "_py", "_binary", "_cpu", "_gpu", "_headless"):
        names.add(dist.removesuffix(suffix))
    names.add(dist.split("_", 1)[0])  # namespace packages: google-cloud-storage -> google
    return names


def is_known(name: str, facts: project.ProjectFacts | None) -> bool:
    """Whether some source of truth accounts for a top-level import name."""
    if name in sys.stdlib_module_names or name in _EXTRA_STDLIB or name in _OTHER_VERSION_STDLIB:
        return True
    mapping = import_map()
    if name in mapping.imports or name in project.installed_modules():
        return True
    if facts is None:
        return False
    normalized = project.normalize(name)
    if name in facts.local_modules or normalized in facts.first_party:
        return True
    return any(normalized in _dist_import_names(d, mapping) for d in facts.declared)


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent swaps cost 1), cut off above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def near_misses(name: str) -> list[str]:
    """Popular import names ``name`` is probably a typo of, best first."""
    mapping = import_map()
    lowered = name.lower()
    if lowered in mapping.confusables:
        return [mapping.confusables[lowered]]
    if len(name) < 4:
        return []
    limit = 2 if len(name) >= 8 else 1
    scored: list[tuple[int, str]] = []
    for candidate in mapping.imports:
        if candidate == name:
            return []
        distance = _distance(lowered, candidate.lower(), limit)
        if distance <= limit:
            scored.append((distance, candidate))
    scored.sort()
    best = [c for d, c in scored if d == scored[0][0]] if scored else []
    return best + [c for d, c in scored if c not in best]


def _guarded_by_import_error(node: ts.Node) -> bool:
    """``try: import fast_json except ImportError: ...`` marks an optional dependency."""
    current = node.parent
    while current is not None:
        if current.type == "try_statement":
            for clause in current.named_children:
                if clause.type == "except_clause" and re.search(
                        r"ImportError|ModuleNotFoundError", common.text(clause).split(":", 1)[0]):
                    return True
            return False
        if current.type in ("function_definition", "class_definition"):
            return False
        current = current.parent
    return False


def unknown_import_check(match: Match) -> CheckResult | bool:
    """SUP001. Needs a file on disk: without one, local modules cannot be told apart."""
    module = match.node("_mod")
    if module is None or match.path is None:
        return False
    name = match.text(module)
    facts = project.facts_for(match.path)
    if is_known(name, facts) or near_misses(name) or _guarded_by_import_error(module):
        return False
    return CheckResult(message=f"No installed or declared distribution, workspace module or known package "
                       f"provides `{name}`; it may be a hallucinated package name. Check it exists and "
                       "who publishes it before installing it, then declare it as a dependency.")


def near_miss_check(match: Match) -> CheckResult | bool:
    """SUP002."""
    module = match.node("_mod")
    if module is None:
        return False
    name = match.text(module)
    facts = project.facts_for(match.path)
    if is_known(name, facts):
        return False
    candidates = near_misses(name)
    if not candidates:
        return False
    suggestion = " or ".join(f"`{c}`" for c in candidates[:3])
    return CheckResult(
        message=f"`{name}` is not installed or declared, and looks like a typo of {suggestion}; typo-squatted "
                "packages with such names exist to run code on install.",
        drop_fix=len(candidates) > 1 and _distance(name.lower(), candidates[1].lower(), 2)
        == _distance(name.lower(), candidates[0].lower(), 2),
    )


def near_miss_fix(match: Match) -> list[Edit] | None:
    module = match.node("_mod")
    if module is None:
        return None
    candidates = near_misses(match.text(module))
    return [Edit(module.start_byte, module.end_byte, candidates[0])] if candidates else None


# --- SUP003: runtime pip install -------------------------------------------------------------

_PIP_RE = re.compile(r"(^|[\s/])(pip3?(\.\d+)?|uv\s+pip|-m\s+pip)\s+install\b")
_INSECURE_FLAGS = ("--trusted-host", "--extra-index-url", "--index-url", "-i", "--find-links", "-f")


def _install_arguments(words: list[str]) -> list[str] | None:
    """The words after ``install`` when ``words`` is a pip install command line."""
    for index, word in enumerate(words):
        if word == "install" and index > 0 and (
                Path(words[index - 1]).name.startswith("pip") or words[index - 1] == "pip"):
            return words[index + 1:]
    return None


def install_problems(args: list[str | None]) -> list[str]:
    """Why a ``pip install`` argument list is risky (``None`` = an argument we cannot read)."""
    problems: list[str] = []
    expecting_value = False
    for arg in args:
        if arg is None:
            if not expecting_value:
                problems.append("installs a package chosen at run time")
            expecting_value = False
            continue
        if expecting_value:
            expecting_value = False
            if arg.startswith("http://"):
                problems.append(f"uses a plain-HTTP index `{arg}`")
            continue
        if arg in _INSECURE_FLAGS or arg.startswith(tuple(f + "=" for f in _INSECURE_FLAGS)):
            if arg.startswith("--trusted-host"):
                problems.append("disables TLS checks with --trusted-host")
            if arg.startswith(("--extra-index-url", "--index-url", "-i")) and "http://" in arg:
                problems.append(f"uses a plain-HTTP index `{arg}`")
            if arg.startswith("--extra-index-url"):
                problems.append("adds an extra index (dependency confusion)")
            expecting_value = "=" not in arg
            continue
        if arg.startswith("-"):
            continue
        if "://" in arg or arg.startswith(("git+", "hg+", "svn+")):
            problems.append(f"installs from a URL `{arg}`")
        elif "==" not in arg and not arg.endswith((".whl", ".txt")):
            problems.append(f"installs `{arg}` without pinning a version")
    return list(dict.fromkeys(problems))


def runtime_install_check(match: Match) -> CheckResult | bool:
    command = match.node("_cmd")
    if command is None:
        if match.node("_fn") is None:
            return False
        return CheckResult(message=f"`{match.text('_fn')}` installs packages at run time; install them at build "
                           "time from a pinned, hash-checked lock file.")
    if command.type == "list":
        words = [match.string_value(item) if item.type == "string" else None for item in command.named_children]
        if not any(w == "install" for w in words):
            return False
        known = [w if w is not None else "" for w in words]
        if not any(Path(w).name.startswith("pip") for w in known if w):
            return False
        args = _install_arguments(known)
        if args is None:
            return False
        tail = words[len(words) - len(args):]
    else:
        value = match.string_value(command)
        if value is None or not _PIP_RE.search(value):
            return False
        try:
            words = shlex.split(value)
        except ValueError:
            return False
        args = _install_arguments(words)
        if args is None:
            return False
        tail = list(args)
    problems = install_problems(tail)
    if not problems:
        return False
    return CheckResult(message="Runtime `pip install` " + "; ".join(problems) + ". Install dependencies at "
                       "build time from a pinned, hash-checked lock file.")
