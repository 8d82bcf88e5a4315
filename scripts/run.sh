#!/usr/bin/env bash
# `make run`: the whole system on one machine with demo data. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMQP_URI=${AMQP_URI:-pyamqp://guest:guest@localhost:5672//}
export GATEWAY_PORT=${GATEWAY_PORT:-8000} PORTAL_PORT=${PORTAL_PORT:-8001}
export GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:$GATEWAY_PORT}
# A terminal reads text lines; deployments keep the JSON default (LOG_FORMAT=json here too).
export LOG_FORMAT=${LOG_FORMAT:-text}
# Lets the portal name the browser's address when it signs a partner in.
export PORTAL_CLIENT_SECRET=${PORTAL_CLIENT_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}
# The gateway creates this admin at start-up; the seed signs in with it.
export BOOTSTRAP_ADMIN_EMAIL=${BOOTSTRAP_ADMIN_EMAIL:-admin@channel-sfa.example}
export BOOTSTRAP_ADMIN_PASSWORD=${BOOTSTRAP_ADMIN_PASSWORD:-demo-admin-password}
scripts/ensure_broker.sh

# Storage: the embedded MongoDB-compatible server (SecantusDB), one more Procfile process,
# with its data under the project so it survives a restart. A MONGO_URI of your own (a
# MongoDB replica set) replaces it, and the embedded server is then not started.
export MONGO_PORT=${MONGO_PORT:-27117} MONGO_DATA=${MONGO_DATA:-.data/mongo}
if [ -z "${MONGO_URI:-}" ]; then
  export MONGO_URI="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"
  storage="the embedded server on 127.0.0.1:$MONGO_PORT, data in $MONGO_DATA/
    (kept across restarts; to start afresh: stop, then rm -rf $MONGO_DATA)"
  processes=""
else
  storage="MONGO_URI (the embedded server is not started)"
  processes=$(grep -o '^[a-z]*' Procfile | grep -v '^mongo$' | tr '\n' ' ')
fi
mkdir -p "$MONGO_DATA"

.venv/bin/honcho start -f Procfile $processes &
honcho=$!
stop() { kill -TERM "$honcho" 2>/dev/null || true; wait "$honcho" 2>/dev/null || true; }
trap 'stop; exit 130' INT TERM

if .venv/bin/python scripts/seed_demo.py --gateway "$GATEWAY_URL" --wait 90; then
  cat <<MSG

  Channel SFA is running.
    Partner portal:  http://127.0.0.1:$PORTAL_PORT/
    Gateway API:     $GATEWAY_URL/api/v1/   (OpenAPI: $GATEWAY_URL/openapi.json)
    Readiness:       $GATEWAY_URL/readyz
  Demo sign-ins:
    API (internal admin):  $BOOTSTRAP_ADMIN_EMAIL / $BOOTSTRAP_ADMIN_PASSWORD
      curl -X POST $GATEWAY_URL/api/v1/auth/sign-in -H 'Content-Type: application/json' -d '{"email": "$BOOTSTRAP_ADMIN_EMAIL", "password": "$BOOTSTRAP_ADMIN_PASSWORD"}'
    Portal (partner admin): admin@huadong-partner.example / demo-partner-admin
    Portal (partner rep):   rep@huadong-partner.example / demo-partner-rep-1
  Storage: $storage
  Press Ctrl-C to stop everything.

MSG
else
  echo "The system did not become ready; see the logs above. Stopping." >&2
  stop
  exit 1
fi
wait "$honcho"
