"""A one-line progress bar on stderr for long scans, and nothing at all otherwise.

It draws only when stderr is a terminal and the scan has already taken a moment, so piped
output, CI logs and quick runs stay exactly as they were. The line is erased when done.
"""

from __future__ import annotations

import time
from typing import TextIO

#: Scans faster than this never show a bar (no flicker on small projects).
DELAY_SECONDS = 0.5
#: Redraws per second at most; a terminal write costs more than analysing a small file.
_INTERVAL = 0.1
_WIDTH = 28


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class Progress:
    def __init__(self, stream: TextIO, total: int, enabled: bool, *, delay: float = DELAY_SECONDS) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled and total > 0
        self.done = 0
        self._started = time.monotonic()
        self._delay = delay
        self._last_draw = 0.0
        self._drawn = False

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._started < self._delay or now - self._last_draw < _INTERVAL:
            return
        self._last_draw = now
        self._draw()

    def _draw(self) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * _WIDTH)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\r\x1b[2Kvigil: [{bar}] {self.done:,}/{self.total:,} files")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False
