"""The quotes service in a real container on the real RabbitMQ."""
import pytest
from bson.decimal128 import Decimal128
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
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


def test_health_reports_storage(quotes):
    with entrypoint_hook(quotes, "health") as health:
        assert health() == {"service": "quotes", "status": "ok", "storage": True}


def test_created_product_is_stored_and_read_back_over_amqp(quotes, proxy):
    created = proxy.create_product({
        "sku": "SRV-2288H.V6", "name": "2288H V6 rack server", "category": "hardware/servers",
        "list_price": cny("12999.90"), "cost": cny("8000.0000")})
    assert proxy.get_product(created["id"]) == created
    # Digits survive exactly, trailing zeros too: Decimal128 stored, a string on the wire.
    assert created["list_price"] == cny("12999.90")
    assert created["cost"] == cny("8000.0000")
    assert (created["unit"], created["active"]) == ("unit", True)
    assert created["created_at"].endswith("Z")
    document = stored(quotes, "products").find_one()
    assert document["list_price"] == {"amount": Decimal128("12999.90"), "currency": "CNY"}


def test_bad_input_is_a_typed_error_naming_the_fields_and_stores_nothing(quotes, proxy):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_product({"sku": "srv-1", "list_price": cny("-1.00"),
                              "cost": {"amount": 1.5, "currency": "CNY"},
                              "category": "hardware//servers", "colour": "red"})
    assert set(raised.value.details) == {
        "sku", "name", "list_price.amount", "cost.amount", "category", "colour"}
    assert stored(quotes, "products").count_documents({}) == 0


def test_cost_in_another_currency_than_the_list_price_is_refused(quotes, proxy):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_product(product("SRV-1", cost={"amount": "10", "currency": "USD"}))
    assert set(raised.value.details) == {"cost.currency"}
    assert stored(quotes, "products").count_documents({}) == 0


def test_amount_too_precise_to_store_is_a_validation_error(quotes, proxy):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_product(product("SRV-1", list_price=cny("1" * 40)))
    assert set(raised.value.details) == {"list_price.amount"}


def test_a_second_product_with_the_same_sku_is_a_conflict(quotes, proxy):
    proxy.create_product(product("SRV-1"))
    with pytest.raises(Conflict) as raised:
        proxy.create_product(product("SRV-1", name="Another"))
    assert str(raised.value) == "A product with SKU SRV-1 exists."
    assert set(raised.value.details) == {"sku"}
    assert stored(quotes, "products").count_documents({}) == 1


def test_a_missing_or_malformed_product_id_is_not_found(proxy):
    with pytest.raises(NotFound):
        proxy.get_product("5f0c0c0c0c0c0c0c0c0c0c0c")
    with pytest.raises(NotFound):
        proxy.get_product("not-an-id")


def all_pages(proxy, query):
    pages, cursor = [], None
    while True:
        page = proxy.list_products({**query, "cursor": cursor})
        pages.append([item["sku"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_listing_pages_through_the_catalogue_in_sku_order(proxy):
    for sku in ["C-3", "A-1", "E-5", "B-2", "D-4"]:
        proxy.create_product(product(sku))
    assert all_pages(proxy, {"limit": 2}) == [["A-1", "B-2"], ["C-3", "D-4"], ["E-5"]]
    # An exact fit ends without an empty trailing page.
    assert all_pages(proxy, {"limit": 5}) == [["A-1", "B-2", "C-3", "D-4", "E-5"]]
    whole = proxy.list_products()
    assert [item["sku"] for item in whole["items"]] == ["A-1", "B-2", "C-3", "D-4", "E-5"]
    assert whole["items"][0]["list_price"] == cny("100.00")
    assert whole["next_cursor"] is None


def test_listing_filters_by_active_and_category_path(proxy):
    proxy.create_product(product("HW-0", category="hardware"))
    proxy.create_product(product("HW-1", category="hardware/servers"))
    proxy.create_product(product("HW-2", category="hardware/servers/gpu", active=False))
    proxy.create_product(product("HWS-1", category="hardwares"))
    proxy.create_product(product("SW-1", category="software"))
    assert all_pages(proxy, {"category": "hardware", "limit": 1}) == [["HW-0"], ["HW-1"], ["HW-2"]]
    assert all_pages(proxy, {"category": "hardware/servers"}) == [["HW-1", "HW-2"]]
    assert all_pages(proxy, {"category": "hardware", "active": True}) == [["HW-0", "HW-1"]]
    assert all_pages(proxy, {"active": False}) == [["HW-2"]]


@pytest.mark.parametrize("query, field", [
    ({"cursor": "not a cursor!"}, "cursor"),
    ({"cursor": "c3J2LTE"}, "cursor"),  # base64 of "srv-1", which is no SKU
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"category": "/hardware"}, "category"),
    ({"owner_id": "u1"}, "owner_id"),
])
def test_a_malformed_query_is_a_validation_error_naming_the_field(proxy, query, field):
    with pytest.raises(ValidationFailed) as raised:
        proxy.list_products(query)
    assert set(raised.value.details) == {field}
