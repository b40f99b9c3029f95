#!/usr/bin/env bash
# Runs the browser end-to-end suite against a real `atende serve` (SQLite + simulator)
# started on a free port with a throwaway data folder. Arguments pick the flows to run,
# e.g. `bash scripts/e2e.sh media-flow template-flow`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:${PORT}"

export DATA_DIR="$DATA"
export ENVIRONMENT=test
export JWT_SECRET="e2e-jwt-secret-long-enough-for-hs256-signing"
export WHATSAPP_APP_SECRET="e2e-app-secret"
export ADMIN_EMAIL="admin@atende.local"
export ADMIN_PASSWORD="e2e-admin-password"
export SIMULATOR_BASE_URL="${BASE}/simulator"
export SIMULATOR_WEBHOOK_URL="${BASE}/webhook/whatsapp"
export WEB_DIST="${ROOT}/apps/web/dist"

cd "$ROOT/apps/api"
uv run atende seed >/dev/null
uv run atende serve --host 127.0.0.1 --port "$PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

for _ in $(seq 60); do
  curl -fs "${BASE}/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "${BASE}/readyz" >/dev/null || { cat "$DATA/server.log"; exit 1; }

cd "$ROOT/apps/web"
E2E_BASE_URL="$BASE" E2E_ADMIN_EMAIL="$ADMIN_EMAIL" E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  E2E_APP_SECRET="$WHATSAPP_APP_SECRET" \
  npm run e2e -- "$@" || { echo "--- server log ---"; tail -50 "$DATA/server.log"; exit 1; }
