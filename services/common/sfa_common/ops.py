"""What operators see of a nameko service: ``ops = Ops()`` on the service class.

- An HTTP server on ``OPS_PORT`` (unset or empty: none, as in the in-process test
  containers; ``0``: any free port) answering ``/healthz`` (the container runs),
  ``/readyz`` (the storage answers a ping AND the container's AMQP connection is up;
  503 otherwise) and ``/metrics`` (Prometheus text). It serves with eventlet.wsgi on
  threads the container manages, so the container's stop ends it.
- Every entrypoint call (RPC, event handler, timer) is counted and timed:
  ``sfa_entrypoint_calls_total{service,entrypoint,outcome}`` (outcome ok,
  expected_error or error) and ``sfa_entrypoint_seconds{service,entrypoint}``.
- A worker started by a message that carries the context data key ``correlation_id``
  binds it for its log lines. nameko passes the worker's context data on in the
  headers of every RPC call and event it sends, so the id follows the request.
"""
import json
import logging
import time
from functools import partial

import eventlet
from eventlet import wsgi
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

from . import logs
from .settings import SettingsError, text

log = logging.getLogger(__name__)

CORRELATION_ID = "correlation_id"   # the nameko context data key

ENTRYPOINT_CALLS = Counter(
    "sfa_entrypoint_calls", "Entrypoint calls a service ran, by outcome",
    ["service", "entrypoint", "outcome"])
ENTRYPOINT_SECONDS = Histogram(
    "sfa_entrypoint_seconds", "Seconds an entrypoint call took", ["service", "entrypoint"])


