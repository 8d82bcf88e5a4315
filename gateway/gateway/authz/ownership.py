"""Who a new record belongs to, decided from the signed-in subject (pure).

An internal user's record is theirs unless they name another owner (their create
scope then decides whether they may). A partner's record always belongs to the
partner user and organisation creating it: whatever the client sent for those
fields is replaced, never trusted.
"""
from .scopes import RECORD_FIELDS


def stamp_owner(subject, object_type, record):
    fields = RECORD_FIELDS[object_type]
    stamped = dict(record)
    if subject.is_partner:
        if fields.partner_org:
            org = subject.partner_org_id
            list_field = fields.partner_org.endswith("_ids")
            stamped[fields.partner_org] = [org] if list_field else org
        if fields.partner_user:
            stamped[fields.partner_user] = subject.user_id
    elif fields.owner and not stamped.get(fields.owner):
        stamped[fields.owner] = subject.user_id
    return stamped
