"""Lead offers in real containers on the real broker: offered by hand or by the rule,
accepted (the lead converts into an opportunity attributed to the partner, through the
leads' conversion path), declined (back to the pool) and expired by the timer."""
import pytest
from leads_support import EVERYTHING, new_lead
from nameko.testing.services import entrypoint_hook
from support import stored

from leads import lead_entrypoints, lead_store, registration_entrypoints, registration_store
from opportunities import dependencies as opportunity_dependencies
from opportunities import service as opportunity_service
from sfa_common.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def service_config(service_config):
    return {**service_config, "REGISTRATION_EXPIRY_SECONDS": "3600",
            "OFFER_EXPIRY_SECONDS": "3600"}


@pytest.fixture
def rclock(clock, monkeypatch):
    for module in (registration_entrypoints, registration_store, lead_entrypoints, lead_store,
                   opportunity_service, opportunity_dependencies):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


PARTNER = {"partner_org_id": "p1"}


def test_a_manual_offer_is_seen_by_its_organisation_only(leads, proxy, rclock):
    lead = new_lead(proxy, "Acme Ltd", region="华东", industry="retail")
    offer = proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1")
    assert (offer["status"], offer["how"], offer["company"], offer["region"],
            offer["expires_at"]) == ("offered", "manual", "Acme Ltd", "华东",
                                     "2026-11-23T08:00:00Z")
    assert proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1") == offer   # a retry
    with pytest.raises(Conflict) as raised:
        proxy.offer_lead(lead["id"], "p2", EVERYTHING, "cm1")
    assert "already on offer" in str(raised.value)
    assert proxy.get_offer(offer["id"], PARTNER) == offer
    with pytest.raises(NotFound):
        proxy.get_offer(offer["id"], {"partner_org_id": "p2"})
    assert [item["id"] for item in proxy.list_offers({}, PARTNER)["items"]] == [offer["id"]]
    assert proxy.list_offers({}, {"partner_org_id": "p2"})["items"] == []
    assert stored(leads, "lead_offers").count_documents({}) == 1


def test_only_an_open_lead_in_scope_is_offered(leads, proxy):
    lead = new_lead(proxy)
    with pytest.raises(NotFound):
        proxy.offer_lead(lead["id"], "p1", {"owner_id": "someone-else"}, "cm1")
    proxy.mark_invalid(lead["id"], "No budget", EVERYTHING, "u1")
    with pytest.raises(Conflict) as raised:
        proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1")
    assert "The lead is invalid" in str(raised.value)


def test_the_rule_prefers_the_region_and_is_stable_for_a_lead(leads, proxy):
    lead = new_lead(proxy, region="华东")
    candidates = [{"partner_org_id": "far", "region": "华北", "tier": "platinum"},
                  {"partner_org_id": "near", "region": "华东", "tier": "registered"}]
    offer = proxy.offer_lead_by_rule(lead["id"], candidates, EVERYTHING, "cm1")
    assert (offer["partner_org_id"], offer["how"]) == ("near", "rule")
    with pytest.raises(ValidationFailed) as raised:
        proxy.offer_lead_by_rule(lead["id"], [{"partner_org_id": "x", "tier": "bronze"}],
                                 EVERYTHING, "cm1")
    assert set(raised.value.details) == {"tier"}


def test_accepting_converts_the_lead_with_an_opportunity_attributed_to_the_partner(
        leads, opportunities, proxy, opportunities_proxy, rclock):
    lead = new_lead(proxy, "Acme Ltd", contact_name="Li Lei")
    offer = proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1")
    answer = {"answer": "accept", "opportunity": {
        "name": "Acme POS", "amount": {"amount": "5000.00", "currency": "CNY"}}}
    accepted = proxy.answer_offer(offer["id"], answer, PARTNER, "pu1")
    assert (accepted["status"], accepted["answered_by"]) == ("accepted", "pu1")
    deal = opportunities_proxy.get_opportunity(accepted["opportunity_id"], EVERYTHING)
    assert (deal["name"], deal["partner_org_id"], deal["partner_user_id"], deal["amount"],
            deal["expected_close_date"]) == ("Acme POS", "p1", "pu1",
                                             {"amount": "5000.00", "currency": "CNY"},
                                             "2027-02-18")
    account = opportunities_proxy.get_account(accepted["account_id"], {"partner_org_ids": "p1"})
    assert account["name"] == "Acme Ltd"
    converted = proxy.get_lead(lead["id"], EVERYTHING)
    assert converted["status"] == "converted"
    assert converted["conversion"]["opportunity_id"] == accepted["opportunity_id"]
    assert proxy.answer_offer(offer["id"], answer, PARTNER, "pu1") == accepted   # a retry
    assert stored(opportunities, "opportunities").count_documents({}) == 1
    with pytest.raises(Conflict):
        proxy.answer_offer(offer["id"], {"answer": "decline", "reason": "x"}, PARTNER, "pu1")


def test_declining_puts_the_lead_back_in_the_pool(leads, proxy):
    lead = new_lead(proxy)
    offer = proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1")
    with pytest.raises(ValidationFailed) as raised:
        proxy.answer_offer(offer["id"], {"answer": "decline"}, PARTNER, "pu1")
    assert set(raised.value.details) == {"reason"}
    with pytest.raises(NotFound):
        proxy.answer_offer(offer["id"], {"answer": "decline", "reason": "x"},
                           {"partner_org_id": "p2"}, "pu2")
    declined = proxy.answer_offer(offer["id"], {"answer": "decline", "reason": "Too far"},
                                  PARTNER, "pu1")
    assert (declined["status"], declined["decline_reason"]) == ("declined", "Too far")
    assert proxy.get_lead(lead["id"], EVERYTHING)["status"] == "unprocessed"
    again = proxy.offer_lead(lead["id"], "p2", EVERYTHING, "cm1")
    assert again["id"] != offer["id"] and again["status"] == "offered"


def test_unanswered_offers_expire_by_the_timer_and_late_answers_are_refused(
        leads, proxy, rclock):
    lead = new_lead(proxy)
    offer = proxy.offer_lead(lead["id"], "p1", EVERYTHING, "cm1")
    rclock.advance(hours=71)
    with entrypoint_hook(leads, "expire_offers") as expire:
        assert expire() == 0
    rclock.advance(hours=1)
    with pytest.raises(Conflict) as raised:   # before the timer ran: expired all the same
        proxy.answer_offer(offer["id"], {"answer": "accept"}, PARTNER, "pu1")
    assert "The offer is expired" in str(raised.value)
    with entrypoint_hook(leads, "expire_offers") as expire:
        assert expire() == 1
    assert proxy.get_offer(offer["id"], EVERYTHING)["status"] == "expired"
    assert proxy.get_lead(lead["id"], EVERYTHING)["status"] == "unprocessed"
    assert proxy.offer_lead(lead["id"], "p2", EVERYTHING, "cm1")["status"] == "offered"
