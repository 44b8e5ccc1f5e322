"""Every rule stays linear on large, repetitive but real-looking code.

A tree-sitter pattern with two unanchored sibling children (e.g. two ``(pair ...)`` in one
``(dictionary ...)``) is quadratic in the number of siblings; on rich's 3,600-entry emoji table
one such rule never finished. These shapes are generated at a size where a linear rule set
takes well under a second and a quadratic one takes minutes; each runs in a subprocess with a
timeout, because a query stuck in tree-sitter's C code cannot be interrupted from Python.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

N = 4000

SHAPES = {
    "big_dict": "TABLE = {\n" + "".join(f'    "key_{i}": "value {i}",\n' for i in range(N)) + "}\n",
    "chat_dicts": "MESSAGES = [\n" + "".join(
        f'    {{"role": "user", "content": "question {i}", "name": "n{i}"}},\n' for i in range(N // 4)
    ) + "]\n",
    "big_list": "ITEMS = [\n" + "".join(f'    "item {i}",\n' for i in range(N)) + "]\n",
    "many_kwargs": "configure(\n" + "".join(f"    option_{i}=value_{i},\n" for i in range(N // 4)) + ")\n",
    "many_statements": "".join(f"x_{i} = compute(y_{i}, 'z')\n" for i in range(N)),
    "long_elif": "def route(kind):\n    if kind == 0:\n        return 0\n" + "".join(
        f"    elif kind == {i}:\n        return handler_{i}(kind)\n" for i in range(1, N // 4)
    ),
    "long_concat": "QUERY = " + " + ".join(f'"part{i} "' for i in range(N // 4)) + "\n",
    "many_calls_one_line": "result = [" + ", ".join(f"f{i}(a, b=c)" for i in range(N // 4)) + "]\n",
}

RUNNER = textwrap.dedent(
    """
    import sys, time
    from vigil.engine.runner import Analyzer
    from vigil.rules.loader import load_rules
    source = sys.stdin.buffer.read()
    analyzer = Analyzer(load_rules())
    start = time.process_time()
    analyzer.analyze(source, path="app/module.py")
    print(f"{time.process_time() - start:.3f}")
    """
)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_rules_stay_linear(shape: str) -> None:
    source = SHAPES[shape].encode()
    try:
        done = subprocess.run([sys.executable, "-c", RUNNER], input=source, capture_output=True,
                              timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"analysing the {shape!r} shape ({len(source):,} bytes) did not finish in 120 s: "
                    "some rule's query is super-linear on it")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
