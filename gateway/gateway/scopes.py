"""Authorization at the door: what Casbin grants the signed-in subject for (object
type, action), compiled once per request into one MongoDB filter (the *scope*) that
the service applies to its query. Never one decision per record.

No grant at all is a 403, except where the call names one record: then it is the
same 404 the service gives for a missing record, so nothing about it leaks.
"""
from flask import current_app, g
from mongomock.filtering import filter_applies

from sfa_common.errors import Forbidden, NotFound

from .authz.ownership import stamp_owner
from .authz.scopes import compile_filter, scopes_for


def _compiled(object_type, action):
    names = scopes_for(current_app.extensions["enforcer"], g.subject, object_type, action)
    return compile_filter(g.subject, object_type, names)


def scope_for(object_type, action, record=None):
    """The filter for ``action`` on ``object_type``; ``record`` is the id a call names."""
    compiled = _compiled(object_type, action)
    if compiled is None:
        if record is not None:
            raise NotFound(f"No {object_type} {record!r}.")
        raise Forbidden(f"You may not {action} {object_type.replace('_', ' ')} records.")
    return compiled


def require(object_type, action):
    """For catalogues, which have no owners to scope by: is the action granted at all?"""
    scope_for(object_type, action)


def owned_new_record(object_type, record):
    """``record`` stamped with who creates it (see ``stamp_owner``), refused unless the
    subject's create scope covers the stamped record."""
    allowed = scope_for(object_type, "create")
    stamped = stamp_owner(g.subject, object_type, record)
    if not filter_applies(allowed, stamped):
        raise Forbidden("You may not create this record for that owner or organisation.",
                        {"owner_id": ["Outside what you may create."]})
    return stamped
