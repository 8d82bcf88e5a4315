"""Pricing a basket through the gateway: inside the company under any list or tier,
a partner always under its own organisation's tier, with the partner view of the
trace (no costs, margins or other lists). The quotes and leads services are real
containers on the real broker."""
import json

import pytest
from identity.identity_support import assert_problem

from leads.service import LeadsService
from quotes.service import QuotesService

PATH = "/api/v1/pricing/basket"


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def services(start_service):
    return start_service(QuotesService), start_service(LeadsService)


@pytest.fixture
def catalogue(services, people, gw):
    """A server (list 1000, cost 600) and a support pack priced from its cost; an
    internal list (5% off everything), the gold list based on it (10% off that, margin
    at least 20%, cost plus 100 for the support pack) and the platinum list (700 fixed).
    Organisation B is platinum."""
    server = people.created("ops", "/api/v1/products", {
        "sku": "SRV-9", "name": "机架服务器", "category": "hardware/servers",
        "list_price": cny("1000.00"), "cost": cny("600.00")})
    support = people.created("ops", "/api/v1/products", {
        "sku": "SUP-1", "name": "维保服务", "category": "services",
        "list_price": cny("300.00"), "cost": cny("137.00")})
    standard = people.created("ops", "/api/v1/price-lists", {"name": "标准价",
                                                             "currency": "CNY"})
    people.created("ops", f"/api/v1/price-lists/{standard['id']}/rules", {
        "applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "5"})
    gold = people.created("ops", "/api/v1/price-lists", {
        "name": "金牌价", "currency": "CNY", "partner_tiers": ["gold"],
        "based_on": standard["id"]})
    rules = f"/api/v1/price-lists/{gold['id']}/rules"
    people.created("ops", rules, {
        "applies_to": {"kind": "category", "category": "hardware"}, "kind": "formula",
        "formula": {"base": "price_list", "discount_percent": "10",
                    "min_margin_percent": "20"}})
    people.created("ops", rules, {
        "applies_to": {"kind": "product", "product_id": support["id"]}, "kind": "formula",
        "formula": {"base": "cost", "surcharge": "100"}})
    platinum = people.created("ops", "/api/v1/price-lists", {
        "name": "铂金价", "currency": "CNY", "partner_tiers": ["platinum"]})
    people.created("ops", f"/api/v1/price-lists/{platinum['id']}/rules", {
        "applies_to": {"kind": "all"}, "kind": "fixed_price", "amount": cny("700.00")})
    changed = gw.admin("PATCH", f"/partner-orgs/{people.orgs['b']}", json={"tier": "platinum"})
    assert changed.status_code == 200, changed.get_json()
    return {"server": server, "support": support, "standard": standard, "gold": gold,
            "platinum": platinum}


def priced(people, who, lines, status=200, **basket):
    reply = people.call(who, "POST", PATH, json={"lines": lines, "currency": "CNY", **basket})
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def line(product, quantity="1"):
    return {"product_id": product["id"], "quantity": quantity}


def test_a_partner_is_priced_under_its_organisations_tier(people, catalogue):
    server = catalogue["server"]
    gold = priced(people, "pa1", [line(server, "2")])
    assert (gold["lines"][0]["unit_price"], gold["lines"][0]["amount"], gold["total"]) == \
        (cny("855.00"), cny("1710.00"), cny("1710.00"))
    assert gold["price_list"]["name"] == "金牌价"
    platinum = priced(people, "pb", [line(server, "2")])
    assert (platinum["lines"][0]["unit_price"], platinum["price_list"]["name"]) == \
        (cny("700.00"), "铂金价")
    # A partner names neither a list nor a tier: its organisation's is the only one.
    for field, value in [("price_list_id", catalogue["platinum"]["id"]),
                         ("partner_tier", "platinum")]:
        assert_problem(people.call("pa1", "POST", PATH, json={
            "lines": [line(server)], "currency": "CNY", field: value}), 400, field)


def test_a_partners_trace_shows_its_list_the_rule_kind_and_the_steps_only(people, catalogue):
    server, support = catalogue["server"], catalogue["support"]
    basket = priced(people, "pa1", [line(server), line(support)])
    server_line, support_line = basket["lines"]
    assert "cost" not in server_line["product"]
    trace = server_line["trace"]
    assert trace["price_list"] == {"name": "金牌价"}
    assert trace["rule"] == {"kind": "formula"}
    assert trace["base"] == {"source": "base_price", "amount": "950.00"}
    assert [step["step"] for step in trace["steps"]] == ["discount", "minor_unit"]
    assert trace["unit_price"] == "855.00"
    # Priced from the cost: nothing but that the company set the price.
    assert support_line["unit_price"] == cny("237.00")
    assert support_line["trace"]["base"] == {"source": "net_price"}
    assert support_line["trace"]["steps"] == []
    text = json.dumps(basket, ensure_ascii=False)
    for secret in ("标准价", catalogue["standard"]["id"], "cost", "600", "137", "margin",
                   "applies_to", "rules"):
        assert secret not in text, secret


def test_inside_the_company_any_list_or_tier_with_the_whole_trace(people, catalogue):
    server = catalogue["server"]
    gold = priced(people, "rep1", [line(server)], price_list_id=catalogue["gold"]["id"])
    trace = gold["lines"][0]["trace"]
    assert gold["lines"][0]["unit_price"] == cny("855.00")
    assert trace["base"]["source"] == "price_list"
    assert trace["base"]["trace"]["price_list"]["name"] == "标准价"
    assert [step["step"] for step in trace["steps"]] == ["discount", "margin_floor",
                                                         "minor_unit"]
    # The margin floor says what it held the price against: the cost, shown inside.
    floor = next(step for step in trace["steps"] if step["step"] == "margin_floor")
    assert "600.00" in str(floor)
    assert priced(people, "rep1", [line(server)], partner_tier="platinum")["total"] == \
        cny("700.00")
    assert priced(people, "rep1", [line(server)])["total"] == cny("1000.00")


def test_a_special_price_for_a_registered_deal_is_the_registrants_alone(people, catalogue):
    server = catalogue["server"]
    registration = people.created("pa1", "/api/v1/deal-registrations",
                                  {"company": "北京华辰科技有限公司"})
    people.created("ops", f"/api/v1/price-lists/{catalogue['gold']['id']}/rules", {
        "applies_to": {"kind": "product", "product_id": server["id"]},
        "kind": "fixed_price", "amount": cny("650.00"),
        "deal_registration_id": registration["id"]})
    special = priced(people, "pa1", [line(server)], deal_registration_id=registration["id"])
    assert special["total"] == cny("650.00")
    assert priced(people, "pa1", [line(server)])["total"] == cny("855.00")
    for who in ("pa2", "pb"):   # a deal registration they cannot read
        assert_problem(people.call(who, "POST", PATH, json={
            "lines": [line(server)], "currency": "CNY",
            "deal_registration_id": registration["id"]}), 400, "deal_registration_id")


def test_bad_baskets_are_400_naming_the_line(people, catalogue):
    server = catalogue["server"]
    for who in ("rep1", "pa1"):
        assert_problem(people.call(who, "POST", PATH, json={
            "lines": [line(server), line(server, "0")], "currency": "CNY"}), 400,
            "lines.1.quantity")
        assert_problem(people.call(who, "POST", PATH, json={
            "lines": [{"product_id": "0123456789abcdef01234567", "quantity": "1"}],
            "currency": "CNY"}), 400, "lines.0.product_id")
        assert_problem(people.call(who, "POST", PATH, json={"lines": [], "currency": "CNY"}),
                       400, "lines")
    assert_problem(people.call("nobody", "POST", PATH, json={
        "lines": [line(server)], "currency": "CNY"}), 403)
