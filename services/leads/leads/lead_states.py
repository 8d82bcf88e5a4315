"""The states of a lead (pure, no I/O).

unprocessed (未处理) -> following_up (跟进中) -> converted (final); unprocessed or
following_up -> invalid (无效, with a reason) -> following_up again (revive);
unprocessed, following_up or invalid -> voided (作废, hidden, kept for audit) -> back to
the state it was voided from (restore). A lead converts from unprocessed or
following_up. Each rule returns the changes to write; an illegal move is a Conflict
naming the state the lead is in.
"""
from sfa_common.contracts.leads import (
    CONVERTED,
    FOLLOWING_UP,
    INVALID,
    UNPROCESSED,
    VOIDED,
)
from sfa_common.errors import Conflict, ValidationFailed

# action -> (the states it may start from, what it is called in a message)
ALLOWED = {
    "follow_up": ((UNPROCESSED, FOLLOWING_UP), "followed up"),
    "invalidate": ((UNPROCESSED, FOLLOWING_UP), "marked invalid"),
    "revive": ((INVALID,), "revived"),
    "void": ((UNPROCESSED, FOLLOWING_UP, INVALID), "voided"),
    "restore": ((VOIDED,), "restored"),
    "convert": ((UNPROCESSED, FOLLOWING_UP), "converted"),
    "edit": ((UNPROCESSED, FOLLOWING_UP, INVALID), "changed"),
    "assign": ((UNPROCESSED, FOLLOWING_UP, INVALID), "assigned"),
}


def check(lead, action):
    """Refuse ``action`` on a lead in a state it cannot start from."""
    starts, done = ALLOWED[action]
    status = lead["status"]
    if status not in starts:
        message = (f"The lead is {status}; it cannot be {done} "
                   f"(only a lead that is {' or '.join(starts)}).")
        raise Conflict(message, {"status": [message]})


def follow_up(lead, entry):
    """Record a follow-up: an unprocessed lead is being followed up from now on, and the
    next follow-up date is the one this follow-up set (None clears it)."""
    check(lead, "follow_up")
    return {"status": FOLLOWING_UP, "next_follow_up_at": entry["next_follow_up_at"]}


def invalidate(lead, reason):
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("Say why the lead is invalid.",
                               {"reason": ["Required: why the lead is invalid."]})
    if len(reason) > 500:
        raise ValidationFailed("The reason is too long.", {"reason": ["At most 500 characters."]})
    check(lead, "invalidate")
    return {"status": INVALID, "invalid_reason": reason.strip()}


def revive(lead):
    check(lead, "revive")
    return {"status": FOLLOWING_UP}


def void(lead):
    check(lead, "void")
    return {"status": VOIDED, "voided_from": lead["status"]}


def restore(lead):
    check(lead, "restore")
    return {"status": lead.get("voided_from") or UNPROCESSED, "voided_from": None}


def convert(lead, conversion):
    check(lead, "convert")
    return {"status": CONVERTED, "conversion": conversion, "next_follow_up_at": None}


def is_overdue(lead, now):
    """What ``list_leads(overdue=true)`` selects, as a rule."""
    due = lead.get("next_follow_up_at")
    return lead["status"] in (UNPROCESSED, FOLLOWING_UP) and due is not None and due < now
