#!/usr/bin/env bash
# npm's `prepare`: runs after `npm install` / `npm ci` in a clone and on `npm install -g .`
# or `npm link`, so the `vnpipe` command (dist/src/cli/main.js) exists without a separate
# `npm run build`. Nothing to build where the sources or the compiler are absent: the
# Docker build stage installs before it copies the sources, and `npm ci --omit=dev`
# installs no TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f src/cli/main.ts ] || [ ! -f node_modules/typescript/bin/tsc ]; then
  echo "vnpipe: not building dist/ (no sources or no TypeScript here)" >&2
  exit 0
fi
exec node node_modules/typescript/bin/tsc -p tsconfig.json
