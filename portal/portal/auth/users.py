"""Who is signed in.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure per settings). It
holds the gateway's access token, flask-login's user id and a random session id; the
user itself is asked of the gateway (GET /auth/me) once per request, so a user the
gateway has disabled, or whose password changed, is signed out on their next page.
"""
import secrets
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user

from ..gateway_client import GatewayError, GatewayRejected
from ..redirects import here

TOKEN_KEY = "access_token"  # noqa: S105  (a session key, not a secret)
# Random per sign-in: tells one signed-in session from the next in logs and tests
# without showing the token.
SESSION_ID_KEY = "sid"
PARTNER_ADMIN = "partner_admin"
PARTNER_REP = "partner_rep"
_CHECKED = "portal_user_checked"  # in flask.g: /auth/me was asked this request


class PortalUser(UserMixin):
    """A user as the gateway's Me describes them."""

    def __init__(self, me):
        self.id = str(me["id"])
        self.kind = me.get("kind")
        self.email = str(me.get("email") or "")
        self.name = str(me.get("name") or self.email)
        self.roles = frozenset(str(role) for role in me.get("roles") or ())
        self.partner_org = me.get("partner_org") or None

    @property
    def is_partner(self):
        return self.kind == "partner" and isinstance(self.partner_org, dict)

    @property
    def is_partner_admin(self):
        return self.is_partner and PARTNER_ADMIN in self.roles


def gateway():
    return current_app.extensions["gateway"]


def access_token():
    """The signed-in user's bearer token for the gateway, or None."""
    return session.get(TOKEN_KEY)


def load_user(user_id):
    """flask-login's user loader: the session's user, as the gateway sees them now.
    Asked at most once per request; a 401 (token revoked or expired) ends the session."""
    if _CHECKED in g:
        return g.get("portal_user")
    # Set before asking: if the gateway cannot answer, the error page rendered for it
    # shows an anonymous visitor instead of asking again.
    g.setdefault(_CHECKED, True)
    token = access_token()
    if not token:
        end_session()
        return None
    try:
        me = gateway().me(token)
    except GatewayRejected as refused:
        if refused.status != 401:
            raise
        end_session()
        flash(_("Your session has ended. Please sign in again."), "info")
        return None
    user = PortalUser(me)
    if user.get_id() != str(user_id) or not user.is_partner:
        end_session()
        return None
    g.portal_user = user
    return user


def start_session(grant):
    """Sign the grant's user in, in a fresh session. Returns the user, or None (and
    revokes the new token) when the account is not a partner's."""
    user = PortalUser(grant["user"])
    if not user.is_partner:
        revoke(grant["access_token"])
        return None
    previous = access_token()
    if previous:
        revoke(previous)
    # Session fixation: nothing from before sign-in (ids, CSRF secret, a planted token)
    # survives into the signed-in session; the browser gets a new cookie.
    session.clear()
    session[SESSION_ID_KEY] = secrets.token_urlsafe(32)
    session[TOKEN_KEY] = grant["access_token"]
    login_user(user)
    g.portal_user = user
    g.setdefault(_CHECKED, True)
    return user


def end_session():
    session.clear()


def revoke(token):
    """Ask the gateway to revoke ``token``. Best effort: the session ends either way,
    and a token the gateway did not hear about still expires on its own."""
    try:
        gateway().sign_out(token)
    except GatewayError as error:
        current_app.logger.warning("gateway sign-out failed: %s", error)


def _sign_in_url():
    # Only a page can be gone back to; a form's POST target cannot be reloaded by GET.
    target = here() if request.method in ("GET", "HEAD") else None
    return url_for("auth.sign_in", next=target)


def ask_to_sign_in():
    """flask-login's unauthorized handler: an anonymous visitor on a protected page."""
    return redirect(_sign_in_url())


def sign_in_again():
    """The gateway answered 401 mid-session: the token is no longer good."""
    target = _sign_in_url()
    end_session()
    flash(_("Your session has ended. Please sign in again."), "info")
    return redirect(target)


def partner_admin_required(view):
    """After login_required: the page is for the organisation's partner admins."""
    @wraps(view)
    def checked(*args, **kwargs):
        if not current_user.is_partner_admin:
            abort(403)
        return view(*args, **kwargs)
    return checked


def navigation():
    """Template context: what the navigation may offer this visitor."""
    user = current_user
    signed_in = user.is_authenticated
    return {"signed_in": signed_in,
            "may_manage_team": signed_in and user.is_partner_admin}
