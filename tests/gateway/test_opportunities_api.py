"""Opportunities, their stages and competitors, and the pipeline through the gateway
(the opportunities service a real container on the real broker)."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from opportunities.service import OpportunitiesService

PARTNER_HIDDEN = ("owner_id", "department_id", "team_member_ids", "splits", "sales_method",
                  "partner_org_id")


@pytest.fixture
def service(start_service):
    return start_service(OpportunitiesService)


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def deal(account_id, name="服务器扩容", amount="120000.00", **fields):
    return {"name": name, "account_id": account_id, "amount": cny(amount),
            "expected_close_date": "2026-12-31", **fields}


@pytest.fixture
def partner_deal(service, people):
    """pa1's customer and an opportunity on it, as pa1 sees them."""
    account = people.created("pa1", "/api/v1/accounts", {"name": "华辰科技"})
    return account, people.created("pa1", "/api/v1/opportunities", deal(account["id"]))


def test_the_pipeline_lists_the_stages_for_everyone_signed_in(service, people):
    answer = people.call("pa1", "GET", "/api/v1/pipeline")
    assert answer.status_code == 200
    stages = [(stage["key"], stage["kind"], stage["probability"])
              for stage in answer.get_json()["stages"]]
    assert stages == [("qualify", "open", 10), ("needs_analysis", "open", 25),
                      ("proposal", "open", 50), ("negotiation", "open", 75),
                      ("won", "won", 100), ("lost", "lost", 0)]


def test_an_internal_opportunity_starts_in_the_first_stage_with_the_owners_department(
        service, people):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    created = people.created("rep1", "/api/v1/opportunities", deal(account["id"]))
    assert (created["stage"], created["status"], created["probability"]) == \
        ("qualify", "open", 10)
    assert (created["owner_id"], created["department_id"]) == \
        (people.ids["rep1"], people.department)
    assert [entry["actor_id"] for entry in created["stage_history"]] == [people.ids["rep1"]]
    assert people.call("rep1", "GET", f"/api/v1/opportunities/{created['id']}").get_json() == \
        created


def test_an_opportunity_needs_a_customer_the_creator_sees(service, people):
    theirs = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    answer = people.call("rep1", "POST", "/api/v1/opportunities", json=deal(theirs["id"]))
    assert_problem(answer, 400, "account_id")
    assert stored(service, "opportunities").count_documents({}) == 0


@pytest.mark.parametrize("change, field", [
    ({"amount": cny("-1.00")}, "amount.amount"),
    ({"amount": cny("1.001")}, "amount.amount"),
    ({"probability": 101}, "probability"),
    ({"expected_close_date": "31/12/2026"}, "expected_close_date"),
    ({"splits": [{"user_id": "u1", "percent": "60"}]}, "splits"),
    ({"stage": "won"}, "stage"),
    ({"colour": "red"}, "colour"),
])
def test_bad_opportunities_are_400_naming_the_field_and_nothing_is_stored(
        service, people, change, field):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    answer = people.call("rep1", "POST", "/api/v1/opportunities",
                         json={**deal(account["id"]), **change})
    assert_problem(answer, 400, field)
    assert stored(service, "opportunities").count_documents({}) == 0


def test_a_partner_gets_the_partner_view_of_its_opportunities(service, people, partner_deal):
    account, created = partner_deal
    assert not set(PARTNER_HIDDEN) & set(created), created
    assert (created["partner_user_id"], created["stage"]) == (people.ids["pa1"], "qualify")
    document = stored(service, "opportunities").find_one()
    assert (document["partner_org_id"], document["owner_id"]) == (people.orgs["a"], None)

    path = f"/api/v1/opportunities/{created['id']}"
    assert people.call("pa1", "GET", path).get_json() == created
    assert people.call("pa1", "GET", "/api/v1/opportunities").get_json() == {
        "items": [created], "next_cursor": None}
    # The organisation's admin sees it; a colleague and another organisation do not.
    assert people.call("aa", "GET", path).status_code == 200
    assert_problem(people.call("pa2", "GET", path), 404)
    assert_problem(people.call("pb", "GET", path), 404)
    assert people.call("pb", "GET", "/api/v1/opportunities").get_json()["items"] == []
    # Internal users with the scope see every field.
    assert people.call("ops", "GET", path).get_json()["partner_org_id"] == people.orgs["a"]


