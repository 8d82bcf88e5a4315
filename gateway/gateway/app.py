"""The gateway's app factory: settings, the identity store, RPC pools, API
blueprints, authentication, error handlers."""
import atexit
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from sfa_common.mongo import connect, database

from . import idempotency, observability, problems
from .api import (
    Api,
    accounts,
    admin,
    assignment_rules,
    auth,
    commission,
    competitors,
    contacts,
    health,
    lead_imports,
    leads,
    offers,
    opportunities,
    partner_users,
    policies,
    price_lists,
    pricing,
    products,
    quotas,
    quotes,
    registrations,
    reports,
)
from .authz.policies import POLICY_COLLECTION, build_enforcer
from .identity import web
from .identity.bootstrap import bootstrap_admin
from .identity.service import Identity
from .identity.store import DATABASE, IdentityStore
from .rpc import RpcPool
from .settings import SERVICES, GatewaySettings

API_SPEC = {
    "API_TITLE": "Channel SFA API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def create_identity(app, settings):
    """The identity store (indexes created now, at start-up) and what authenticates.
    ``PASSWORD_HASHER`` in the config dict (never the environment) lets tests hash
    cheaply; it must still be argon2id."""
    client = connect(settings.mongo_uri)
    atexit.register(client.close)
    store = IdentityStore(database(client, DATABASE))
    store.ensure_indexes(store.db)
    identity = Identity(store, settings, hasher=app.config.get("PASSWORD_HASHER"))
    bootstrap_admin(identity, settings)
    return identity


def create_enforcer(identity):
    """One Casbin enforcer per process, over the policies in the gateway's database
    (the defaults are seeded once into an empty collection)."""
    return build_enforcer(identity.store.db[POLICY_COLLECTION])


def create_app(config=None):
    """``config`` overrides the environment (tests pass e.g. {"AMQP_URI": ...}).
    The RPC pools open connections on first use, so ``flask openapi print`` works with
    no broker; the identity store is opened (and indexed) here, which the default
    embedded engine does in-process."""
    app = Flask(__name__)
    app.config.update(API_SPEC)
    overrides = dict(config or {})
    app.config.update(overrides)
    settings = GatewaySettings.from_mapping({**os.environ, **overrides})
    app.config["SETTINGS"] = settings
    observability.install(app, {**os.environ, **overrides})   # logs, X-Request-ID, metrics
    if settings.trusted_proxy_hops:
        # Only then is X-Forwarded-For believed, and only as many hops as configured.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)

    rpc_pool = RpcPool(settings.amqp_uri, settings.rpc_pool_size, settings.rpc_timeout)
    ready_pool = RpcPool(settings.amqp_uri, len(SERVICES), settings.ready_timeout)
    app.extensions["rpc_pool"] = rpc_pool
    app.extensions["ready_pool"] = ready_pool
    atexit.register(rpc_pool.close)
    atexit.register(ready_pool.close)

    api = Api(app, spec_kwargs={"extra_plugins": [web.BearerSecurityPlugin(),
                                                  idempotency.IdempotencyKeyPlugin()]})
    identity = create_identity(app, settings)
    web.install(app, api, identity)
    idempotency.install(app, api, identity.store.db)   # after authentication
    app.extensions["enforcer"] = create_enforcer(identity)
    for module in (health, auth, admin, policies, partner_users, leads, lead_imports,
                   assignment_rules, registrations, offers, accounts, contacts,
                   opportunities, competitors, quotas, reports, products, price_lists, pricing,
                   quotes, commission):
        api.register_blueprint(module.blp)
    problems.register(app)
    return app
