"""The gateway's app factory: settings, RPC pools, API blueprints, error handlers."""
import atexit
import os

from flask import Flask

from . import problems
from .api import Api, accounts, commission, health, leads, products
from .rpc import RpcPool
from .settings import SERVICES, GatewaySettings

API_SPEC = {
    "API_TITLE": "Channel SFA API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def create_app(config=None):
    """``config`` overrides the environment (tests pass e.g. {"AMQP_URI": ...}).
    Nothing connects here: the pools open connections on first use, so
    ``flask openapi print`` works with no broker."""
    app = Flask(__name__)
    app.config.update(API_SPEC)
    overrides = dict(config or {})
    app.config.update(overrides)
    settings = GatewaySettings.from_mapping({**os.environ, **overrides})
    app.config["SETTINGS"] = settings

    rpc_pool = RpcPool(settings.amqp_uri, settings.rpc_pool_size, settings.rpc_timeout)
    ready_pool = RpcPool(settings.amqp_uri, len(SERVICES), settings.ready_timeout)
    app.extensions["rpc_pool"] = rpc_pool
    app.extensions["ready_pool"] = ready_pool
    atexit.register(rpc_pool.close)
    atexit.register(ready_pool.close)

    api = Api(app)
    for module in (health, leads, accounts, products, commission):
        api.register_blueprint(module.blp)
    problems.register(app)
    return app
