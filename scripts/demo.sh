#!/usr/bin/env bash
# npm run demo: process the bundled samples/ into out/ on this machine.
# Installs what is missing (npm packages, redis-server) and prints the batch summary.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure.sh demo
npm run build --silent
# --force: the demo reprocesses every sample even when out/ is already up to date.
node dist/src/cli/main.js run samples --out out --force
echo
echo "demo: one JSON document per sample in out/ (e.g. out/003_7161b19aceaccb0d.txt.json)"
