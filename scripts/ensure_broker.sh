#!/usr/bin/env bash
# Make sure RabbitMQ answers at $AMQP_URI. If it does not and a local rabbitmq-server
# is installed, start it; otherwise say what to install. --management also enables
# the management API, which the tests use to give each test its own vhost.
set -euo pipefail
AMQP_URI=${AMQP_URI:-pyamqp://guest:guest@localhost:5672//}
python=${PYTHON:-$(dirname "$0")/../.venv/bin/python}
[ -x "$python" ] || python=python3

reachable() {  # host and port from AMQP_URI, one TCP connect
  "$python" - "$AMQP_URI" "${1:-}" <<'PY'
import socket, sys
from urllib.parse import urlsplit
uri = urlsplit(sys.argv[1])
port = int(sys.argv[2]) if sys.argv[2] else (uri.port or 5672)
try:
    socket.create_connection((uri.hostname or "localhost", port), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

wait_for() {  # wait_for PORT SECONDS
  for _ in $(seq "$2"); do reachable "$1" && return 0; sleep 1; done
  return 1
}

if ! reachable; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is not answering at $AMQP_URI; starting the local rabbitmq-server..."
    rabbitmq-server -detached >/dev/null 2>&1 || true
    if ! wait_for "" 60; then
      echo "rabbitmq-server did not come up within 60 s; see /var/log/rabbitmq/." >&2
      exit 1
    fi
    rabbitmqctl await_startup >/dev/null 2>&1 || true
  else
    cat >&2 <<MSG
RabbitMQ is not reachable at $AMQP_URI and no rabbitmq-server is installed.
Install and start it, e.g.:
  Debian/Ubuntu: sudo apt-get install rabbitmq-server
  macOS:         brew install rabbitmq && brew services start rabbitmq
or point AMQP_URI at a running broker.
MSG
    exit 1
  fi
fi

if [ "${1:-}" = "--management" ] && ! reachable 15672; then
  if ! command -v rabbitmq-plugins >/dev/null 2>&1; then
    echo "The tests need RabbitMQ's management API on port 15672 (rabbitmq_management plugin)." >&2
    exit 1
  fi
  echo "Enabling RabbitMQ's management plugin (the tests create a vhost per test through it)..."
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_for 15672 60 || { echo "the management API did not come up on port 15672" >&2; exit 1; }
fi
