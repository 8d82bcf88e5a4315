"""Every error the gateway answers is ``application/problem+json`` (RFC 9457).

One table maps the services' typed remote errors to HTTP statuses; views never
catch them one by one.
"""
from flask import jsonify

from sfa_common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
    flatten_messages,
)

from .rpc import ServiceUnavailable

PROBLEM_JSON = "application/problem+json"

STATUS_OF = {
    ValidationFailed: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    ServiceUnavailable: 503,
}

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 415: "Unsupported media type",
    422: "Unprocessable content", 429: "Too many requests", 500: "Internal server error",
    503: "Service unavailable",
}


def problem(status, detail=None, errors=None, headers=None, **members):
    """A problem+json response; ``members`` are extension members of the body."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            **members}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_service_error(error):
    status = next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))
    # Every typed error may name its fields (a 409 on a taken name, a 403 on an owner
    # outside the create scope), not only a 400.
    return problem(status, str(error), error.details or None)


def from_unavailable(error):
    return problem(503, str(error), headers={"Retry-After": "1"})


def flatten_webargs(messages):
    """webargs nests messages by location ({"json": {"name": [...]}}); a client wants
    the field names. The location is dropped unless it is all there is to say."""
    flat = {}
    for location, value in messages.items():
        if isinstance(value, dict):
            flat.update(flatten_messages(value))
        else:
            flat[location] = [str(m) for m in value]
    return flat


def register(app):
    app.register_error_handler(ServiceError, from_service_error)
    app.register_error_handler(ServiceUnavailable, from_unavailable)
