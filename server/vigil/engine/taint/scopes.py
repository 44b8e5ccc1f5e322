"""Which function definition encloses a node, without walking ``Node.parent``.

Every taint query starts with "which function is this sink in?". Walking ``Node.parent`` up
to the nearest ``function_definition`` costs one step per nesting level, and in
py-tree-sitter each ``parent`` step itself descends from the root (tree-sitter stores no
parent pointers), so a file nested 2,000 levels deep made every query quadratic.

Syntax nodes nest properly, so the byte positions of a file split into segments in which
the innermost function definition is the same. ``FunctionSpans`` computes those segments
once per tree (one sweep over the definitions sorted by start byte); a lookup is then one
bisection, plus at most one step outwards for a node that starts exactly where a definition
starts (the definition itself, or a node wrapping it).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

import tree_sitter as ts


class FunctionSpans:
    """Segment index of the ``function_definition`` nodes of one tree."""

    def __init__(self, definitions: Iterable[ts.Node]) -> None:
        spans = sorted({(d.start_byte, d.end_byte) for d in definitions}, key=lambda s: (s[0], -s[1]))
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]
        #: index of the innermost definition containing definition ``i`` (-1: none)
        self.outer: list[int] = []
        #: segment boundaries and, from each boundary on, the innermost definition (-1: none)
        self.points: list[int] = []
        self.owners: list[int] = []
        stack: list[int] = []
        for index, (start, end) in enumerate(spans):
            while stack and self.ends[stack[-1]] <= start:
                self._boundary(self.ends[stack.pop()], stack)
            self.outer.append(stack[-1] if stack else -1)
            stack.append(index)
            self._boundary(start, stack)
        while stack:
            self._boundary(self.ends[stack.pop()], stack)
        #: Index steps taken, summed over all lookups (tests assert a lookup costs O(1) steps
        #: besides the bisection, whatever the nesting depth).
        self.steps = 0

    def _boundary(self, position: int, stack: list[int]) -> None:
        self.points.append(position)
        self.owners.append(stack[-1] if stack else -1)

    def innermost(self, start: int, end: int) -> int | None:
        """Start byte of the innermost definition strictly around the node ``[start, end)``
        (not the node itself when it is a definition), or ``None`` at module level."""
        self.steps += 1
        segment = bisect_right(self.points, start) - 1
        owner = self.owners[segment] if segment >= 0 else -1
        if owner >= 0 and start == self.starts[owner] and end >= self.ends[owner]:
            # The definition itself or a node wrapping it: its enclosing definition (whose
            # start is strictly smaller, so it strictly contains this node).
            self.steps += 1
            owner = self.outer[owner]
        return self.starts[owner] if owner >= 0 else None
