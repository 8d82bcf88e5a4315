"""Conversion's pure part: what is asked of the opportunities service, and duplicates."""
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from leads import conversion, duplicates
from sfa_common.contracts.leads import ConvertSchema
from sfa_common.errors import ValidationFailed

LEAD = {"_id": ObjectId("0123456789abcdef01234567"), "company": "Acme Ltd",
        "contact_name": "Ann", "phone": "12345678", "email": "ann@acme.example",
        "region": "East", "industry": "IT", "owner_id": None, "department_id": "d1",
        "team_member_ids": ["t1"], "partner_org_id": "p1", "partner_user_id": "pu1"}
DEAL = {"name": "Deal", "amount": {"amount": "10.00", "currency": "CNY"},
        "expected_close_date": "2027-01-31"}


def planned(request, attribution=None):
    return conversion.plan(LEAD, ConvertSchema().load(request), "actor", attribution)


def test_a_plan_creates_the_customer_from_the_lead_owned_by_the_converter_when_unowned():
    plan = planned({"contact": True, "opportunity": DEAL})
    assert plan.account_id is None
    assert plan.account == {"name": "Acme Ltd", "industry": "IT", "region": "East",
                            "owner_id": "actor", "department_id": "d1",
                            "team_member_ids": ["t1"], "partner_org_ids": ["p1"],
                            "partner_user_id": "pu1"}
    assert plan.contact == {"name": "Ann", "title": None, "phone": "12345678",
                            "email": "ann@acme.example", "notes": None}
    assert plan.opportunity["amount"] == {"amount": "10.00", "currency": "CNY"}
    assert plan.opportunity["expected_close_date"] == "2027-01-31"
    assert (plan.opportunity["partner_org_id"], plan.opportunity["owner_id"]) == ("p1", "actor")
    assert conversion.source_key(plan.lead_id, "contact") == \
        "lead:0123456789abcdef01234567:contact"


def test_attribution_credits_the_partner_that_accepted_an_offer():
    plan = planned({"opportunity": DEAL}, {"partner_org_id": "p9", "partner_user_id": None})
    assert plan.account["partner_org_ids"] == ["p9"]
    assert (plan.opportunity["partner_org_id"], plan.opportunity["partner_user_id"]) == (
        "p9", None)
    assert plan.contact is None


def test_a_contact_needs_a_name():
    with pytest.raises(ValidationFailed) as raised:
        conversion.plan({**LEAD, "contact_name": None}, ConvertSchema().load({"contact": {}}),
                        "actor")
    assert list(raised.value.details) == ["contact.name"]


def test_the_event_carries_what_the_conversion_made():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    outcome = conversion.outcome({"id": "a1"}, True, None, {"id": "o1"}, "actor", now)
    event = conversion.pending_event(LEAD, outcome, now)
    assert event["event_type"] == "lead_converted" and event["queued_at"] == now
    assert {name: event["payload"][name] for name in (
        "lead_id", "account_id", "account_created", "contact_id", "opportunity_id")} == {
        "lead_id": str(LEAD["_id"]), "account_id": "a1", "account_created": True,
        "contact_id": None, "opportunity_id": "o1"}


def test_duplicate_keys_and_matches():
    keys = duplicates.keys({"company": "ACME Ltd.", "phone": "+86 10-1234", "email": " A@B.cn"})
    assert keys == {"normalised_company": "acme", "phone_key": "86101234", "email_key": "a@b.cn"}
    others = [{"_id": 1, "phone_key": "86101234", "normalised_company": "acme"},
              {"_id": 2, "email_key": "a@b.cn"}, {"_id": 3, "normalised_company": "beta"}]
    assert duplicates.duplicates(keys, others) == [
        {"lead_id": "1", "matched_on": ["phone", "company"]},
        {"lead_id": "2", "matched_on": ["email"]}]
    blank = duplicates.keys({"company": "!!!", "phone": None, "email": None})
    assert duplicates.duplicate_filter(blank) is None