@pytest.mark.parametrize("field, value", [
    ("owner_id", "someone"), ("splits", []), ("team_member_ids", []), ("department_id", "d1"),
    ("sales_method", "direct"),
])
def test_a_partner_may_not_set_internal_fields_of_a_new_opportunity(
        service, people, field, value):
    account = people.created("pa1", "/api/v1/accounts", {"name": "华辰科技"})
    answer = people.call("pa1", "POST", "/api/v1/opportunities",
                         json={**deal(account["id"]), field: value})
    assert_problem(answer, 400, field)
    assert stored(service, "opportunities").count_documents({}) == 0


def test_a_partner_changes_next_step_and_notes_only(service, people, partner_deal):
    _, created = partner_deal
    path = f"/api/v1/opportunities/{created['id']}"
    before = stored(service, "opportunities").find_one()
    for field, value in [("amount", cny("1.00")), ("probability", 90), ("name", "x"),
                         ("owner_id", people.ids["rep1"])]:
        assert_problem(people.call("pa1", "PATCH", path, json={field: value}), 400, field)
    assert stored(service, "opportunities").find_one() == before

    changed = people.call("pa1", "PATCH", path, json={"next_step": "约见采购", "notes": "预算已批"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["next_step"], body["notes"]) == ("约见采购", "预算已批")
    assert not set(PARTNER_HIDDEN) & set(body)


def test_an_internal_change_of_facts(service, people):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    created = people.created("rep1", "/api/v1/opportunities", deal(account["id"]))
    path = f"/api/v1/opportunities/{created['id']}"
    changed = people.call("rep1", "PATCH", path, json={"amount": cny("99000.00"),
                                                       "owner_id": people.ids["rep2"]})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["amount"], body["owner_id"]) == (cny("99000.00"), people.ids["rep2"])
    # rep2 has no main department: the record keeps the one it had.
    assert body["department_id"] == people.department
    assert_problem(people.call("rep1", "PATCH", path, json={"name": "x"}), 404)
    assert_problem(people.call("rep2", "PATCH", path, json={"account_id": account["id"]}), 400,
                   "account_id")


def test_a_partner_moves_stages_and_loses_but_never_reopens(service, people, partner_deal):
    _, created = partner_deal
    path = f"/api/v1/opportunities/{created['id']}"
    moved = people.call("pa1", "POST", f"{path}/stage", json={"stage": "proposal"})
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["stage"], moved.get_json()["probability"]) == ("proposal", 50)
    assert not set(PARTNER_HIDDEN) & set(moved.get_json())
    assert_problem(people.call("pa1", "POST", f"{path}/stage", json={"stage": "proposal"}), 409)
    assert_problem(people.call("pa1", "POST", f"{path}/stage", json={"stage": "lost"}), 400,
                   "lost_reason")
    assert_problem(people.call("pa1", "POST", f"{path}/stage", json={"stage": "closing"}), 400,
                   "stage")
    assert_problem(people.call("pa2", "POST", f"{path}/stage", json={"stage": "negotiation"}),
                   404)

    lost = people.call("pa1", "POST", f"{path}/stage",
                       json={"stage": "lost", "lost_reason": "price", "lost_note": "贵了"})
    assert lost.status_code == 200, lost.get_json()
    assert (lost.get_json()["status"], lost.get_json()["lost_reason"]) == ("lost", "price")

    assert_problem(people.call("pa1", "POST", f"{path}/reopen", json={}), 403)
    assert_problem(people.call("aa", "POST", f"{path}/reopen", json={}), 403)
    reopened = people.call("ops", "POST", f"{path}/reopen", json={"note": "客户回头"})
    assert reopened.status_code == 200, reopened.get_json()
    assert (reopened.get_json()["stage"], reopened.get_json()["reopened_count"]) == \
        ("proposal", 1)
    # The internal reply is the full view.
    assert reopened.get_json()["partner_org_id"] == people.orgs["a"]
    assert_problem(people.call("ops", "POST", f"{path}/reopen", json={}), 409)


