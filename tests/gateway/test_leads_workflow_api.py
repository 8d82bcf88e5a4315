"""Leads through the gateway: duplicates, the partner view, follow-ups and overdue
leads, the states (invalid, revive, void, restore), manual and automatic assignment
with the assignment rules, and conversion (the leads and opportunities services real
containers on the real broker)."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from leads.service import LeadsService
from opportunities.service import OpportunitiesService

PARTNER_HIDDEN = {"owner_id", "team_member_ids", "department_id", "assignment_history"}


@pytest.fixture
def services(start_service):
    return start_service(LeadsService), start_service(OpportunitiesService)


def lead(people, who="rep1", company="杭州西溪数据服务有限公司", **fields):
    created = people.created(who, "/api/v1/leads", {"company": company, **fields})
    created.pop("duplicates")
    return created


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def test_a_new_lead_is_the_creators_and_warns_of_duplicates(services, people):
    first = people.created("rep1", "/api/v1/leads", {"company": "上海浦江物流股份有限公司",
                                                      "phone": "021-5555-0101"})
    assert (first["owner_id"], first["department_id"], first["status"]) == \
        (people.ids["rep1"], people.department, "unprocessed")
    assert first["duplicates"] == []
    second = people.created("rep2", "/api/v1/leads", {"company": "浦江物流",
                                                      "phone": "021-5555-0101"})
    assert [(d["lead_id"], sorted(d["matched_on"])) for d in second["duplicates"]] == \
        [(first["id"], ["company", "phone"])]
    # A rep may not create a lead for another owner; sales ops may.
    assert_problem(people.call("rep1", "POST", "/api/v1/leads",
                               json={"company": "别人的", "owner_id": people.ids["rep2"]}),
                   403, "owner_id")
    assert people.created("ops", "/api/v1/leads", {"company": "分给别人",
                                                   "owner_id": people.ids["rep1"]}
                          )["department_id"] == people.department


def test_a_partner_sees_and_works_its_lead_in_the_partner_view(services, people):
    created = lead(people, "ops", contact_name="陈经理", partner_org_id=people.orgs["a"],
                   partner_user_id=people.ids["pa1"], source="partner")
    path = f"/api/v1/leads/{created['id']}"
    seen = answer(people, "pa1", "GET", path)
    assert not PARTNER_HIDDEN & set(seen), seen
    assert seen["company"] == created["company"]
    assert answer(people, "pa1", "GET", "/api/v1/leads")["items"] == [seen]
    assert answer(people, "aa", "GET", path)["id"] == created["id"]      # its organisation
    assert_problem(people.call("pa2", "GET", path), 404)
    assert_problem(people.call("pb", "GET", path), 404)
    assert answer(people, "pb", "GET", "/api/v1/leads")["items"] == []
    assert_problem(people.call("pa1", "GET", "/api/v1/leads?owner_id=x"), 400, "owner_id")

    changed = answer(people, "pa1", "PATCH", path, json={"notes": "预算已批",
                                                         "phone": "0571-8800-1234"})
    assert (changed["notes"], changed["phone"]) == ("预算已批", "0571-8800-1234")
    assert not PARTNER_HIDDEN & set(changed)
    for field, value in [("company", "改名"), ("owner_id", people.ids["rep1"]),
                         ("source", "web")]:
        assert_problem(people.call("pa1", "PATCH", path, json={field: value}), 400, field)

    followed = answer(people, "pa1", "POST", f"{path}/follow-ups", 201,
                      json={"channel": "visit", "note": "上门拜访"})
    assert followed["status"] == "following_up"
    assert [f["note"] for f in followed["follow_ups"]] == ["上门拜访"]
    assert "actor_id" not in followed["follow_ups"][0]
    # The rest of a lead's life is the company's.
    for step, body in [("invalid", {"reason": "空号"}), ("void", {}), ("revive", {}),
                       ("assign", {"owner_id": people.ids["rep1"]}), ("auto-assign", {}),
                       ("convert", {}), ("offers", {"partner_org_id": people.orgs["a"]}),
                       ("restore", {})]:
        assert_problem(people.call("pa1", "POST", f"{path}/{step}", json=body), 403)
    internal = answer(people, "ops", "GET", path)
    assert internal["owner_id"] == people.ids["ops"]
    assert internal["follow_ups"][0]["actor_id"] == people.ids["pa1"]


def test_follow_ups_and_overdue_leads(services, people):
    late = lead(people, company="逾期跟进公司")
    soon = lead(people, company="按时跟进公司")
    answer(people, "rep1", "POST", f"/api/v1/leads/{late['id']}/follow-ups", 201,
           json={"channel": "phone", "note": "再联系", "next_follow_up_at": "2020-01-01T00:00:00Z"})
    answer(people, "rep1", "POST", f"/api/v1/leads/{soon['id']}/follow-ups", 201,
           json={"channel": "email", "next_follow_up_at": "2099-01-01T00:00:00Z"})
    overdue = answer(people, "rep1", "GET", "/api/v1/leads?overdue=true")
    assert [item["id"] for item in overdue["items"]] == [late["id"]]
    assert answer(people, "rep2", "GET", "/api/v1/leads?overdue=true")["items"] == []
    following = answer(people, "rep1", "GET", "/api/v1/leads?status=following_up")
    assert {item["id"] for item in following["items"]} == {late["id"], soon["id"]}
    path = f"/api/v1/leads/{late['id']}/follow-ups"
    assert_problem(people.call("rep1", "POST", path, json={"channel": "pigeon"}), 400, "channel")
    assert_problem(people.call("rep1", "POST", path, json={"channel": "phone",
                                                           "at": "2026-01-01T09:00:00"}),
                   400, "at")
    assert_problem(people.call("rep2", "POST", path, json={"channel": "phone"}), 404)


def test_invalid_revive_void_and_restore(services, people):
    created = lead(people)
    path = f"/api/v1/leads/{created['id']}"
    assert_problem(people.call("rep1", "POST", f"{path}/invalid", json={}), 400, "reason")
    assert_problem(people.call("rep1", "POST", f"{path}/invalid", json={"reason": "  "}), 400,
                   "reason")
    invalid = answer(people, "rep1", "POST", f"{path}/invalid", json={"reason": "空号"})
    assert (invalid["status"], invalid["invalid_reason"]) == ("invalid", "空号")
    conflict = assert_problem(people.call("rep1", "POST", f"{path}/invalid",
                                          json={"reason": "again"}), 409)
    assert "invalid" in conflict["detail"]
    assert_problem(people.call("rep1", "POST", f"{path}/convert", json={}), 409)
    assert answer(people, "rep1", "POST", f"{path}/revive")["status"] == "following_up"
    assert_problem(people.call("rep2", "POST", f"{path}/void"), 404)

    voided = answer(people, "rep1", "POST", f"{path}/void")
    assert (voided["status"], voided["voided_from"]) == ("voided", "following_up")
    assert_problem(people.call("rep1", "GET", path), 404)
    assert answer(people, "rep1", "GET", "/api/v1/leads")["items"] == []
    assert answer(people, "ops", "GET", "/api/v1/leads")["items"] == []
    # Only whoever may change every lead sees voided leads and restores them.
    assert_problem(people.call("rep1", "GET", f"{path}?include_voided=true"), 403)
    assert_problem(people.call("rep1", "GET", "/api/v1/leads?include_voided=true"), 403)
    assert_problem(people.call("pa1", "GET", "/api/v1/leads?include_voided=true"), 400,
                   "include_voided")
    assert answer(people, "ops", "GET", f"{path}?include_voided=true")["status"] == "voided"
    assert [item["id"] for item in answer(people, "ops", "GET",
                                          "/api/v1/leads?include_voided=true")["items"]] == \
        [created["id"]]
    assert_problem(people.call("rep1", "POST", f"{path}/restore"), 403)
    restored = answer(people, "admin", "POST", f"{path}/restore")
    assert restored["status"] == "following_up"
    assert answer(people, "rep1", "GET", path)["status"] == "following_up"
    assert_problem(people.call("ops", "POST", f"{path}/restore"), 409)


def test_manual_assignment(services, people):
    created = lead(people, "ops", company="待分配公司")
    path = f"/api/v1/leads/{created['id']}/assign"
    assert_problem(people.call("ops", "POST", path,
                               json={"owner_id": "0123456789abcdef01234567"}), 400, "owner_id")
    assert_problem(people.call("ops", "POST", path, json={"owner_id": people.ids["pa1"]}), 400,
                   "owner_id")
    assert_problem(people.call("rep1", "POST", path, json={"owner_id": people.ids["rep1"]}), 404)
    assigned = answer(people, "ops", "POST", path, json={"owner_id": people.ids["rep1"]})
    assert (assigned["owner_id"], assigned["department_id"]) == \
        (people.ids["rep1"], people.department)
    assert [(entry["to"], entry["by"]) for entry in assigned["assignment_history"]] == \
        [(people.ids["rep1"], people.ids["ops"])]
    # Now rep1's to follow up, and rep1 may hand it on.
    assert answer(people, "rep1", "GET", f"/api/v1/leads/{created['id']}")["id"] == created["id"]
    handed = answer(people, "rep1", "POST", path, json={"owner_id": people.ids["rep2"]})
    assert handed["owner_id"] == people.ids["rep2"]
    assert_problem(people.call("rep1", "GET", f"/api/v1/leads/{created['id']}"), 404)


def test_assignment_rules_and_automatic_assignment(services, people):
    rules = "/api/v1/assignment-rules"
    rule_body = {"name": "华东 round robin", "priority": 10, "region": "华东",
                 "reps": [{"user_id": people.ids["rep1"]}, {"user_id": people.ids["rep2"]}],
                 "cap_per_rep": 1}
    for who in ("rep1", "pa1", "aa", "nobody"):
        assert_problem(people.call(who, "POST", rules, json=rule_body), 403)
        assert_problem(people.call(who, "GET", rules), 403)
    assert_problem(people.call("ops", "POST", rules, json={
        **rule_body, "reps": [{"user_id": "0123456789abcdef01234567"}]}), 400, "reps.0.user_id")
    assert_problem(people.call("ops", "POST", rules, json={**rule_body, "reps": []}), 400,
                   "reps")
    rule = people.created("ops", rules, rule_body)
    assert [rep["department_id"] for rep in rule["reps"]] == [people.department, None]
    assert answer(people, "ops", "GET", rules)["items"] == [rule]
    assert answer(people, "admin", "GET", f"{rules}/{rule['id']}") == rule

    leads = [lead(people, "ops", company=f"华东客户{i}", region="华东") for i in range(3)]
    owners = [answer(people, "ops", "POST", f"/api/v1/leads/{item['id']}/auto-assign")
              ["owner_id"] for item in leads[:2]]
    assert owners == [people.ids["rep1"], people.ids["rep2"]]
    assert [entry["rule_id"] for entry in answer(
        people, "ops", "GET", f"/api/v1/leads/{leads[0]['id']}")["assignment_history"]] == \
        [rule["id"]]
    full = assert_problem(people.call("ops", "POST", f"/api/v1/leads/{leads[2]['id']}/auto-assign"),
                          409)
    assert rule_body["name"] in full["detail"]

    raised = answer(people, "ops", "PATCH", f"{rules}/{rule['id']}", json={"cap_per_rep": 5})
    assert raised["cap_per_rep"] == 5
    assert answer(people, "ops", "POST", f"/api/v1/leads/{leads[2]['id']}/auto-assign"
                  )["owner_id"] in (people.ids["rep1"], people.ids["rep2"])
    assert_problem(people.call("ops", "PATCH", f"{rules}/{rule['id']}", json={}), 400)
    paused = answer(people, "ops", "PATCH", f"{rules}/{rule['id']}", json={"active": False})
    assert paused["active"] is False
    another = lead(people, "ops", company="华东客户4", region="华东")
    assert_problem(people.call("ops", "POST", f"/api/v1/leads/{another['id']}/auto-assign"), 409)


def test_conversion_creates_the_customer_contact_and_opportunity_once(services, people):
    leads_service, opportunities_service = services
    created = lead(people, company="北京华辰科技有限公司", contact_name="周工",
                   phone="010-6000-1234")
    path = f"/api/v1/leads/{created['id']}/convert"
    body = {"contact": True, "opportunity": {
        "name": "华辰 - 服务器扩容", "amount": {"amount": "120000.00", "currency": "CNY"},
        "expected_close_date": "2026-12-31"}}
    assert_problem(people.call("rep1", "POST", path, json={"opportunity": {"name": "x"}}), 400,
                   "opportunity.amount")
    assert_problem(people.call("rep2", "POST", path, json=body), 404)
    converted = answer(people, "rep1", "POST", path, json=body)
    conversion = converted["conversion"]
    assert converted["status"] == "converted" and conversion["account_created"] is True
    account = answer(people, "rep1", "GET", f"/api/v1/accounts/{conversion['account_id']}")
    assert (account["name"], account["owner_id"]) == ("北京华辰科技有限公司", people.ids["rep1"])
    contact = answer(people, "rep1", "GET", f"/api/v1/contacts/{conversion['contact_id']}")
    assert (contact["name"], contact["account_id"]) == ("周工", account["id"])
    opportunity = answer(people, "rep1", "GET",
                         f"/api/v1/opportunities/{conversion['opportunity_id']}")
    assert (opportunity["name"], opportunity["account_id"]) == ("华辰 - 服务器扩容", account["id"])

    # A retry answers the same conversion and creates nothing twice.
    assert answer(people, "rep1", "POST", path, json=body)["conversion"] == conversion
    for collection in ("accounts", "contacts", "opportunities"):
        assert stored(opportunities_service, collection).count_documents({}) == 1, collection
    assert_problem(people.call("rep1", "POST", f"/api/v1/leads/{created['id']}/invalid",
                               json={"reason": "x"}), 409)
    # The services' idempotency keys never come from outside: naming the conversion's
    # key would otherwise answer its customer to anyone.
    key = f"lead:{created['id']}:account"
    for who in ("rep2", "pa1"):
        assert_problem(people.call(who, "POST", "/api/v1/accounts",
                                   json={"name": "x", "source_key": key}), 400, "source_key")
        assert_problem(people.call(who, "POST", "/api/v1/opportunities", json={
            "name": "x", "account_id": account["id"], "source_key": "registration:x",
            "amount": {"amount": "1.00", "currency": "CNY"},
            "expected_close_date": "2026-12-31"}), 400, "source_key")
    assert_problem(people.call("rep1", "POST", f"/api/v1/accounts/{account['id']}/contacts",
                               json={"name": "x", "source_key": key}), 400, "source_key")


def test_conversion_links_only_a_customer_the_converter_sees(services, people):
    theirs = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    created = lead(people, company="西湖软件")
    path = f"/api/v1/leads/{created['id']}/convert"
    refused = people.call("rep1", "POST", path, json={"account": {"account_id": theirs["id"]}})
    assert refused.status_code in (400, 404), refused.get_json()
    mine = people.created("rep1", "/api/v1/accounts", {"name": "西湖软件（杭州）"})
    linked = answer(people, "rep1", "POST", path, json={"account": {"account_id": mine["id"]}})
    assert (linked["conversion"]["account_id"], linked["conversion"]["account_created"]) == \
        (mine["id"], False)
