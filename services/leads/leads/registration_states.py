"""Deal-registration states (pure, no I/O).

    draft -> submitted -> approved -> converted (its opportunity won)
                       |           -> expired   (protection ended)
                       -> rejected
                       -> returned -> submitted (resubmitted after an edit)

The partner edits a draft or a returned registration; a channel manager reviews a
submitted one; only an approved one is extended. Anything else is a Conflict that
names the state the registration is in.
"""
from datetime import timedelta

from sfa_common.contracts.registrations import (
    APPROVED,
    CONVERTED,
    DRAFT,
    EXPIRED,
    REJECTED,
    RETURNED,
    SUBMITTED,
    RegistrationEventSchema,
)
from sfa_common.errors import Conflict, ValidationFailed
from sfa_common.events import outbox_entry, stamp

# action -> (states it may start from, the state it leads to (None: unchanged), verb)
ACTIONS = {
    "edit": ((DRAFT, RETURNED), None, "edited"),
    "submit": ((DRAFT, RETURNED), SUBMITTED, "submitted"),
    "approve": ((SUBMITTED,), APPROVED, "approved"),
    "reject": ((SUBMITTED,), REJECTED, "rejected"),
    "return": ((SUBMITTED,), RETURNED, "returned"),
    "extend": ((APPROVED,), None, "extended"),
    "convert": ((APPROVED,), CONVERTED, "converted"),
    "expire": ((APPROVED,), EXPIRED, "expired"),
}
# What a review decision does.
DECISION_ACTIONS = {"approve": "approve", "reject": "reject", "return": "return"}
EVENT_TYPES = {APPROVED: "deal_registration_approved", REJECTED: "deal_registration_rejected",
               EXPIRED: "deal_registration_expired"}
REQUIRED_TO_SUBMIT = ("estimated_amount", "expected_close_date")


def allowed(status, action):
    return status in ACTIONS[action][0]


def check(registration, action):
    """Refuse ``action`` on a registration in a state it cannot start from."""
    starts, _, verb = ACTIONS[action]
    status = registration["status"]
    if status not in starts:
        message = (f"The registration is {status}; it cannot be {verb} "
                   f"(only a registration that is {' or '.join(starts)}).")
        raise Conflict(message, {"status": [message]})


def target(registration, action):
    """The state ``action`` leads to, after checking it may start here."""
    check(registration, action)
    return ACTIONS[action][1] or registration["status"]


def check_complete(registration):
    """Approval creates the opportunity from these: a submission needs them."""
    missing = {name: ["Required to submit the registration."]
               for name in REQUIRED_TO_SUBMIT if registration.get(name) is None}
    if missing:
        raise ValidationFailed("The registration is missing what approval needs.", missing)


def history_entry(status, at, actor_id, note=None):
    return {"status": status, "at": at, "actor_id": actor_id, "note": note}


def protection_end(now, tier, protection_days):
    """When an approval now protects a partner of ``tier``."""
    return now + timedelta(days=protection_days[tier])


def extended(registration, days, actor_id, now):
    """The changes and the extension entry of extending the protection by ``days``."""
    check(registration, "extend")
    ends = registration["protection_ends_at"] + timedelta(days=days)
    return {"protection_ends_at": ends}, {"by": actor_id, "days": days, "at": now}


def protection_over(registration, now):
    return registration["status"] == APPROVED and registration["protection_ends_at"] <= now


def pending_event(registration, now):
    """The outbox entry announcing ``registration``'s new state (approved, rejected or
    expired), or None for a state nobody listens for."""
    event_type = EVENT_TYPES.get(registration["status"])
    if event_type is None:
        return None
    review = registration.get("review") or {}
    facts = {name: registration.get(name) for name in (
        "status", "partner_org_id", "partner_user_id", "partner_tier", "company", "account_id",
        "opportunity_id", "protection_ends_at")}
    facts.update(registration_id=str(registration["_id"]), reviewer_id=review.get("reviewer_id"),
                 reason=review.get("reason"))
    payload = RegistrationEventSchema().dump(stamp(facts, occurred_at=now))
    return outbox_entry(event_type, payload, now)
