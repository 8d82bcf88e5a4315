"""Data scopes as services apply them.

The gateway compiles who may see what into one MongoDB filter (the *scope*) and
passes it with every list/get/update call. A service ANDs it onto its own query.
A call that carries no scope is refused: defence in depth, so a caller that forgot
to scope cannot read everything.
"""
from .errors import Forbidden, ValidationFailed


def scoped(query, scope):
    """``query`` restricted to ``scope``; refuses a missing or malformed scope."""
    if scope is None:
        raise Forbidden("This call needs a data scope and none was given.")
    if not isinstance(scope, dict):
        raise ValidationFailed("The data scope is malformed.", {"scope": ["Must be an object."]})
    if not scope:
        return query
    if not query:
        return scope
    return {"$and": [query, scope]}
