"""Price lists, their rules and pricing a basket, in the real quotes service on the real
RabbitMQ."""
from datetime import UTC, datetime, timedelta

import pytest
from bson.decimal128 import Decimal128
from nameko.standalone.rpc import ServiceRpcProxy
from support import stored

from quotes.service import QuotesService
from sfa_common.errors import NotFound, ValidationFailed


@pytest.fixture
def quotes(start_service):
    return start_service(QuotesService)


@pytest.fixture
def proxy(quotes, service_config):
    with ServiceRpcProxy("quotes", service_config, timeout=5) as proxy:
        yield proxy


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def server(proxy):
    return proxy.create_product({"sku": "SRV-1", "name": "Server", "category": "hardware/servers",
                                 "list_price": cny("100.00"), "cost": cny("60.00")})


def percent_rule(percent, **fields):
    return {"applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": percent,
            **fields}


def basket(*lines, **fields):
    return {"lines": list(lines), "currency": "CNY", **fields}


def test_a_list_is_created_ruled_read_and_listed(quotes, proxy, server):
    created = proxy.create_price_list({"name": "Gold partners", "currency": "CNY",
                                       "partner_tiers": ["gold"]})
    assert (created["revision"], created["rule_count"], created["active"]) == (0, 0, True)
    ruled = proxy.add_price_rule(created["id"], {
        "applies_to": {"kind": "product", "product_id": server["id"]}, "kind": "fixed_price",
        "amount": cny("88.50"), "min_quantity": "10", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", "priority": 3})
    assert (ruled["revision"], ruled["rule_count"]) == (1, 1)
    [rule] = ruled["rules"]
    assert rule["amount"] == cny("88.50") and rule["min_quantity"] == "10"
    assert (rule["valid_from"], rule["valid_to"]) == ("2026-01-01", "2026-12-31")
    assert proxy.get_price_list(created["id"]) == ruled
    document = stored(quotes, "price_rules").find_one()
    assert document["amount"] == {"amount": Decimal128("88.50"), "currency": "CNY"}
    page = proxy.list_price_lists({"partner_tier": "gold"})
    assert [item["name"] for item in page["items"]] == ["Gold partners"]
    assert "rules" not in page["items"][0] and page["items"][0]["rule_count"] == 1
    assert proxy.list_price_lists({"partner_tier": "silver"})["items"] == []

    emptied = proxy.remove_price_rule(created["id"], rule["id"])
    assert (emptied["rules"], emptied["rule_count"], emptied["revision"]) == ([], 0, 2)
    with pytest.raises(NotFound):
        proxy.remove_price_rule(created["id"], rule["id"])


def test_lists_page_in_name_order(proxy):
    for name in ["C", "A", "B"]:
        proxy.create_price_list({"name": name, "currency": "CNY"})
    first = proxy.list_price_lists({"limit": 2})
    second = proxy.list_price_lists({"limit": 2, "cursor": first["next_cursor"]})
    assert [item["name"] for item in first["items"] + second["items"]] == ["A", "B", "C"]
    assert second["next_cursor"] is None
    with pytest.raises(ValidationFailed) as raised:
        proxy.list_price_lists({"cursor": "bogus"})
    assert set(raised.value.details) == {"cursor"}


@pytest.mark.parametrize("rule, field", [
    ({"applies_to": {"kind": "all"}, "kind": "fixed_price"}, "amount"),
    ({"applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "101"}, "percent"),
    ({"applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "5",
      "amount": cny("1")}, "amount"),
    ({"applies_to": {"kind": "product"}, "kind": "percent_discount", "percent": "5"},
     "applies_to.product_id"),
    ({"applies_to": {"kind": "product", "product_id": "5f0c0c0c0c0c0c0c0c0c0c0c"},
      "kind": "percent_discount", "percent": "5"}, "applies_to.product_id"),
    ({"applies_to": {"kind": "category", "category": "/x"}, "kind": "percent_discount",
      "percent": "5"}, "applies_to.category"),
    ({"applies_to": {"kind": "all"}, "kind": "fixed_price",
      "amount": {"amount": "5", "currency": "USD"}}, "amount.currency"),
    ({"applies_to": {"kind": "all"}, "kind": "formula", "formula": {"base": "price_list"}},
     "formula.base"),
    ({"applies_to": {"kind": "all"}, "kind": "formula", "formula": {
        "base": "cost", "min_margin_percent": "30", "max_margin_percent": "20"}},
     "formula.min_margin_percent"),
    (percent_rule("5", valid_from="2026-02-01", valid_to="2026-01-01"), "valid_to"),
    (percent_rule("5", min_quantity="-1"), "min_quantity"),
])
def test_a_bad_rule_names_the_field_and_stores_nothing(quotes, proxy, rule, field):
    price_list = proxy.create_price_list({"name": "L", "currency": "CNY"})
    with pytest.raises(ValidationFailed) as raised:
        proxy.add_price_rule(price_list["id"], rule)
    assert set(raised.value.details) == {field}
    assert stored(quotes, "price_rules").count_documents({}) == 0
    assert proxy.get_price_list(price_list["id"])["revision"] == 0


def test_based_on_must_exist_share_the_currency_and_never_loop(proxy):
    a = proxy.create_price_list({"name": "A", "currency": "CNY"})
    b = proxy.create_price_list({"name": "B", "currency": "CNY", "based_on": a["id"]})
    c = proxy.create_price_list({"name": "C", "currency": "CNY", "based_on": b["id"]})
    usd = proxy.create_price_list({"name": "U", "currency": "USD"})
    for changes, loop in (({"based_on": c["id"]}, "A -> C -> B -> A"),
                          ({"based_on": a["id"]}, "A -> A")):
        with pytest.raises(ValidationFailed) as raised:
            proxy.update_price_list(a["id"], changes)
        assert set(raised.value.details) == {"based_on"}
        assert loop in raised.value.details["based_on"][0]
    for payload in ({"name": "X", "currency": "CNY", "based_on": usd["id"]},
                    {"name": "X", "currency": "CNY", "based_on": "5f0c0c0c0c0c0c0c0c0c0c0c"}):
        with pytest.raises(ValidationFailed) as raised:
            proxy.create_price_list(payload)
        assert set(raised.value.details) == {"based_on"}
    assert proxy.get_price_list(a["id"])["based_on"] is None


def test_update_refuses_currency_and_dropping_a_base_in_use(proxy):
    a = proxy.create_price_list({"name": "A", "currency": "CNY"})
    b = proxy.create_price_list({"name": "B", "currency": "CNY", "based_on": a["id"]})
    proxy.add_price_rule(b["id"], {"applies_to": {"kind": "all"}, "kind": "formula",
                                   "formula": {"base": "price_list", "discount_percent": "5"}})
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_price_list(b["id"], {"currency": "USD"})
    assert set(raised.value.details) == {"currency"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_price_list(b["id"], {"based_on": None})
    assert set(raised.value.details) == {"based_on"}
    renamed = proxy.update_price_list(b["id"], {"name": "B2", "partner_tiers": ["silver"]})
    assert (renamed["name"], renamed["partner_tiers"], renamed["revision"]) == (
        "B2", ["silver"], 2)
    with pytest.raises(NotFound):
        proxy.update_price_list("5f0c0c0c0c0c0c0c0c0c0c0c", {"name": "x"})


def test_a_basket_is_priced_through_a_chain_of_three_lists(proxy, server):
    base = proxy.create_price_list({"name": "Base", "currency": "CNY"})
    proxy.add_price_rule(base["id"], percent_rule("10"))
    middle = proxy.create_price_list({"name": "Middle", "currency": "CNY",
                                      "based_on": base["id"]})
    proxy.add_price_rule(middle["id"], {"applies_to": {"kind": "category",
                                                       "category": "hardware"},
                                        "kind": "formula", "formula": {
                                            "base": "price_list", "discount_percent": "5"}})
    top = proxy.create_price_list({"name": "Top", "currency": "CNY", "based_on": middle["id"]})
    proxy.add_price_rule(top["id"], {"applies_to": {"kind": "all"}, "kind": "formula",
                                     "formula": {"base": "price_list", "surcharge": "3",
                                                 "rounding": "1"}})
    priced = proxy.price_basket(basket({"product_id": server["id"], "quantity": "2"},
                                       {"sku": "SRV-1", "quantity": 1},
                                       price_list_id=top["id"], on="2026-03-01"))
    assert [line["unit_price"] for line in priced["lines"]] == [cny("89.00")] * 2
    assert [line["amount"] for line in priced["lines"]] == [cny("178.00"), cny("89.00")]
    assert priced["total"] == cny("267.00")
    assert priced["price_list"] == {"id": top["id"], "name": "Top"}
    trace = priced["lines"][0]["trace"]
    assert trace["base"]["trace"]["base"]["trace"]["price_list"]["name"] == "Base"
    assert priced["lines"][0]["product"]["sku"] == "SRV-1"
    assert priced["lines"][0]["quantity"] == "2"

    # A new rule is seen at once (the compiled list is per revision).
    proxy.add_price_rule(top["id"], {"applies_to": {"kind": "product",
                                                    "product_id": server["id"]},
                                     "kind": "fixed_price", "amount": cny("50.00")})
    again = proxy.price_basket(basket({"sku": "SRV-1", "quantity": "1"},
                                      price_list_id=top["id"]))
    assert again["total"] == cny("50.00")


def test_a_partner_tier_prices_under_the_active_list_serving_it(proxy, server):
    gold = proxy.create_price_list({"name": "Gold", "currency": "CNY",
                                    "partner_tiers": ["gold"]})
    proxy.add_price_rule(gold["id"], percent_rule("20"))
    line = {"sku": "SRV-1", "quantity": "1"}
    assert proxy.price_basket(basket(line, partner_tier="gold"))["total"] == cny("80.00")
    assert proxy.price_basket(basket(line, partner_tier="silver"))["total"] == cny("100.00")
    assert proxy.price_basket(basket(line))["total"] == cny("100.00")
    proxy.update_price_list(gold["id"], {"active": False})
    assert proxy.price_basket(basket(line, partner_tier="gold"))["total"] == cny("100.00")
    with pytest.raises(ValidationFailed) as raised:
        proxy.price_basket(basket(line, price_list_id=gold["id"]))
    assert set(raised.value.details) == {"price_list_id"}


def test_a_special_price_only_for_its_registered_deal_and_only_in_its_dates(proxy, server):
    price_list = proxy.create_price_list({"name": "Deals", "currency": "CNY"})
    today = datetime.now(UTC).date()
    proxy.add_price_rule(price_list["id"], {
        "applies_to": {"kind": "product", "product_id": server["id"]}, "kind": "fixed_price",
        "amount": cny("42.00"), "deal_registration_id": "reg-7",
        "valid_from": str(today), "valid_to": str(today + timedelta(days=1))})
    line = {"sku": "SRV-1", "quantity": "1"}
    deal = basket(line, price_list_id=price_list["id"], deal_registration_id="reg-7")
    assert proxy.price_basket(deal)["total"] == cny("42.00")      # on defaults to today
    later = str(today + timedelta(days=2))
    assert proxy.price_basket({**deal, "on": later})["total"] == cny("100.00")
    assert proxy.price_basket({**deal, "deal_registration_id": "reg-8"})["total"] == \
        cny("100.00")


def test_a_bad_basket_names_each_line(proxy, server):
    usd = proxy.create_product({"sku": "USD-1", "name": "Dollar thing",
                                "list_price": {"amount": "5", "currency": "USD"}})
    with pytest.raises(ValidationFailed) as raised:
        proxy.price_basket(basket({"sku": "SRV-1", "quantity": "1"},
                                  {"sku": "NOPE-1", "quantity": "1"},
                                  {"product_id": server["id"], "quantity": "0"},
                                  {"product_id": usd["id"], "quantity": "1"},
                                  {"quantity": "1"},
                                  {"sku": "SRV-1", "quantity": 1.5}))
    # The form is checked first: a line naming no product, a float quantity.
    assert set(raised.value.details) == {"lines.4.product_id", "lines.5.quantity"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.price_basket(basket({"sku": "SRV-1", "quantity": "1"},
                                  {"sku": "NOPE-1", "quantity": "1"},
                                  {"product_id": server["id"], "quantity": "0"},
                                  {"product_id": usd["id"], "quantity": "1"}))
    assert set(raised.value.details) == {"lines.1.sku", "lines.2.quantity", "lines.3"}
    usd_list = proxy.create_price_list({"name": "USD", "currency": "USD"})
    with pytest.raises(ValidationFailed) as raised:
        proxy.price_basket(basket({"sku": "SRV-1", "quantity": "1"},
                                  price_list_id=usd_list["id"]))
    assert set(raised.value.details) == {"currency"}
    with pytest.raises(ValidationFailed):
        proxy.price_basket(basket({"sku": "SRV-1", "quantity": "1"},
                                  price_list_id="5f0c0c0c0c0c0c0c0c0c0c0c"))


def test_a_write_on_a_stale_revision_changes_nothing(quotes, proxy):
    price_list = proxy.create_price_list({"name": "L", "currency": "CNY"})
    provider = next(d for d in quotes.dependencies if d.attr_name == "store")
    store = provider.repository_cls(provider.db)
    read = store.find_price_list(stored(quotes, "price_lists").find_one()["_id"])
    proxy.update_price_list(price_list["id"], {"name": "M"})
    assert store.change_price_list(read, {"name": "N"}) is None
    assert proxy.get_price_list(price_list["id"])["name"] == "M"
