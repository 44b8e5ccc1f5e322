"""Entry point of ``vigil serve`` (contract §3): stdio by default, ``--tcp HOST:PORT`` for debugging.

stdout is the protocol, so logging goes to stderr or ``--log-file`` only; ``-v`` is INFO,
``-vv`` DEBUG (pygls' own debug log included).
"""

from __future__ import annotations

import logging
import sys


def _configure_logging(log_file: str | None, verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler: logging.Handler = (logging.FileHandler(log_file, encoding="utf-8") if log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbose < 2:
        logging.getLogger("pygls").setLevel(max(level, logging.WARNING))


def run(tcp: str | None, log_file: str | None, verbose: int) -> int:
    _configure_logging(log_file, verbose)
    from vigil.lsp.server import create_server

    server = create_server()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host.strip("[]"), int(port))
    else:
        from vigil.lsp.transport import BoundedReader

        server.start_io(stdin=BoundedReader(sys.stdin.buffer))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":  # python -m vigil.lsp.main (debugging without the CLI)
    raise SystemExit(run(None, None, 0))
