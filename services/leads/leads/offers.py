"""Lead offers to partner organisations (pure, no I/O): who may get a lead, the rule's
weighted choice, and the offer's own states (offered -> accepted | declined | expired).

The rule keeps the candidates in the lead's region (all of them when none is), then
draws one with a probability proportional to its tier's weight. The draw is seeded by
the lead's id, so offering the same lead to the same candidates picks the same partner
(a retried call, a test) while different leads spread over the partners.
"""
import random
from datetime import timedelta

from sfa_common.contracts.leads import OPEN_STATES
from sfa_common.errors import Conflict, ValidationFailed

OFFERED, ACCEPTED, DECLINED, EXPIRED = "offered", "accepted", "declined", "expired"


def check_offerable(lead):
    if lead["status"] not in OPEN_STATES:
        message = (f"The lead is {lead['status']}; only an unprocessed or followed-up lead "
                   f"can be offered to a partner.")
        raise Conflict(message, {"status": [message]})


def on_offer_conflict(offer):
    message = (f"The lead is already on offer to a partner until "
               f"{offer['expires_at'].isoformat()}; wait for the answer or its expiry.")
    return Conflict(message, {"status": [message]})


def in_region(lead, candidates):
    """The candidates in the lead's region; all of them when none is (or it has none)."""
    local = [candidate for candidate in candidates
             if lead.get("region") and candidate.get("region") == lead["region"]]
    return local or list(candidates)


def choose(lead, candidates, weights):
    """The candidate the rule offers ``lead`` to (deterministic for the lead's id)."""
    if not candidates:
        raise ValidationFailed("No partner organisation to offer the lead to.",
                               {"candidates": ["Name at least one candidate."]})
    pool = sorted(in_region(lead, candidates), key=lambda candidate: candidate["partner_org_id"])
    draw = random.Random(f"lead-offer:{lead['_id']}")   # a str seed is stable across runs
    return draw.choices(pool, weights=[weights[candidate["tier"]] for candidate in pool])[0]


def new_offer(lead, partner_org_id, actor_id, how, now, hours):
    return {"lead_id": str(lead["_id"]), "partner_org_id": partner_org_id,
            "offered_by": actor_id, "how": how, "status": OFFERED,
            "expires_at": now + timedelta(hours=hours), "company": lead["company"],
            "region": lead.get("region"), "industry": lead.get("industry"),
            "products_of_interest": list(lead.get("products_of_interest") or []),
            "answered_by": None, "answered_at": None, "decline_reason": None,
            "opportunity_id": None, "account_id": None}


def check_answerable(offer, now):
    """An offer is answered while it is offered and not past its expiry; a late answer
    finds it expired (the timer may not have run yet)."""
    status = offer["status"]
    if status == OFFERED and offer["expires_at"] <= now:
        status = EXPIRED
    if status != OFFERED:
        message = f"The offer is {status}; only an offered lead can be accepted or declined."
        raise Conflict(message, {"status": [message]})


def is_overdue(offer, now):
    return offer["status"] == OFFERED and offer["expires_at"] <= now


def conversion_request(offer, wanted, lead, now):
    """The ``convert_lead`` request an acceptance makes (the wire form ConvertSchema
    loads): the lead's customer, its contact when it names one, and an opportunity
    (defaults: the lead's company as its name, 0.00 CNY, expected close in 90 days)."""
    wanted = wanted or {}
    amount = wanted.get("amount")
    close = wanted.get("expected_close_date") or now + timedelta(days=90)
    return {"account": {},
            "contact": True if lead.get("contact_name") else None,
            "opportunity": {
                "name": wanted.get("name") or offer["company"],
                "amount": ({"amount": str(amount.amount), "currency": amount.currency}
                           if amount is not None else {"amount": "0.00", "currency": "CNY"}),
                "expected_close_date": close.date().isoformat()}}
