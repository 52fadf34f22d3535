#!/usr/bin/env bash
# npm's `prepare`: runs after `npm install` / `npm ci` in a clone and on `npm install -g .`
# or `npm link`, so the `vnpipe` command (dist/src/cli/main.js) exists without a separate
# `npm run build`. Nothing to build where the sources are absent (the Docker build stage
# installs before it copies them) or TypeScript is (`npm ci --omit=dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f src/cli/main.ts ] || exit 0
if [ ! -f node_modules/typescript/bin/tsc ]; then
  echo "vnpipe: TypeScript is not installed here, so dist/ is not built: run npm ci in this folder first" >&2
  exit 0
fi
node node_modules/typescript/bin/tsc -p tsconfig.json
# npx runs the bin file itself, and only chmods it when it first caches this folder: a
# rebuilt clone at a path npx has cached before would get a file it cannot execute.
chmod +x dist/src/cli/main.js
