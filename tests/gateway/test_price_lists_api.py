"""Price lists and their rules through the gateway: every internal user reads them,
sales ops and admins maintain them, partners never see one (the quotes service a real
container on the real broker)."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from quotes.service import QuotesService

PATH = "/api/v1/price-lists"
DISCOUNT_ALL = {"applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "5"}


@pytest.fixture
def quotes(start_service):
    return start_service(QuotesService)


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def test_sales_ops_keep_a_price_list_and_its_rules(people, quotes):
    gold = people.created("ops", PATH, {"name": "金牌价", "currency": "CNY",
                                        "partner_tiers": ["gold"]})
    assert (gold["name"], gold["partner_tiers"], gold["active"]) == ("金牌价", ["gold"], True)
    path = f"{PATH}/{gold['id']}"
    with_rule = people.created("ops", f"{path}/rules", DISCOUNT_ALL)
    [rule] = with_rule["rules"]
    assert (rule["kind"], rule["percent"], rule["applies_to"]["kind"]) == \
        ("percent_discount", "5", "all")
    changed = answer(people, "admin", "PATCH", path,
                     json={"description": "金牌渠道", "active": False})
    assert (changed["description"], changed["active"]) == ("金牌渠道", False)
    assert [item["id"] for item in answer(people, "rep1", "GET", PATH)["items"]] == [gold["id"]]
    assert "rules" not in answer(people, "rep1", "GET", PATH)["items"][0]
    assert answer(people, "rep1", "GET", path)["rules"][0]["id"] == rule["id"]
    emptied = answer(people, "ops", "DELETE", f"{path}/rules/{rule['id']}")
    assert emptied["rules"] == []


def test_partners_never_read_a_price_list_and_only_ops_change_one(people, quotes):
    gold = people.created("ops", PATH, {"name": "金牌价", "currency": "CNY",
                                        "partner_tiers": ["gold"]})
    path = f"{PATH}/{gold['id']}"
    rule = people.created("ops", f"{path}/rules", DISCOUNT_ALL)["rules"][0]
    for who in ("pa1", "aa", "pb"):
        assert_problem(people.call(who, "GET", PATH), 403)
        assert_problem(people.call(who, "GET", path), 403)
    assert_problem(people.call("nobody", "GET", PATH), 403)
    for who in ("rep1", "pa1", "aa", "nobody"):
        assert_problem(people.call(who, "POST", PATH, json={"name": "x", "currency": "CNY"}),
                       403)
        assert_problem(people.call(who, "PATCH", path, json={"name": "x"}), 403)
        assert_problem(people.call(who, "POST", f"{path}/rules", json=DISCOUNT_ALL), 403)
        assert_problem(people.call(who, "DELETE", f"{path}/rules/{rule['id']}"), 403)
    assert stored(quotes, "price_lists").count_documents({}) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "currency": "cny"}, "currency"),
    ({"name": "", "currency": "CNY"}, "name"),
    ({"name": "x", "currency": "CNY", "colour": "red"}, "colour"),
    ({"name": "x", "currency": "CNY", "based_on": "nope"}, "based_on"),
])
def test_bad_price_lists_are_400_naming_the_field(people, quotes, body, field):
    assert_problem(people.call("ops", "POST", PATH, json=body), 400, field)
    assert stored(quotes, "price_lists").count_documents({}) == 0


@pytest.mark.parametrize(("rule", "field"), [
    ({"applies_to": {"kind": "all"}, "kind": "percent_discount"}, "percent"),
    ({**DISCOUNT_ALL, "percent": "120"}, "percent"),
    ({**DISCOUNT_ALL, "amount": {"amount": "1.00", "currency": "CNY"}}, "amount"),
    ({**DISCOUNT_ALL, "applies_to": {"kind": "product"}}, "applies_to.product_id"),
    ({**DISCOUNT_ALL, "kind": "formula", "percent": None,
      "formula": {"base": "hearsay"}}, "formula.base"),
])
def test_bad_rules_are_400_naming_the_field(people, quotes, rule, field):
    gold = people.created("ops", PATH, {"name": "金牌价", "currency": "CNY"})
    assert_problem(people.call("ops", "POST", f"{PATH}/{gold['id']}/rules", json=rule), 400,
                   field)
    assert answer(people, "ops", "GET", f"{PATH}/{gold['id']}")["rules"] == []


def test_a_based_on_cycle_is_refused_naming_based_on(people, quotes):
    standard = people.created("ops", PATH, {"name": "标准价", "currency": "CNY"})
    gold = people.created("ops", PATH, {"name": "金牌价", "currency": "CNY",
                                        "based_on": standard["id"]})
    assert_problem(people.call("ops", "PATCH", f"{PATH}/{standard['id']}",
                               json={"based_on": gold["id"]}), 400, "based_on")
    assert answer(people, "ops", "GET", f"{PATH}/{standard['id']}")["based_on"] is None
    assert_problem(people.call("ops", "GET", f"{PATH}/0123456789abcdef01234567"), 404)
