#!/usr/bin/env bash
# End-to-end test of the extension in a real VS Code (code-server = the VS Code workbench and
# extension host served to a browser) driven by playwright-core in Debian's headless Chromium.
#
#   VIGIL_E2E_PYTHON=/path/to/python scripts/e2e.sh      exit 0 = PASS
#
# Installs what is missing first (scripts/e2e-setup.sh; ~3-5 min the first time, seconds later),
# builds the .vsix, starts code-server on a free local port with throw-away profile folders,
# runs e2e/drive.mjs, and stops code-server (by PID) on exit. Screenshots: e2e-shots/.
#
# Env: VIGIL_E2E_PYTHON  a Python with Vigil installed (default: python3 on PATH)
#      VIGIL_E2E_HOME    install cache (default ~/.cache/vigil-vscode-e2e)
#      VIGIL_E2E_PORT    port for code-server (default: a free one)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
START=$(date +%s)

E2E_HOME=$(scripts/e2e-setup.sh | tail -n 1)
NODE24=$(ls -d "$E2E_HOME"/node-24.*/ | head -n 1)
CODE_SERVER=$(ls "$E2E_HOME"/code-server-*/bin/code-server | head -n 1)
SETUP_DONE=$(date +%s)

PYTHON=${VIGIL_E2E_PYTHON:-$(command -v python3)}
if ! VERSION=$("$PYTHON" -c 'import vigil; print(vigil.__version__)' 2>&1); then
  echo "e2e: $PYTHON cannot import vigil ($VERSION). Set VIGIL_E2E_PYTHON to a Python with Vigil installed." >&2
  exit 2
fi
log "server: $PYTHON -m vigil serve (Vigil $VERSION)"

# --- extension package (the same commands CI uses)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent package >/dev/null
log "built vigil.vsix"

# --- throw-away profile and workspace
WORK=$HERE/e2e-work
SHOTS=${VIGIL_E2E_SHOTS:-$HERE/e2e-shots}
rm -rf "$WORK"; rm -f "$SHOTS"/*.png; mkdir -p "$WORK/user/User" "$WORK/extensions" "$WORK/xdg" "$WORK/project" "$SHOTS"
printf 'import yaml\ndata = yaml.load(open("c.yml"))\n' > "$WORK/project/insecure.py"
printf 'import yaml\nconfig = yaml.load(open("settings.yml"))\n' > "$WORK/project/fix_on_save.py"
PYTHON_JSON=$(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$PYTHON")
cat > "$WORK/user/User/settings.json" <<JSON
{
  "vigil.interpreter": [$PYTHON_JSON],
  "vigil.logLevel": "info",
  "[python]": { "editor.codeActionsOnSave": { "source.fixAll.vigil": "explicit" } },
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "files.autoSave": "off",
  "files.defaultLanguage": "python",
  "editor.acceptSuggestionOnEnter": "off",
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never"
}
JSON

export PATH=$NODE24/bin:$PATH   # code-server requires Node 24
# Keep code-server's config/data out of the home folder.
export XDG_CONFIG_HOME=$WORK/xdg/config XDG_DATA_HOME=$WORK/xdg/data XDG_CACHE_HOME=$WORK/xdg/cache
PROFILE=(--user-data-dir "$WORK/user" --extensions-dir "$WORK/extensions")
"$CODE_SERVER" "${PROFILE[@]}" --install-extension "$HERE/vigil.vsix" >/dev/null
"$CODE_SERVER" "${PROFILE[@]}" --list-extensions --show-versions | grep -q '^vigil.vigil@' || { echo "e2e: extension not installed" >&2; exit 1; }

PORT=${VIGIL_E2E_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
"$CODE_SERVER" "${PROFILE[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$WORK/project" > "$WORK/code-server.log" 2>&1 &
CS_PID=$!
trap 'kill "$CS_PID" 2>/dev/null; wait "$CS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "e2e: code-server did not start" >&2; cat "$WORK/code-server.log" >&2; exit 1; }
log "code-server $("$CODE_SERVER" --version | head -n 1) on port $PORT"

RC=0
SHOTS=$SHOTS timeout 300 node e2e/drive.mjs "http://127.0.0.1:$PORT" "$WORK/project" || RC=$?
if [ $RC -ne 0 ]; then
  echo "--- Vigil output channel (extension host logs):"
  find "$WORK/user/logs" -name '*Vigil*' -exec tail -n 60 {} \; 2>/dev/null || true
fi
END=$(date +%s)
log "setup $((SETUP_DONE - START)) s, test $((END - SETUP_DONE)) s, total $((END - START)) s"
if [ $RC -eq 0 ]; then echo "e2e: 1 passed, 0 failed"; else echo "e2e: 0 passed, 1 failed"; fi
exit $RC
