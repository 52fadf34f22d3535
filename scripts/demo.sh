#!/usr/bin/env bash
# npm run demo: process the bundled samples/ into out/ on this machine.
# Installs what is missing (npm packages, redis-server) and prints the batch summary.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/bullmq ] || npm ci --no-audit --no-fund

redis_answers() {
  node -e '
    const u = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379");
    const s = require("net").connect(Number(u.port) || 6379, u.hostname, () => process.exit(0));
    s.on("error", () => process.exit(1));
    setTimeout(() => process.exit(1), 1000);'
}

if ! command -v redis-server >/dev/null 2>&1 && ! redis_answers; then
  echo "demo: no Redis answers and redis-server is not installed; installing it (Debian/Ubuntu)" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq redis-server >/dev/null
fi

npm run build --silent
# --force: the demo reprocesses every sample even when out/ is already up to date.
node dist/src/cli/main.js run samples --out out --force
echo
echo "demo: one JSON document per sample in out/ (e.g. out/003_7161b19aceaccb0d.json)"
