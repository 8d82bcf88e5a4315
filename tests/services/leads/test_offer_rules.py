"""Lead offers as pure rules: the region filter, the tier-weighted choice seeded by the
lead, answering, and the conversion an acceptance asks for."""
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from leads import offers
from sfa_common.errors import Conflict, ValidationFailed
from sfa_common.money import Money

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WEIGHTS = {"platinum": 4, "gold": 3, "silver": 2, "registered": 1}


def lead(region="华东", **fields):
    return {"_id": ObjectId(), "company": "Acme", "region": region, "status": "unprocessed",
            **fields}


def candidate(org, region="华东", tier="gold"):
    return {"partner_org_id": org, "region": region, "tier": tier}


def test_candidates_in_the_leads_region_are_kept_else_all():
    local, far = candidate("p1"), candidate("p2", region="华北")
    assert offers.in_region(lead(), [local, far]) == [local]
    assert offers.in_region(lead(region="西南"), [local, far]) == [local, far]
    assert offers.in_region(lead(region=None), [local, far]) == [local, far]


def test_the_choice_is_the_same_for_a_lead_whatever_the_order():
    the_lead = lead()
    pool = [candidate(f"p{i}", tier=tier) for i, tier in enumerate(WEIGHTS)]
    first = offers.choose(the_lead, pool, WEIGHTS)
    assert all(offers.choose(the_lead, list(reversed(pool)), WEIGHTS) == first
               for _ in range(5))


def test_the_choice_follows_the_tier_weights_over_many_leads():
    pool = [candidate(tier, tier=tier) for tier in WEIGHTS]
    chosen = Counter(offers.choose(lead(), pool, WEIGHTS)["tier"] for _ in range(4000))
    shares = {tier: chosen[tier] / 4000 for tier in WEIGHTS}
    for tier, weight in WEIGHTS.items():
        assert shares[tier] == pytest.approx(weight / 10, abs=0.03)


def test_no_candidate_is_a_validation_error():
    with pytest.raises(ValidationFailed) as raised:
        offers.choose(lead(), [], WEIGHTS)
    assert set(raised.value.details) == {"candidates"}


@pytest.mark.parametrize("status", ["converted", "invalid", "voided"])
def test_only_an_open_lead_is_offerable(status):
    with pytest.raises(Conflict) as raised:
        offers.check_offerable(lead(status=status))
    assert f"The lead is {status}" in str(raised.value)


def test_an_offer_is_answerable_until_it_expires():
    offer = offers.new_offer(lead(), "p1", "cm1", "manual", NOW, 72)
    assert offer["expires_at"] == NOW + timedelta(hours=72)
    offers.check_answerable(offer, NOW + timedelta(hours=71))
    with pytest.raises(Conflict) as raised:
        offers.check_answerable(offer, NOW + timedelta(hours=72))
    assert "The offer is expired" in str(raised.value)
    with pytest.raises(Conflict):
        offers.check_answerable({**offer, "status": "declined"}, NOW)
    assert offers.is_overdue(offer, NOW + timedelta(hours=72))


def test_the_conversion_an_acceptance_asks_for():
    offer = offers.new_offer(lead(), "p1", "cm1", "manual", NOW, 72)
    assert offers.conversion_request(offer, None, lead(), NOW) == {
        "account": {}, "contact": None,
        "opportunity": {"name": "Acme", "amount": {"amount": "0.00", "currency": "CNY"},
                        "expected_close_date": "2027-02-18"}}
    wanted = {"name": "Deal", "amount": Money("10.00", "CNY"), "expected_close_date": NOW}
    request = offers.conversion_request(offer, wanted, lead(contact_name="Li"), NOW)
    assert request["contact"] is True
    assert request["opportunity"] == {"name": "Deal",
                                      "amount": {"amount": "10.00", "currency": "CNY"},
                                      "expected_close_date": "2026-11-20"}
