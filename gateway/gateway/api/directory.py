"""What the leads and registration routes look up in the gateway's own identity store:
internal users named as owners or reps, partner organisations named as the recipient of
an offer or a registration, and who is allowed the administrator's actions on leads.

A name that does not resolve is the client's bad request, naming the field it came in.
"""
from functools import wraps

from flask import current_app, g

from sfa_common.errors import Forbidden, ValidationFailed

from ..scopes import require, scope_for


def _store():
    return current_app.extensions["identity"].store


def internal_user(user_id, field):
    """The active internal user ``user_id``, or a 400 naming ``field``."""
    user = _store().find("users", user_id)
    if user is None or not user.get("active", True):
        raise ValidationFailed(f"No active internal user {user_id!r}.",
                               {field: ["No such active internal user."]})
    return user


def partner_org(org_id, field):
    """The active partner organisation ``org_id``, or a 400 naming ``field``."""
    org = _store().find("partner_orgs", org_id)
    if org is None or org.get("status", "active") != "active":
        raise ValidationFailed(f"No active partner organisation {org_id!r}.",
                               {field: ["No such active partner organisation."]})
    return org


def own_partner_org():
    """The signed-in partner's organisation (it is active: its users could not sign in
    otherwise)."""
    return _store().find("partner_orgs", g.subject.partner_org_id)


def partner_user_of(org, user_id, field):
    """The partner user ``user_id`` of ``org``, or a 400 naming ``field``."""
    user = _store().find("partner_users", user_id)
    if user is None or str(user.get("org_id")) != str(org["_id"]):
        raise ValidationFailed(f"No user {user_id!r} in partner organisation {org['name']!r}.",
                               {field: ["No such user in that partner organisation."]})
    return user


def active_partner_orgs():
    """Every active partner organisation (the candidates of an offer by rule)."""
    return list(_store().db["partner_orgs"].find({"status": "active"}).sort("_id", 1))


def internal_only(what):
    """403 for a partner: ``what`` is done inside the company."""
    if g.subject.is_partner:
        raise Forbidden(f"Partners may not {what}.")


def holds_all(object_type, action):
    """Does the caller hold ``action`` on every ``object_type`` record (scope ``all``)?"""
    try:
        return scope_for(object_type, action) == {}
    except Forbidden:
        return False


def require_all(object_type, action, what):
    """403 unless the caller holds ``action`` on every ``object_type`` record: the
    administrator's actions on leads (restoring a voided lead, seeing voided leads,
    the assignment rules) belong to whoever may change any lead (sales ops, admins)."""
    if not holds_all(object_type, action):
        raise Forbidden(f"Only sales operations or an admin may {what}.")


def granted(object_type, action):
    """A view decorator, above ``blp.arguments``: 403 before the body is read unless the
    caller holds ``action`` on ``object_type`` at all (whose fields a body needs can
    depend on who sends it; someone who may not send one at all hears that first)."""
    def decorator(view):
        @wraps(view)
        def checked(*args, **kwargs):
            require(object_type, action)
            return view(*args, **kwargs)
        return checked
    return decorator
