"""``vigil serve``: start the language server (contract §3).

The server module is imported only here, so ``vigil check`` in CI never pays for importing
pygls, and an installation without the server fails with a clear message instead of a trace.
"""

from __future__ import annotations

import importlib
import re
from typing import TextIO

EXIT_ERROR = 2
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\s]+):(?P<port>\d{1,5})$")


def serve(tcp: str | None, log_file: str | None, verbose: int, err: TextIO) -> int:
    if tcp is not None:
        match = _HOST_PORT.match(tcp)
        if match is None or not 0 < int(match.group("port")) < 65536:
            err.write(f"vigil: error: --tcp expects HOST:PORT (e.g. 127.0.0.1:2087), got {tcp!r}\n")
            return EXIT_ERROR
    try:
        module = importlib.import_module("vigil.lsp.main")
    except ImportError as exc:
        err.write(f"vigil: error: the language server is not available in this installation "
                  f"(cannot import vigil.lsp.main: {exc})\n")
        return EXIT_ERROR
    run = getattr(module, "run", None)
    if not callable(run):
        err.write("vigil: error: the language server is not available in this installation "
                  "(vigil.lsp.main has no run() function)\n")
        return EXIT_ERROR
    return int(run(tcp, log_file, verbose) or 0)
