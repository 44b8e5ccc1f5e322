"""How deep the taint interpreter may recurse before it switches to its flat mode.

The interpreter (``flow.FunctionFlow``) follows the syntax tree recursively: one ``eval`` per
nested expression, one ``exec_stmt`` per nested statement, one ``FileTaint.flow`` per
function whose summary it needs. A file with 1,000 nested brackets (or ifs, calls,
comprehensions...) would exhaust Python's recursion limit, the ``RecursionError`` would be
caught per rule by the runner, and every taint finding of the file would be lost.

So the nesting is counted in *units* (one per ``eval``, ``exec_stmt``, ``refine``, nested
assignment target and ``flow``), shared by every file state of the thread (a summary of a
helper module nests inside the analysis of the importing file). When the count reaches the
limit, the interpreter answers from ``flat.py`` instead, which walks the rest of the subtree
with an explicit stack; see there for what that answer is and why it is the safe one.

The limit is derived from the real stack headroom when an analysis starts (the language
server and pytest call in at different depths): one unit costs at most ``FRAMES_PER_UNIT``
Python frames (``eval`` -> ``_eval`` -> ``eval_call`` -> ``apply`` -> ``apply_lambda`` is the
longest chain between two counted calls), and ``RESERVE`` frames are kept for the bounded
recursions below the counted ones (``consteval`` stops at 60 levels; ``AbsVal.whole`` follows
container parts, which are at most as deep as the expressions that built them).
"""

from __future__ import annotations

import sys
import threading

FRAMES_PER_UNIT = 6
RESERVE = 250
#: Never more units than this, even with a raised recursion limit: beyond it the precise
#: walk only costs time on code no human wrote.
MAX_UNITS = 150


class Nesting:
    """The unit counter of one thread."""

    __slots__ = ("depth", "limit")

    def __init__(self) -> None:
        self.depth = 0
        self.limit = 0

    def start(self) -> None:
        """Called when an outermost analysis begins (``depth == 0``): size the limit to the
        stack that is actually left."""
        self.limit = units_available()


_local = threading.local()


def nesting() -> Nesting:
    """This thread's counter."""
    found: Nesting | None = getattr(_local, "nesting", None)
    if found is None:
        found = _local.nesting = Nesting()
    return found


def _stack_depth() -> int:
    frame = sys._getframe(1)
    count = 0
    while frame is not None:
        count += 1
        frame = frame.f_back  # type: ignore[assignment]
    return count


def units_available() -> int:
    """Units that fit in the stack left above the caller."""
    room = sys.getrecursionlimit() - _stack_depth() - RESERVE
    return max(0, min(MAX_UNITS, room // FRAMES_PER_UNIT))
