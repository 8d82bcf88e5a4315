"""Accounts, products and commission periods through the gateway, each service a
real container on the real broker."""
import pytest

from commission.service import CommissionService
from opportunities.service import OpportunitiesService
from quotes.service import QuotesService


def product(sku, amount="100.00", **fields):
    return {"sku": sku, "name": f"Product {sku}", "category": "hardware/servers",
            "list_price": {"amount": amount, "currency": "CNY"}, **fields}


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    if field:
        assert field in response.get_json()["errors"], response.get_json()


def test_products_create_read_conflict_and_page_by_cursor(client, start_service):
    start_service(QuotesService)
    created = client.post("/api/v1/products", json=product("SRV-2", "45800.10"))
    assert created.status_code == 201
    assert created.get_json()["list_price"] == {"amount": "45800.10", "currency": "CNY"}
    assert client.get(f"/api/v1/products/{created.get_json()['id']}").get_json() == \
        created.get_json()
    assert_problem(client.post("/api/v1/products", json=product("SRV-2")), 409)

    for sku in ("SRV-1", "SRV-3"):
        assert client.post("/api/v1/products", json=product(sku)).status_code == 201
    first = client.get("/api/v1/products?limit=2").get_json()
    assert [item["sku"] for item in first["items"]] == ["SRV-1", "SRV-2"]
    second = client.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["sku"] for item in second["items"]] == ["SRV-3"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("cursor=%%%", "cursor"),
    ("colour=red", "colour"),
])
def test_bad_product_queries_are_400_naming_the_parameter(client, start_service, query, field):
    start_service(QuotesService)
    assert_problem(client.get(f"/api/v1/products?{query}"), 400, field)


@pytest.mark.parametrize("body, field", [
    (product("SRV-1", "-1.00"), "list_price.amount"),
    (product("SRV-1", 12.5), "list_price.amount"),  # a JSON float is not money
    (product("srv 1"), "sku"),
    (product("SRV-1", cost={"amount": "1.00", "currency": "USD"}), "cost.currency"),
])
def test_bad_products_are_400_naming_the_field_and_nothing_is_stored(
        client, start_service, body, field):
    start_service(QuotesService)
    assert_problem(client.post("/api/v1/products", json=body), 400, field)
    assert client.get("/api/v1/products").get_json()["items"] == []


def test_accounts_create_read_and_credit_code_conflict(client, start_service):
    start_service(OpportunitiesService)
    account = {"name": "北京华辰科技有限公司", "unified_social_credit_code": "91110108MA01ABCD1X"}
    bad_code = client.post("/api/v1/accounts", json=account)
    assert_problem(bad_code, 400, "unified_social_credit_code")

    account["unified_social_credit_code"] = "91350100M000100Y43"
    created = client.post("/api/v1/accounts", json=account)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["normalised_name"] == "华辰科技"
    assert client.get(f"/api/v1/accounts/{created.get_json()['id']}").status_code == 200
    assert_problem(client.post("/api/v1/accounts", json=account), 409)
    assert_problem(client.get("/api/v1/accounts/0123456789abcdef01234567"), 404)


def test_commission_periods(client, start_service):
    start_service(CommissionService)
    created = client.post("/api/v1/commission/periods", json={"key": "2026-02"})
    assert created.status_code == 201
    assert (created.get_json()["starts_on"], created.get_json()["ends_on"]) == \
        ("2026-02-01", "2026-02-28")
    assert client.get("/api/v1/commission/periods/2026-02").get_json() == created.get_json()
    assert_problem(client.post("/api/v1/commission/periods", json={"key": "2026-02"}), 409)
    assert_problem(client.post("/api/v1/commission/periods", json={"key": "2026-13"}), 400, "key")
    assert_problem(client.get("/api/v1/commission/periods/2027-01"), 404)
