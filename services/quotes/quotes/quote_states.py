"""A quote's lifecycle (pure, no I/O).

    draft --submit--> approved            (every discount within the author's threshold)
    draft --submit--> pending_approval    (a line or the quote discount above it)
    pending_approval --approve--> approved | --reject--> draft (with a reason)
    approved --send--> sent --accept--> accepted | --decline--> rejected
                            --expire--> expired (valid_until passed: the timer)
    approved | sent | rejected | expired --revise--> superseded, and version n+1 as a draft

Only a draft is edited. Who may approve is the gateway's to check.
"""
from datetime import timedelta
from decimal import Decimal

from sfa_common.contracts.quotes import (
    ACCEPTED,
    APPROVED,
    DECLINED,
    DRAFT,
    EXPIRED,
    PENDING_APPROVAL,
    SENT,
    SUPERSEDED,
    QuoteAcceptedEventSchema,
)
from sfa_common.errors import Conflict
from sfa_common.events import outbox_entry, stamp

# action -> (states it starts from, the state it leads to); submit decides its own.
TRANSITIONS = {
    "edit": ((DRAFT,), DRAFT),
    "submit": ((DRAFT,), None),
    "approve": ((PENDING_APPROVAL,), APPROVED),
    "reject": ((PENDING_APPROVAL,), DRAFT),
    "send": ((APPROVED,), SENT),
    "accept": ((SENT,), ACCEPTED),
    "decline": ((SENT,), DECLINED),
    "expire": ((SENT,), EXPIRED),
    "revise": ((APPROVED, SENT, DECLINED, EXPIRED), SUPERSEDED),
}
_VERBS = {"edit": "edited", "submit": "submitted", "approve": "approved",
          "reject": "rejected", "send": "sent", "accept": "accepted", "decline": "declined",
          "expire": "expired", "revise": "revised"}


def check(quote, action):
    """Conflict naming the quote's state when ``action`` does not start from it."""
    allowed, _ = TRANSITIONS[action]
    if quote["status"] not in allowed:
        message = (f"The quote is {quote['status']}; only a quote that is "
                   f"{' or '.join(allowed)} can be {_VERBS[action]}.")
        raise Conflict(message, {"status": [message]})


def target(quote, action):
    check(quote, action)
    return TRANSITIONS[action][1]


def author_threshold(roles, thresholds):
    """The largest discount (percent) the author may give without approval: the most
    generous of their roles; None when no role of theirs has one (every discount above
    0 then needs approval)."""
    found = [thresholds[role] for role in roles or () if role in thresholds]
    return max(found) if found else None


def submission(max_discount, roles, thresholds):
    """``(status, approval)`` of a draft submitted by an author with ``roles``."""
    threshold = author_threshold(roles, thresholds)
    required = max_discount > (Decimal(0) if threshold is None else threshold)
    approval = {"required": required, "max_discount_percent": max_discount,
                "threshold_percent": threshold, "decided_by": None, "decided_at": None,
                "reason": None}
    return (PENDING_APPROVAL if required else APPROVED), approval


def lapsed(quote, now):
    """Past its validity: ``valid_until`` (a day, inclusive, UTC) is before today."""
    return quote["valid_until"] + timedelta(days=1) <= now


def check_still_valid(quote, now):
    if lapsed(quote, now):
        day = quote["valid_until"].date().isoformat()
        message = f"The quote was valid until {day}; revise it to quote again."
        raise Conflict(message, {"valid_until": [message]})


def history_entry(status, now, actor_id, note=None):
    return {"status": status, "at": now, "actor_id": actor_id, "note": note}


def accepted_event(quote, accepted_by, now):
    """The outbox entry of ``quote_accepted``: the accepted version and what it sold."""
    facts = {name: quote.get(name) for name in (
        "number", "version", "opportunity_id", "account_id", "owner_id", "department_id",
        "partner_org_id", "partner_user_id", "totals")}
    facts.update(quote_id=str(quote["_id"]), accepted_by=accepted_by,
                 lines=[{"sku": line["sku"], "category": line.get("category"),
                         "quantity": line["quantity"], "net": line["net"]}
                        for line in quote["lines"]])
    payload = QuoteAcceptedEventSchema().dump(stamp(facts, occurred_at=now))
    return outbox_entry("quote_accepted", payload, now)
