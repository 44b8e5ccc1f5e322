"""Run ``vigil serve`` under cProfile: a stand-in server command for the benchmarks.

``VIGIL_BENCH_PROFILE=bench/profile_server.py python bench/keystroke.py ...`` makes
``bench/_lsp.py`` start the server through this file; the profile is written when the server
exits, to ``$VIGIL_PROFILE_OUT`` (default ``vigil-serve.prof`` in the working directory).
Read it with ``python -m pstats`` or ``pstats.Stats(path).sort_stats("tottime")``. This is how
the hot spots in docs/benchmarks.md were found (profiling in process misses pygls' share).
"""

from __future__ import annotations

import cProfile
import os
import sys


def main() -> None:
    out = os.environ.get("VIGIL_PROFILE_OUT", "vigil-serve.prof")
    profile = cProfile.Profile()
    sys.argv = ["vigil", "serve", *sys.argv[1:]]
    from vigil.cli.main import main as vigil_main

    profile.enable()
    try:
        vigil_main()
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
