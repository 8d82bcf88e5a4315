"""Liveness and readiness for orchestrators' probes. ``/healthz``: the process is up; the
gateway is not called, so a gateway outage does not get every portal process
restarted. ``/readyz``: the gateway's ``/healthz`` answers within ``GATEWAY_TIMEOUT``,
so a load balancer sends partners only to a portal that can serve them."""
from flask import Blueprint, current_app, jsonify

from .gateway_client import GatewayError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        current_app.extensions["gateway"].get("/healthz")
    except GatewayError as error:
        response = jsonify(type="about:blank", title="Not ready", status=503,
                           detail=f"The gateway does not answer: {error}")
        response.status_code = 503
        response.content_type = "application/problem+json"
        return response
    return jsonify(status="ready", gateway="ok")
