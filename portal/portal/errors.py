"""Error pages, in the partner's language. The gateway's typed errors map to a status
here, once, so views never catch them."""
from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .auth import sign_in_again
from .gateway_client import GatewayRejected, GatewayUnavailable


def _page(status, title, message, headers=None):
    body = render_template("errors/error.html", status=status, title=title, message=message)
    return body, status, headers or {}


def gateway_unavailable(error):
    return _page(503, _("Service temporarily unavailable"),
                 _("The portal cannot reach the sales system right now. "
                   "Please try again in a moment."),
                 {"Retry-After": "5"})


def gateway_rejected(error):
    if error.status == 401:  # the token was revoked or expired mid-session
        return sign_in_again()
    if error.status == 404:
        return not_found(error)
    if error.status == 403:
        return forbidden(error)
    # Anything else is a request the gateway refused, e.g. a stale page cursor.
    return _page(400, _("Request not accepted"),
                 _("The sales system did not accept this request. "
                   "Please go back and try again."))


def csrf_failed(error):
    return _page(400, _("Form expired"),
                 _("This form has expired or did not come from this site. "
                   "Please reload the page and try again."))


def forbidden(error):
    return _page(403, _("Not allowed"), _("You are not allowed to see this page."))


def not_found(error):
    return _page(404, _("Page not found"), _("There is no page at this address."))


def http_error(error):
    """Every other HTTP error (400, 405, ...) as a page, not Werkzeug's bare HTML."""
    allow = getattr(error, "valid_methods", None)  # 405 says what is allowed
    return _page(error.code, _("Request not accepted"),
                 _("The portal could not handle this request."),
                 {"Allow": ", ".join(allow)} if allow else None)


def internal_error(error):
    return _page(500, _("Something went wrong"),
                 _("The portal hit an unexpected error. Please try again later."))


def register(app):
    app.register_error_handler(GatewayUnavailable, gateway_unavailable)
    app.register_error_handler(GatewayRejected, gateway_rejected)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, internal_error)
