"""Liveness and readiness, for people and for orchestrators' probes."""
from concurrent.futures import ThreadPoolExecutor

from flask import current_app, jsonify

from ..problems import problem
from ..rpc import ServiceUnavailable
from ..settings import SERVICES
from . import Blueprint

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
@blp.doc(summary="The process is up (no dependency is checked)")
def healthz():
    return jsonify(status="ok")


def _check(service):
    try:
        with current_app.extensions["ready_pool"].proxy() as rpc:
            return getattr(rpc, service).health()["status"]
    except ServiceUnavailable as error:
        return str(error)


@blp.route("/readyz")
@blp.doc(summary="The broker is reachable and every service answers `health` in time")
def readyz():
    app = current_app._get_current_object()

    def check(service):
        with app.app_context():
            return _check(service)

    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        results = dict(zip(SERVICES, pool.map(check, SERVICES), strict=True))
    if all(result == "ok" for result in results.values()):
        return jsonify(status="ready", services=results)
    return problem(503, "Not every service answers.", services=results)