def test_competitors_catalogue_and_links(service, people, partner_deal):
    _, opportunity = partner_deal
    rival = people.created("rep1", "/api/v1/competitors", {"name": "对手科技",
                                                           "website": "https://rival.example"})
    assert_problem(people.call("pa1", "POST", "/api/v1/competitors", json={"name": "对手科技"}),
                   409)
    assert_problem(people.call("nobody", "POST", "/api/v1/competitors", json={"name": "别家"}),
                   403)
    assert_problem(people.call("rep1", "POST", "/api/v1/competitors", json={"name": ""}), 400,
                   "name")
    # Reading the catalogue needs only a sign-in.
    assert people.call("nobody", "GET", f"/api/v1/competitors/{rival['id']}").get_json() == rival
    assert people.call("pb", "GET", "/api/v1/competitors?q=对手").get_json()["items"] == [rival]

    link = f"/api/v1/opportunities/{opportunity['id']}/competitors/{rival['id']}"
    linked = people.call("pa1", "PUT", link, json={"note": "报价低"})
    assert linked.status_code == 200, linked.get_json()
    assert [(c["competitor_id"], c["status"], c["note"])
            for c in linked.get_json()["competitors"]] == [(rival["id"], "competing", "报价低")]
    assert not set(PARTNER_HIDDEN) & set(linked.get_json())
    relinked = people.call("pa1", "PUT", link, json={"status": "eliminated"}).get_json()
    assert [c["status"] for c in relinked["competitors"]] == ["eliminated"]
    assert_problem(people.call("pa1", "PUT", link, json={"status": "winning"}), 400, "status")
    assert_problem(people.call("pb", "PUT", link, json={}), 404)
    unknown = f"/api/v1/opportunities/{opportunity['id']}/competitors/65f000000000000000000009"
    assert_problem(people.call("pa1", "PUT", unknown, json={}), 400, "competitor_id")

    unlinked = people.call("pa1", "DELETE", link)
    assert unlinked.status_code == 200, unlinked.get_json()
    assert unlinked.get_json()["competitors"] == []


def test_opportunity_lists_filter_sort_and_page(service, people):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    for name, amount in [("小单", "100.00"), ("中单", "5000.00"), ("大单", "90000.00")]:
        people.created("rep1", "/api/v1/opportunities", deal(account["id"], name, amount))
    big = people.call("rep1", "GET", "/api/v1/opportunities?q=大").get_json()["items"][0]
    people.call("rep1", "POST", f"/api/v1/opportunities/{big['id']}/stage",
                json={"stage": "won"})

    def listed(who, query):
        answer = people.call(who, "GET", f"/api/v1/opportunities?{query}")
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    first = listed("rep1", "sort=-amount&limit=2")
    assert [item["name"] for item in first["items"]] == ["大单", "中单"]
    rest = listed("rep1", f"sort=-amount&limit=2&cursor={first['next_cursor']}")
    assert ([item["name"] for item in rest["items"]], rest["next_cursor"]) == (["小单"], None)
    assert [item["name"] for item in listed("rep1", "status=won")["items"]] == ["大单"]
    assert sorted(item["name"] for item in listed("rep1", "stage=qualify")["items"]) == \
        ["中单", "小单"]
    assert listed("rep2", "")["items"] == []
    assert len(listed("ops", f"owner_id={people.ids['rep1']}")["items"]) == 3
    assert listed("rep1", "close_from=2027-01-01")["items"] == []


@pytest.mark.parametrize("who, query, field", [
    ("rep1", "colour=red", "colour"),
    ("rep1", "status=pending", "status"),
    ("rep1", "close_from=tomorrow", "close_from"),
    ("rep1", "sort=amount&cursor=bm90LWEtY3Vyc29y", "cursor"),
    ("pa1", "owner_id=someone", "owner_id"),
])
def test_bad_opportunity_queries_are_400_naming_the_parameter(service, people, who, query,
                                                               field):
    assert_problem(people.call(who, "GET", f"/api/v1/opportunities?{query}"), 400, field)


def test_a_partners_new_deal_belongs_inside_to_its_channel_manager(service, people, gw):
    manager = gw.user("cm@internal.example", ("channel_manager",),
                      main_department_id=people.department)
    changed = gw.admin("PATCH", f"/partner-orgs/{people.orgs['a']}",
                       json={"channel_manager_id": manager["id"]})
    assert changed.status_code == 200, changed.get_json()
    account = people.created("pa1", "/api/v1/accounts", {"name": "渠道经理测试客户"})
    created = people.created("pa1", "/api/v1/opportunities", deal(account["id"]))

    record = stored(service, "opportunities").find_one({"name": "服务器扩容"})
    assert (record["owner_id"], record["department_id"]) == (manager["id"], people.department)
    assert record["partner_user_id"] == people.ids["pa1"]
    token = gw.token("cm@internal.example")
    answer = gw.call("GET", f"/api/v1/opportunities/{created['id']}", token)
    assert answer.status_code == 200 and answer.get_json()["owner_id"] == manager["id"]
    # Organisation B has no channel manager: its deals have no internal owner yet.
    other = people.created("pb", "/api/v1/accounts", {"name": "乙方客户"})
    people.created("pb", "/api/v1/opportunities", deal(other["id"], name="乙方商机"))
    assert stored(service, "opportunities").find_one({"name": "乙方商机"})["owner_id"] is None
