"""The HTTP side of identity: every /api/v1 request is authenticated before its view
runs, from the ``Authorization: Bearer`` header and nothing else the client sends.

``g.principal`` is the caller; ``g.subject`` (the scope compiler's facts) is loaded on
first use only, so a request that needs no scope pays nothing for it.
"""
import hmac
import ipaddress

from apispec import BasePlugin
from flask import current_app, g, request
from flask.ctx import _AppCtxGlobals

from sfa_common.errors import Forbidden

from .. import scopes
from ..problems import problem
from .service import TOKEN_FAILED, AuthenticationFailed, TooManyAttempts
from .subjects import load_subject

API_PREFIX = "/api/v1"
REALM = "channel-sfa"
BEARER_SCHEME = "bearerAuth"


def public(blp):
    """Decorator (directly under ``@blp.route``): the view needs no token, and the
    OpenAPI document says so."""
    def decorator(view):
        view = blp.doc(security=[])(view)
        view.public = True
        return view
    return decorator


def identity():
    return current_app.extensions["identity"]


class RequestGlobals(_AppCtxGlobals):
    """``g`` that loads ``g.subject`` from ``g.principal`` the first time it is read."""

    def __getattr__(self, name):
        if name == "subject" and "principal" in self.__dict__:
            subject = load_subject(identity().store, self.principal, identity().settings)
            self.subject = subject
            return subject
        return super().__getattr__(name)


def _needs_token():
    if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "public", False)


def bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate_request():
    # An outer app context (a test, a CLI command) could otherwise carry the last
    # request's caller into this one.
    g.pop("principal", None)
    g.pop("subject", None)
    if not _needs_token():
        return None
    token = bearer_token()
    if token is None:
        raise AuthenticationFailed(TOKEN_FAILED)
    g.principal = identity().authenticate(token)
    return None


def current_principal():
    principal = g.get("principal")
    if principal is None:  # a view reached without the hook: refuse, never guess
        raise AuthenticationFailed(TOKEN_FAILED)
    return principal


def require_admin(object_type="identity"):
    """The caller, when the policy grants them ``admin`` on ``object_type`` over the
    whole internal domain (scope ``all``); else 403. The one place the admin API asks."""
    principal = current_principal()
    if scopes.scope_for(object_type, "admin") != {}:
        raise Forbidden("Only an admin may do this.")
    return principal


def require_partner_admin():
    """The caller, when the policy grants them ``admin`` on their own partner
    organisation's users; else 403."""
    principal = current_principal()
    if not principal.is_partner:
        raise Forbidden("Only a partner admin may do this.")
    scopes.scope_for("identity", "admin")
    return principal


PORTAL_SECRET_HEADER = "X-Channel-SFA-Portal"  # noqa: S105 - a header name
PORTAL_CLIENT_IP_HEADER = "X-Channel-SFA-Client-IP"


def client_ip():
    """The address per-IP sign-in limits count against: the TCP peer (or, with
    TRUSTED_PROXY_HOPS set, what ProxyFix took from the trusted proxies'
    X-Forwarded-For); or, when the caller proves it is the portal with the shared
    PORTAL_CLIENT_SECRET, the browser address the portal names. Without that proof
    every partner would share the portal's address, and twenty bad guesses by one
    would lock all of them out."""
    secret = identity().settings.portal_client_secret
    named = request.headers.get(PORTAL_CLIENT_IP_HEADER)
    proof = request.headers.get(PORTAL_SECRET_HEADER, "")
    if secret and named and hmac.compare_digest(proof.encode(), secret.encode()):
        try:
            return str(ipaddress.ip_address(named.strip()))
        except ValueError:
            pass
    return request.remote_addr


def _unauthorized(error):
    challenge = f'Bearer realm="{REALM}"'
    if error.error:
        challenge += f', error="{error.error}"'
    return problem(401, str(error), headers={"WWW-Authenticate": challenge})


def _too_many(error):
    return problem(429, str(error), headers={"Retry-After": str(error.retry_after)})


class BearerSecurityPlugin(BasePlugin):
    """Marks every /api/v1 operation as needing a bearer token in the OpenAPI
    document (and answering 401 without one), unless its view was marked ``public``."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        if path and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            for operation in (operations or {}).values():
                if operation.setdefault("security", [{BEARER_SCHEME: []}]):
                    operation.setdefault("responses", {}).setdefault("401", {
                        "description": "No bearer token, or one that fails a check"})


def install(app, api, identity_):
    app.extensions["identity"] = identity_
    app.app_ctx_globals_class = RequestGlobals
    app.before_request(authenticate_request)
    app.register_error_handler(AuthenticationFailed, _unauthorized)
    app.register_error_handler(TooManyAttempts, _too_many)
    api.spec.components.security_scheme(BEARER_SCHEME, {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "POST /api/v1/auth/sign-in answers the token."})
