#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for vnpipe:
#   bash scripts/ensure.sh demo   node packages, and a Redis (one answering, or redis-server)
#   bash scripts/ensure.sh test   node packages, and redis-server unless REDIS_URL is set
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/vitest ] || npm ci --no-audit --no-fund

redis_answers() {
  node -e '
    const u = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379");
    const s = require("net").connect(Number(u.port) || 6379, u.hostname, () => process.exit(0));
    s.on("error", () => process.exit(1));
    setTimeout(() => process.exit(1), 1000);'
}

install_redis_server() {
  echo "vnpipe: installing redis-server (Debian/Ubuntu)" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq redis-server >/dev/null
}

command -v redis-server >/dev/null 2>&1 && exit 0
case "${1:-demo}" in
  # The tests start their own redis-server, unless REDIS_URL names one.
  test) [ -n "${REDIS_URL:-}" ] || install_redis_server ;;
  *) redis_answers || install_redis_server ;;
esac
