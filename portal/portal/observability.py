"""What operators see of the portal: a correlation id per request, one log line per
request, and Prometheus metrics at ``/metrics``.

- ``X-Request-ID``: the request's own when it is 1-64 characters of ``[A-Za-z0-9._-]``,
  else a fresh one; echoed in the response, bound for the request's log lines, and sent
  on every call to the gateway (``gateway_client``), which passes it on to the services.
- ``sfa_http_requests_total{component,method,route,status}`` and
  ``sfa_http_request_seconds{component,method,route}``, ``route`` being the URL rule.

The metrics live in the portal's own registry (the gateway's are another component's,
even when a test imports both). With several gunicorn workers, gunicorn.conf.py sets
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds up every worker's.
"""
import logging
import os
import time
import uuid

from flask import Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)

from . import logs

log = logging.getLogger(__name__)

COMPONENT = "portal"
REQUEST_ID_HEADER = "X-Request-ID"
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "<unmatched>"

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)
HTTP_REQUESTS = Counter("sfa_http_requests", "HTTP requests answered",
                        ["component", "method", "route", "status"], registry=REGISTRY)
HTTP_SECONDS = Histogram("sfa_http_request_seconds", "Seconds an HTTP request took",
                         ["component", "method", "route"], registry=REGISTRY)


def install(app, mapping):
    """Log lines (LOG_FORMAT, LOG_LEVEL from ``mapping``; a malformed one stops the
    portal naming it), the request id, request metrics and ``/metrics``. A testing app
    leaves the process's log handlers to the test runner."""
    logs.log_format(mapping)
    logs.log_level(mapping)
    if not app.testing:
        logs.configure(mapping)
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


def metrics():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return Response(generate_latest(combined), content_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
