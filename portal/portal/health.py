"""Liveness for orchestrators' probes: the process is up. The gateway is not called,
so a gateway outage does not get every portal process restarted."""
from flask import Blueprint, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")