def ops_port(mapping):
    """``OPS_PORT``: None (no ops server) when unset or empty, 0 for any free port."""
    raw = text(mapping, "OPS_PORT")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError("OPS_PORT", f"expected a TCP port (0-65535), got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise SettingsError("OPS_PORT", f"expected a TCP port (0-65535), got {raw!r}")
    return value


class ConsumerConnection:
    """Whether the container's AMQP connection (the one its QueueConsumer consumes on:
    every RPC, event handler and reply queue of the container) is up.

    nameko 2.14 keeps that connection inside kombu's ConsumerMixin loop; its
    ``on_consume_ready`` callback is called with the new connection after every
    (re)connection, so it is wrapped here to remember it. Until a reconnection
    succeeds, the remembered one is the closed one: not up.
    """

    def __init__(self, queue_consumer):
        self.connection = None
        ready = queue_consumer.on_consume_ready

        def on_consume_ready(connection, channel, consumers, **kwargs):
            self.connection = connection
            return ready(connection, channel, consumers, **kwargs)

        queue_consumer.on_consume_ready = on_consume_ready

    def is_up(self):
        return self.connection is not None and bool(self.connection.connected)


class Ops(DependencyProvider):
    """Health, readiness and metrics of the service it is declared on. Readiness pings
    the storage through the service's ``store`` dependency (the same check as the
    ``health`` RPC)."""

    def __init__(self):
        self.port = None
        self.consumer_connection = None
        self._server = None
        self._sock = None
        self._serving = None
        self._calls = {}

    # -- the container's life -------------------------------------------------------------

    def setup(self):
        self.port = ops_port(self.container.config)
        consumers = [ext for ext in self.container.extensions if isinstance(ext, QueueConsumer)]
        self.consumer_connection = ConsumerConnection(consumers[0]) if consumers else None

    def start(self):
        if self.port is None:
            return
        self._sock = eventlet.listen(("0.0.0.0", self.port))  # noqa: S104 - probes and scrapes
        self._server = wsgi.Server(self._sock, self._sock.getsockname(), self.wsgi_app,
                                   log=log, log_output=False, keepalive=False)
        self._serving = self.container.spawn_managed_thread(
            self._serve, identifier=f"{self.container.service_name}.ops")
        log.info("ops endpoints on port %s", self.bound_port)

    def stop(self):
        if self._serving is not None:
            self._serving.kill()
            self._serving = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def kill(self):
        self.stop()

    @property
    def bound_port(self):
        """The port the ops server listens on (the one chosen for OPS_PORT=0), or None."""
        return self._sock.getsockname()[1] if self._sock is not None else None

    # -- every entrypoint call -------------------------------------------------------------

    def worker_setup(self, worker_ctx):
        incoming = logs.well_formed(worker_ctx.data.get(CORRELATION_ID))
        token = logs.bind_correlation_id(incoming) if incoming else None
        self._calls[worker_ctx] = (time.perf_counter(), token)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started, _token = self._calls.get(worker_ctx, (None, None))
        if started is None:
            return
        seconds = time.perf_counter() - started
        service, entrypoint = worker_ctx.service_name, worker_ctx.entrypoint.method_name
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], worker_ctx.entrypoint.expected_exceptions):
            outcome = "expected_error"
        else:
            outcome = "error"
        ENTRYPOINT_CALLS.labels(service, entrypoint, outcome).inc()
        ENTRYPOINT_SECONDS.labels(service, entrypoint).observe(seconds)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s.%s %s in %.1f ms", service, entrypoint, outcome, seconds * 1000,
                      extra={"fields": {"service": service, "entrypoint": entrypoint,
                                        "outcome": outcome,
                                        "duration_ms": round(seconds * 1000, 1)}})

    def worker_teardown(self, worker_ctx):
        _started, token = self._calls.pop(worker_ctx, (None, None))
        if token is not None:
            logs.unbind_correlation_id(token)

    # -- the HTTP side ---------------------------------------------------------------------

    def _serve(self):
        while True:
            try:
                sock, address = self._sock.accept()
            except OSError as error:
                # Out of file descriptors, say: stop answering, so the liveness probe
                # fails and the orchestrator restarts the service.
                log.error("the ops server stopped accepting: %s", error)
                return
            self.container.spawn_managed_thread(
                partial(self._answer, sock, address),
                identifier=f"{self.container.service_name}.ops.request")

    def _answer(self, sock, address):
        # A managed thread that raises kills its container: a probe that hangs up
        # mid-answer must not take the service down with it.
        try:
            self._server.process_request([address, sock, wsgi.STATE_IDLE])
        except Exception as error:
            log.debug("ops request from %s failed: %s", address, error)

    def readiness(self):
        """{check: "ok" or what is wrong} for the storage and the broker."""
        checks = {}
        try:
            store = next(d for d in self.container.dependencies if d.attr_name == "store")
            checks["storage"] = "ok" if store.get_dependency(None).ping() else "no answer"
        except StopIteration:
            checks["storage"] = "ok"   # a service without storage has nothing to ping
        except Exception as error:  # any failure of the driver means not ready
            checks["storage"] = f"{error.__class__.__name__}: {error}"
        connection = self.consumer_connection
        checks["broker"] = "ok" if connection is None or connection.is_up() else "disconnected"
        return checks

    def wsgi_app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _json(start_response, 405, {"title": "Method not allowed"},
                         "application/problem+json")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok",
                                               "service": self.container.service_name})
        if path == "/readyz":
            checks = self.readiness()
            if all(value == "ok" for value in checks.values()):
                return _json(start_response, 200, {"status": "ready", **checks})
            return _json(start_response, 503, {
                "type": "about:blank", "title": "Not ready", "status": 503,
                "detail": "A dependency of the service is down.", "checks": checks},
                "application/problem+json")
        if path == "/metrics":
            body = generate_latest(REGISTRY)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return _json(start_response, 404, {"title": "Not found", "status": 404},
                     "application/problem+json")


STATUS_TEXT = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
               503: "Service Unavailable"}


def _json(start_response, status, body, content_type="application/json"):
    data = json.dumps(body).encode()
    start_response(f"{status} {STATUS_TEXT[status]}",
                   [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
