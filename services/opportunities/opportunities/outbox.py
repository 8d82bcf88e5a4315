"""Pending events of an opportunity (pure, no I/O): what the write that wins, loses or
reopens a deal pushes onto its outbox (the pattern: ``sfa_common.events``)."""
from sfa_common.contracts.opportunities import OpportunityEventSchema
from sfa_common.events import outbox_entry, stamp


def resolved_splits(opportunity):
    """The deal's splits; the owner takes 100 % revenue when it names none."""
    if opportunity["splits"] or opportunity.get("owner_id") is None:
        return opportunity["splits"]
    return [{"user_id": opportunity["owner_id"], "kind": "revenue", "percent": 100}]


def pending_event(event_type, opportunity, previous, now):
    """The outbox entry for ``event_type`` about ``opportunity`` as it is after the
    write; ``previous`` is the opportunity before it (a reopened deal's old stage)."""
    facts = {name: opportunity.get(name) for name in (
        "name", "account_id", "account_name", "amount", "owner_id", "department_id",
        "partner_org_id", "partner_user_id", "deal_registration_id", "products", "stage",
        "closed_at", "lost_reason")}
    facts.update(opportunity_id=str(opportunity["_id"]), splits=resolved_splits(opportunity))
    if event_type == "opportunity_reopened":
        facts.update(previous_stage=previous["stage"], previous_closed_at=previous["closed_at"])
    else:
        facts.update(previous_stage=None, previous_closed_at=None)
    payload = OpportunityEventSchema().dump(stamp(facts, occurred_at=now))
    return outbox_entry(event_type, payload, now)
