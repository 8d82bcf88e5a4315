"""Converting a lead (线索转换), the pure part: what to ask the opportunities service
for, and the event the conversion publishes.

A customer is mandatory (linked, found by the duplicate check, or created from the
lead's company); a contact and an opportunity are optional. Each create carries a
``source_key`` derived from the lead, so a retried conversion gets the same records
back from the opportunities service and creates nothing twice.
"""
from dataclasses import dataclass

from sfa_common.contracts.leads import ConversionOpportunitySchema, LeadConvertedEventSchema
from sfa_common.errors import ValidationFailed
from sfa_common.events import outbox_entry, stamp


def source_key(lead_id, what):
    return f"lead:{lead_id}:{what}"


@dataclass(frozen=True)
class Plan:
    lead_id: str
    account_id: str | None     # link this customer
    account: dict              # else create this one (payload without source_key)
    contact: dict | None       # payload without account_id and source_key
    opportunity: dict | None   # payload without account_id, contact_ids and source_key


def plan(lead, conversion, actor_id, attribution=None):
    """What converting ``lead`` asks for; bad input is a ValidationFailed naming the
    field before anything is created. ``attribution`` ({partner_org_id,
    partner_user_id}) credits the opportunity and the customer to a partner (a lead
    offer accepted); otherwise a partner-sourced lead's own partner fields do."""
    lead_id = str(lead["_id"])
    partner = attribution or {"partner_org_id": lead.get("partner_org_id"),
                              "partner_user_id": lead.get("partner_user_id")}
    # An unowned lead's customer and deal belong to whoever converts it.
    people = {"owner_id": lead.get("owner_id") or actor_id,
              "department_id": lead.get("department_id"),
              "team_member_ids": list(lead.get("team_member_ids") or [])}
    account = {"name": lead["company"], "industry": lead.get("industry"),
               "region": lead.get("region"), **people,
               "partner_org_ids": [partner["partner_org_id"]] if partner.get("partner_org_id")
               else [],
               "partner_user_id": partner.get("partner_user_id")}
    return Plan(lead_id=lead_id, account_id=(conversion.get("account") or {}).get("account_id"),
                account=account, contact=_contact(lead, conversion.get("contact")),
                opportunity=_opportunity(conversion.get("opportunity"), people, partner))


def _contact(lead, wanted):
    if wanted is None:
        return None
    name = wanted.get("name") or lead.get("contact_name")
    if not name:
        raise ValidationFailed("The contact needs a name; the lead has none.",
                               {"contact.name": ["Required: the lead names no contact."]})
    return {"name": name, "title": wanted.get("title"),
            "phone": wanted.get("phone") or lead.get("phone"),
            "email": wanted.get("email") or lead.get("email"), "notes": wanted.get("notes")}


def _opportunity(wanted, people, partner):
    if wanted is None:
        return None
    payload = ConversionOpportunitySchema().dump(wanted)   # Money and dates as on the wire
    return {**payload, **people, "partner_org_id": partner.get("partner_org_id"),
            "partner_user_id": partner.get("partner_user_id")}


def prefixed(error, prefix):
    """The opportunities service's ValidationFailed about a part of the conversion,
    its fields named as the caller sent them (``opportunity.stage``)."""
    return ValidationFailed(error.message, {f"{prefix}.{name}": reasons
                                            for name, reasons in error.details.items()})


def outcome(account, account_created, contact, opportunity, actor_id, now):
    return {"account_id": account["id"], "account_created": account_created,
            "contact_id": contact["id"] if contact else None,
            "opportunity_id": opportunity["id"] if opportunity else None,
            "converted_at": now, "converted_by": actor_id}


def pending_event(lead, conversion, now):
    """The outbox entry of ``lead_converted``."""
    facts = {name: lead.get(name) for name in (
        "company", "source", "owner_id", "department_id", "partner_org_id", "partner_user_id")}
    facts.update({name: conversion[name] for name in (
        "account_id", "account_created", "contact_id", "opportunity_id", "converted_by")})
    facts["lead_id"] = str(lead["_id"])
    payload = LeadConvertedEventSchema().dump(stamp(facts, occurred_at=now))
    return outbox_entry("lead_converted", payload, now)
