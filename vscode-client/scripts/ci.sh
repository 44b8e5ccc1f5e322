#!/usr/bin/env bash
# The VS Code extension's CI steps: clean install from package-lock.json, lint (eslint + tsc),
# unit tests (mocha), package the .vsix. Called from the repository's .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run lint
npm test
npm run package
