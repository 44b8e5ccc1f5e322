"""Allow ``python -m vigil``; the editor extension starts the server this way.

``python -m`` puts the working directory first on ``sys.path``, and editors other than VS Code
start language servers in the project folder: a workspace file named like a dependency
(``pygls.py``, ``tree_sitter.py``) would then be imported, i.e. the analysed code would run.
Drop that entry before importing anything else (tests/robustness/test_self_security.py).
Nothing can protect ``vigil`` itself from a ``vigil/`` folder there: use ``python -P``
(PYTHONSAFEPATH) or the ``vigil`` script when starting from a project folder.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from vigil.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
