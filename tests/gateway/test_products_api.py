"""The product catalogue through the gateway: every signed-in user reads it, a partner
without the cost; sales ops change a product (the quotes service a real container on
the real broker)."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from quotes.service import QuotesService

PATH = "/api/v1/products"


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def quotes(start_service):
    return start_service(QuotesService)


@pytest.fixture
def server(quotes, people):
    return people.created("ops", PATH, {"sku": "SRV-9", "name": "机架服务器", "unit": "台",
                                        "category": "hardware/servers",
                                        "list_price": cny("1000.00"), "cost": cny("600.00")})


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def test_a_partner_reads_the_catalogue_without_the_cost(people, server):
    path = f"{PATH}/{server['id']}"
    assert answer(people, "rep1", "GET", path)["cost"] == cny("600.00")
    assert answer(people, "rep1", "GET", PATH)["items"] == [server]
    for who in ("pa1", "pb"):
        seen = answer(people, who, "GET", path)
        assert "cost" not in seen
        assert seen == {key: value for key, value in server.items() if key != "cost"}
        assert [set(item) for item in answer(people, who, "GET", PATH)["items"]] == \
            [set(seen)]


def test_sales_ops_change_a_product(people, quotes, server):
    path = f"{PATH}/{server['id']}"
    changed = answer(people, "ops", "PATCH", path,
                     json={"name": "机架服务器 二代", "list_price": cny("1100.00")})
    assert (changed["name"], changed["list_price"], changed["sku"], changed["cost"]) == \
        ("机架服务器 二代", cny("1100.00"), "SRV-9", cny("600.00"))
    assert answer(people, "admin", "PATCH", path, json={"active": False})["active"] is False
    assert answer(people, "rep1", "GET", path)["name"] == "机架服务器 二代"


def test_who_may_not_change_a_product_and_bad_changes(people, quotes, server):
    path = f"{PATH}/{server['id']}"
    for who in ("rep1", "pa1", "aa", "nobody"):
        assert_problem(people.call(who, "PATCH", path, json={"name": "x"}), 403)
    assert_problem(people.call("ops", "PATCH", path, json={}), 400)
    assert_problem(people.call("ops", "PATCH", path, json={"colour": "red"}), 400, "colour")
    assert_problem(people.call("ops", "PATCH", path, json={"list_price": cny("lots")}), 400,
                   "list_price.amount")
    assert_problem(people.call("ops", "PATCH", path, json={"sku": "srv 9"}), 400, "sku")
    other = people.created("ops", PATH, {"sku": "SRV-10", "name": "另一台",
                                         "list_price": cny("1.00")})
    assert_problem(people.call("ops", "PATCH", f"{PATH}/{other['id']}", json={"sku": "SRV-9"}),
                   409)
    assert_problem(people.call("ops", "PATCH", f"{PATH}/0123456789abcdef01234567",
                               json={"name": "x"}), 404)
    assert stored(quotes, "products").find_one({"sku": "SRV-9"})["name"] == "机架服务器"
