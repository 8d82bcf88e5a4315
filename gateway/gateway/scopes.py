"""Authorization at the door: what Casbin grants the signed-in subject for (object
type, action), compiled once per request into one MongoDB filter (the *scope*) that
the service applies to its query. Never one decision per record.

No grant at all is a 403, except where the call names one record: then it is the
same 404 the service gives for a missing record, so nothing about it leaks.
"""
from flask import current_app, g

from sfa_common.errors import Forbidden, NotFound

from .authz.matcher import matches
from .authz.ownership import stamp_owner
from .authz.scopes import RECORD_FIELDS, compile_filter, scopes_for


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


def owned_new_record(object_type, record, *, owner_department=False):
    """``record`` stamped with who creates it (see ``stamp_owner``) and, with
    ``owner_department``, its owner's department (see ``with_owner_department``),
    refused unless the subject's create scope covers the stamped record."""
    stamped = stamp_owner(g.subject, object_type, record)
    if g.subject.is_partner and RECORD_FIELDS[object_type].owner:
        stamped = with_channel_manager(stamped)
    if owner_department:
        stamped = with_owner_department(stamped)
    return creatable(object_type, stamped)


def with_channel_manager(record):
    """A partner's new record belongs, inside the company, to its organisation's
    channel manager: that is who works the partner's deals and customers, and the
    internal scopes (theirs, their manager's, their department's) then select it."""
    org = current_app.extensions["identity"].store.find("partner_orgs",
                                                        g.subject.partner_org_id)
    manager = org and org.get("channel_manager_id")
    return {**record, "owner_id": str(manager)} if manager else record


def creatable(object_type, record):
    """``record``, refused unless the subject's create scope covers it as it stands."""
    if not matches(scope_for(object_type, "create"), record):
        raise Forbidden("You may not create this record for that owner or organisation.",
                        {"owner_id": ["Outside what you may create."]})
    return record


def with_owner_department(record):
    """``record`` with its internal owner's main department as ``department_id`` when it
    names none, so the department scopes select it. A record without an internal
    owner (a partner's), or whose owner has no main department, is left as it is."""
    if record.get("department_id") or not record.get("owner_id"):
        return record
    owner = current_app.extensions["identity"].store.find("users", record["owner_id"])
    if owner is None or not owner.get("main_department_id"):
        return record
    return {**record, "department_id": str(owner["main_department_id"])}
