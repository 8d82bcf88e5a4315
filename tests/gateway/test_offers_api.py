"""Lead offers through the gateway: offering a lead to a partner organisation (by hand
or by the rule over the gateway's partner organisations), the organisation's view of
its offers, declining (the lead back in the pool) and accepting (the lead converts into
an opportunity attributed to the partner) (the leads and opportunities services real
containers on the real broker)."""
import pytest
from identity.identity_support import assert_problem

from leads.service import LeadsService
from opportunities.service import OpportunitiesService

OFFERS = "/api/v1/lead-offers"


@pytest.fixture
def services(start_service):
    return start_service(LeadsService), start_service(OpportunitiesService)


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


@pytest.fixture
def pool_lead(services, people):
    created = people.created("ops", "/api/v1/leads", {"company": "苏州精密制造有限公司",
                                                      "region": "华东",
                                                      "products_of_interest": ["服务器"]})
    return created


def test_offer_decline_and_offer_again(people, pool_lead):
    offers = f"/api/v1/leads/{pool_lead['id']}/offers"
    assert_problem(people.call("rep1", "POST", offers, json={"partner_org_id": people.orgs["a"]}),
                   403)
    assert_problem(people.call("aa", "POST", offers, json={"partner_org_id": people.orgs["a"]}),
                   403)
    assert_problem(people.call("ops", "POST", offers, json={}), 400, "partner_org_id")
    assert_problem(people.call("ops", "POST", offers,
                               json={"partner_org_id": people.orgs["a"], "by_rule": True}),
                   400, "partner_org_id")
    assert_problem(people.call("ops", "POST", offers,
                               json={"partner_org_id": "0123456789abcdef01234567"}),
                   400, "partner_org_id")
    offer = answer(people, "ops", "POST", offers, 201, json={"partner_org_id": people.orgs["a"]})
    assert (offer["status"], offer["partner_org_id"], offer["offered_by"], offer["company"]) == \
        ("offered", people.orgs["a"], people.ids["ops"], pool_lead["company"])
    assert_problem(people.call("ops", "POST", offers, json={"partner_org_id": people.orgs["b"]}),
                   409)

    seen = answer(people, "pa2", "GET", f"{OFFERS}/{offer['id']}")
    assert "offered_by" not in seen and seen["id"] == offer["id"]
    for who in ("pa1", "pa2", "aa"):
        assert [item["id"] for item in answer(people, who, "GET", OFFERS)["items"]] == \
            [offer["id"]]
    assert answer(people, "pb", "GET", OFFERS)["items"] == []
    assert_problem(people.call("pb", "GET", f"{OFFERS}/{offer['id']}"), 404)
    assert_problem(people.call("rep1", "GET", OFFERS), 403)
    assert answer(people, "ops", "GET", f"{OFFERS}?status=offered")["items"][0]["offered_by"] \
        == people.ids["ops"]

    decline = f"{OFFERS}/{offer['id']}/decline"
    assert_problem(people.call("pa1", "POST", decline, json={}), 400, "reason")
    assert_problem(people.call("pb", "POST", decline, json={"reason": "不做"}), 404)
    assert_problem(people.call("ops", "POST", decline, json={"reason": "不做"}), 403)
    declined = answer(people, "pa2", "POST", decline, json={"reason": "区域不覆盖"})
    assert (declined["status"], declined["decline_reason"]) == ("declined", "区域不覆盖")
    assert_problem(people.call("pa1", "POST", f"{OFFERS}/{offer['id']}/accept", json={}), 409)
    lead = answer(people, "ops", "GET", f"/api/v1/leads/{pool_lead['id']}")
    assert lead["status"] == "unprocessed"

    # Back in the pool: the rule offers it to one of the active organisations.
    again = answer(people, "ops", "POST", offers, 201, json={"by_rule": True})
    assert again["how"] == "rule" and again["partner_org_id"] in people.orgs.values()


def test_accepting_converts_the_lead_into_the_partners_opportunity(people, pool_lead):
    offer = answer(people, "ops", "POST", f"/api/v1/leads/{pool_lead['id']}/offers", 201,
                   json={"partner_org_id": people.orgs["a"]})
    accept = f"{OFFERS}/{offer['id']}/accept"
    assert_problem(people.call("ops", "POST", accept, json={}), 403)
    assert_problem(people.call("pb", "POST", accept, json={}), 404)
    assert_problem(people.call("pa1", "POST", accept, json={"opportunity": {
        "amount": {"amount": "lots", "currency": "CNY"}}}), 400, "opportunity.amount.amount")
    accepted = answer(people, "pa1", "POST", accept, json={"opportunity": {
        "name": "精密制造 - 服务器", "amount": {"amount": "88000.00", "currency": "CNY"}}})
    assert accepted["status"] == "accepted" and accepted["opportunity_id"]
    assert "offered_by" not in accepted
    opportunity = answer(people, "pa1", "GET",
                         f"/api/v1/opportunities/{accepted['opportunity_id']}")
    assert (opportunity["name"], opportunity["amount"]["amount"]) == \
        ("精密制造 - 服务器", "88000.00")
    assert answer(people, "ops", "GET", f"/api/v1/opportunities/{opportunity['id']}"
                  )["partner_org_id"] == people.orgs["a"]
    lead = answer(people, "ops", "GET", f"/api/v1/leads/{pool_lead['id']}")
    assert (lead["status"], lead["conversion"]["opportunity_id"]) == \
        ("converted", opportunity["id"])
    # Accepting again (a retry, or a colleague) answers the same; declining now is a 409.
    assert answer(people, "pa2", "POST", accept, json={})["opportunity_id"] == opportunity["id"]
    assert_problem(people.call("pa2", "POST", f"{OFFERS}/{offer['id']}/decline",
                               json={"reason": "晚了"}), 409)
    assert_problem(people.call("ops", "POST", f"/api/v1/leads/{pool_lead['id']}/offers",
                               json={"partner_org_id": people.orgs["b"]}), 409)


def test_the_rule_offers_to_a_partner_of_the_leads_region(people, pool_lead, gw):
    regional = gw.org("华东渠道有限公司", tier="silver", region="华东")
    assert regional["region"] == "华东"
    gw.org("华南渠道有限公司", tier="platinum", region="华南")
    offer = answer(people, "ops", "POST", f"/api/v1/leads/{pool_lead['id']}/offers", 201,
                   json={"by_rule": True})
    # The only organisation of the lead's region, though a platinum one elsewhere
    # weighs more.
    assert offer["partner_org_id"] == regional["id"]
