"""Changing products, in the real quotes service on the real RabbitMQ."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from support import stored

from quotes.service import QuotesService
from sfa_common.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def quotes(start_service):
    return start_service(QuotesService)


@pytest.fixture
def proxy(quotes, service_config):
    with ServiceRpcProxy("quotes", service_config, timeout=5) as proxy:
        yield proxy


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def product(sku, **fields):
    return {"sku": sku, "name": f"Product {sku}", "list_price": cny("100.00"), **fields}


def test_update_changes_only_the_named_fields(proxy):
    created = proxy.create_product(product("SRV-1", category="hardware", cost=cny("60.00")))
    updated = proxy.update_product(created["id"], {"list_price": cny("120.00"),
                                                   "category": "hardware/servers",
                                                   "active": False})
    assert updated["list_price"] == cny("120.00")
    assert (updated["category"], updated["active"]) == ("hardware/servers", False)
    assert (updated["sku"], updated["name"], updated["cost"]) == ("SRV-1", "Product SRV-1",
                                                                  cny("60.00"))
    assert updated["updated_at"] >= created["updated_at"]
    assert proxy.get_product(created["id"]) == updated


def test_update_to_a_taken_sku_is_a_conflict(quotes, proxy):
    proxy.create_product(product("SRV-1"))
    second = proxy.create_product(product("SRV-2"))
    with pytest.raises(Conflict) as raised:
        proxy.update_product(second["id"], {"sku": "SRV-1"})
    assert set(raised.value.details) == {"sku"}
    assert proxy.get_product(second["id"])["sku"] == "SRV-2"


@pytest.mark.parametrize("changes, field", [
    ({}, "_schema"),
    ({"list_price": cny("-1")}, "list_price.amount"),
    ({"cost": {"amount": "5", "currency": "USD"}}, "cost.currency"),
    ({"list_price": {"amount": "5", "currency": "USD"}}, "cost.currency"),
    ({"category": "a//b"}, "category"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_change_names_the_field_and_changes_nothing(quotes, proxy, changes, field):
    created = proxy.create_product(product("SRV-1", cost=cny("60.00")))
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_product(created["id"], changes)
    assert set(raised.value.details) == {field}
    assert proxy.get_product(created["id"]) == created
    assert stored(quotes, "products").count_documents({}) == 1


def test_updating_a_missing_product_is_not_found(proxy):
    with pytest.raises(NotFound):
        proxy.update_product("5f0c0c0c0c0c0c0c0c0c0c0c", {"name": "x"})
    with pytest.raises(NotFound):
        proxy.update_product("nope", {"name": "x"})


def test_pricing_sees_a_product_change_at_once(proxy):
    created = proxy.create_product(product("SRV-1"))
    basket = {"lines": [{"sku": "SRV-1", "quantity": "2"}], "currency": "CNY"}
    assert proxy.price_basket(basket)["total"] == cny("200.00")
    proxy.update_product(created["id"], {"list_price": cny("150.00")})
    assert proxy.price_basket(basket)["total"] == cny("300.00")
    proxy.create_product(product("SRV-2"))
    two = {**basket, "lines": [*basket["lines"], {"sku": "SRV-2", "quantity": "1"}]}
    assert proxy.price_basket(two)["total"] == cny("400.00")
    priced_product = proxy.price_basket(basket)["lines"][0]["product"]
    assert priced_product == {"id": created["id"], "sku": "SRV-1", "name": "Product SRV-1",
                              "category": None, "unit": "unit", "list_price": cny("150.00")}
    proxy.update_product(created["id"], {"active": False})
    with pytest.raises(ValidationFailed) as raised:
        proxy.price_basket(basket)
    assert set(raised.value.details) == {"lines.0.sku"}
