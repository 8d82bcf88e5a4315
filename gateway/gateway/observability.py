"""What operators see of the gateway: a correlation id per request, one log line per
request, and Prometheus metrics at ``/metrics``.

- ``X-Request-ID``: taken from the request when it is 1-64 characters of
  ``[A-Za-z0-9._-]``, else a fresh one; echoed in the response, bound for the request's
  log lines and put into the context data of every RPC call (``gateway.rpc``), so the
  services' workers and the event handlers downstream log it too.
- ``sfa_http_requests_total{component,method,route,status}`` and
  ``sfa_http_request_seconds{component,method,route}``: ``route`` is the URL rule
  (``/api/v1/leads/<lead_id>``), never the raw path.
- ``sfa_rpc_calls_total{service,method,outcome}`` (ok, remote_error, unavailable) and
  ``sfa_rpc_call_seconds{service,method}``: every call ``gateway.services.call`` makes.

Under gunicorn with several workers, each process counts its own requests: set
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py does when it starts more than one) and
``/metrics`` adds up every worker's.
"""
import logging
import os
import time
import uuid
from contextlib import contextmanager

from flask import Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from sfa_common import logs

from .rpc import ServiceUnavailable

log = logging.getLogger(__name__)

COMPONENT = "gateway"
REQUEST_ID_HEADER = "X-Request-ID"
# Probes and scrapes come every few seconds: their lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "<unmatched>"   # the route label of a path no rule matches (a 404)

HTTP_REQUESTS = Counter("sfa_http_requests", "HTTP requests answered",
                        ["component", "method", "route", "status"])
HTTP_SECONDS = Histogram("sfa_http_request_seconds", "Seconds an HTTP request took",
                         ["component", "method", "route"])
RPC_CALLS = Counter("sfa_rpc_calls", "RPC calls the gateway made, by outcome",
                    ["service", "method", "outcome"])
RPC_SECONDS = Histogram("sfa_rpc_call_seconds", "Seconds an RPC call took",
                        ["service", "method"])


def install(app, mapping):
    """Log lines (LOG_FORMAT, LOG_LEVEL from ``mapping``; a malformed one stops the
    gateway naming it), the request id, request metrics and ``/metrics``. A testing app
    leaves the process's log handlers to the test runner."""
    logs.log_format(mapping)
    level = logs.log_level(mapping)
    if not app.testing:
        logs.configure(COMPONENT, mapping)
    # Casbin writes its whole model and policy at INFO each time it loads them.
    logging.getLogger("casbin").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    # First of all before_request functions, so even a refused request is correlated.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.add_url_rule("/metrics", "metrics", metrics)


def _begin():
    g.request_id = logs.well_formed(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.correlation_token = logs.bind_correlation_id(g.request_id)


def _finish(response):
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    HTTP_REQUESTS.labels(COMPONENT, request.method, route, str(response.status_code)).inc()
    HTTP_SECONDS.labels(COMPONENT, request.method, route).observe(seconds)
    response.headers[REQUEST_ID_HEADER] = g.request_id
    log.log(logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            "%s %s %s %.1f ms", request.method, request.path, response.status_code,
            seconds * 1000,
            extra={"fields": {"method": request.method, "route": route,
                              "status": response.status_code,
                              "duration_ms": round(seconds * 1000, 1)}})
    return response


def _end(_error):
    token = g.pop("correlation_token", None)
    if token is not None:
        logs.unbind_correlation_id(token)


@contextmanager
def measured_call(service, method):
    """Count and time one RPC call: ``with measured_call("leads", "get_lead"): ...``."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except ServiceUnavailable:
        outcome = "unavailable"
        raise
    except Exception:
        outcome = "remote_error"
        raise
    finally:
        RPC_CALLS.labels(service, method, outcome).inc()
        RPC_SECONDS.labels(service, method).observe(time.perf_counter() - started)


def metrics():
    return Response(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def registry():
    """The process's metrics, or every gunicorn worker's in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined
