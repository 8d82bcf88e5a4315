"""Pending events of an opportunity (pure, no I/O).

The write that wins, loses or reopens a deal also pushes the stamped event onto the
document's ``outbox``; the service dispatches it after the write and pulls it by
``event_id``. What is still there later (the dispatch failed, the worker died) the
relay sends again, ids unchanged: delivery is at-least-once and listeners
deduplicate by ``event_id``.
"""
from datetime import timedelta

from sfa_common.contracts.opportunities import OpportunityEventSchema
from sfa_common.events import stamp


def resolved_splits(opportunity):
    """The deal's splits; the owner takes 100 % revenue when it names none."""
    if opportunity["splits"] or opportunity.get("owner_id") is None:
        return opportunity["splits"]
    return [{"user_id": opportunity["owner_id"], "kind": "revenue", "percent": 100}]


def pending_event(event_type, opportunity, previous, now):
    """The outbox entry for ``event_type`` about ``opportunity`` as it is after the
    write; ``previous`` is the opportunity before it (a reopened deal's old stage)."""
    facts = {name: opportunity.get(name) for name in (
        "name", "account_id", "amount", "owner_id", "department_id", "partner_org_id",
        "partner_user_id", "deal_registration_id", "products", "stage", "closed_at",
        "lost_reason")}
    facts.update(opportunity_id=str(opportunity["_id"]), splits=resolved_splits(opportunity))
    if event_type == "opportunity_reopened":
        facts.update(previous_stage=previous["stage"], previous_closed_at=previous["closed_at"])
    else:
        facts.update(previous_stage=None, previous_closed_at=None)
    payload = OpportunityEventSchema().dump(stamp(facts, occurred_at=now))
    return {"event_id": payload["event_id"], "event_type": event_type, "payload": payload,
            "queued_at": now}


def overdue_cutoff(now, relay_seconds):
    """Entries queued at or before this are overdue: their write's own dispatch had its
    chance."""
    return now - timedelta(seconds=relay_seconds)
