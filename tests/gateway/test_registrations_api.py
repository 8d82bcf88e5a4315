"""Deal registrations through the gateway: partner stamping, the partner view (no other
partner's identity in a conflict), submit with the conflict check, review by a channel
manager creating the attributed opportunity, return and resubmit, extension, and the
live conflict check (the leads and opportunities services real containers on the
real broker)."""
import datetime as dt

import pytest
from identity.identity_support import assert_problem
from support import stored

from leads.service import LeadsService
from opportunities.service import OpportunitiesService

PATH = "/api/v1/deal-registrations"
CNY = {"amount": "360000.00", "currency": "CNY"}
HIDDEN_CONFLICT_FIELDS = {"record_id", "name", "partner_org_id"}


@pytest.fixture
def services(start_service):
    return start_service(LeadsService), start_service(OpportunitiesService)


@pytest.fixture
def cm(people, gw):
    """A channel manager, who reviews every partner's registrations."""
    user = gw.user("cm@internal.example", ("channel_manager",),
                   main_department_id=people.department)
    people.ids["cm"], people.tokens["cm"] = user["id"], gw.token("cm@internal.example")
    return "cm"


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def deal(company="北京华辰科技有限公司", **fields):
    return {"company": company, "contact_name": "周工", "estimated_amount": CNY,
            "expected_close_date": "2026-12-31", "region": "华北", **fields}


def submitted(people, who, company="北京华辰科技有限公司", **fields):
    created = people.created(who, PATH, deal(company, **fields))
    return answer(people, who, "POST", f"{PATH}/{created['id']}/submit")


def test_a_partners_registration_is_stamped_with_its_organisation_user_and_tier(
        services, people, cm):
    created = people.created("pa1", PATH, deal())
    assert (created["status"], created["partner_org_id"], created["partner_user_id"],
            created["partner_tier"]) == ("draft", people.orgs["a"], people.ids["pa1"], "gold")
    assert "normalised_company" not in created
    for field, value in [("partner_org_id", people.orgs["b"]),
                         ("partner_user_id", people.ids["pa2"]), ("partner_tier", "platinum"),
                         ("colour", "red")]:
        assert_problem(people.call("pa1", "POST", PATH, json={**deal(), field: value}), 400,
                       field)
    assert_problem(people.call("pa1", "POST", PATH, json={**deal(), "company": " "}), 400,
                   "company")
    assert_problem(people.call("rep1", "POST", PATH, json=deal()), 403)
    assert stored(services[0], "registrations").count_documents({}) == 1

    path = f"{PATH}/{created['id']}"
    assert answer(people, "pa1", "GET", path) == created
    assert answer(people, "aa", "GET", path)["id"] == created["id"]
    assert answer(people, cm, "GET", path)["normalised_company"] == "华辰科技"
    for who in ("pa2", "pb", "rep1"):
        assert_problem(people.call(who, "GET", path), 404)
    assert answer(people, "pa1", "GET", PATH)["items"] == [created]
    assert answer(people, "pb", "GET", PATH)["items"] == []
    assert [item["id"] for item in answer(people, cm, "GET", f"{PATH}?status=draft")["items"]] \
        == [created["id"]]


def test_an_admin_registers_on_a_partners_behalf(services, people):
    body = deal(partner_org_id=people.orgs["b"], partner_user_id=people.ids["pb"])
    created = people.created("admin", PATH, body)
    assert (created["partner_org_id"], created["partner_tier"]) == (people.orgs["b"], "gold")
    assert_problem(people.call("admin", "POST", PATH,
                               json={**body, "partner_user_id": people.ids["pa1"]}), 400,
                   "partner_user_id")
    assert_problem(people.call("admin", "POST", PATH,
                               json={**body, "partner_org_id": "0123456789abcdef01234567"}),
                   400, "partner_org_id")
    assert_problem(people.call("admin", "POST", PATH, json={**body, "partner_tier": "gold"}),
                   400, "partner_tier")


def test_edit_and_submit_a_draft(services, people):
    draft = people.created("pa1", PATH, {"company": "杭州西溪数据服务有限公司"})
    path = f"{PATH}/{draft['id']}"
    assert_problem(people.call("pa1", "POST", f"{path}/submit"), 400, "estimated_amount")
    assert_problem(people.call("pa1", "PATCH", path, json={
        "estimated_amount": {"amount": "lots", "currency": "CNY"}}), 400, "estimated_amount.amount")
    assert_problem(people.call("pa1", "PATCH", path, json={"partner_org_id": "x"}), 400,
                   "partner_org_id")
    assert_problem(people.call("pa2", "PATCH", path, json={"notes": "x"}), 404)
    changed = answer(people, "pa1", "PATCH", path, json={"estimated_amount": CNY,
                                                         "expected_close_date": "2026-12-31"})
    assert changed["estimated_amount"] == CNY
    assert_problem(people.call("pa2", "POST", f"{path}/submit"), 404)
    sent = answer(people, "pa1", "POST", f"{path}/submit")
    assert (sent["status"], sent["conflicts"]) == ("submitted", [])
    assert_problem(people.call("pa1", "PATCH", path, json={"notes": "晚了"}), 409)
    assert_problem(people.call("pa1", "POST", f"{path}/submit"), 409)


def test_a_conflict_names_no_other_partner_to_a_partner(services, people, cm):
    first = submitted(people, "pa1")
    second = submitted(people, "pb", "华辰科技（北京）有限公司")
    assert second["conflicts"], second
    for conflict in second["conflicts"]:
        assert not HIDDEN_CONFLICT_FIELDS & set(conflict), conflict
        assert conflict["kind"] == "registration" and conflict["score"] >= 0.85
        assert conflict["reasons"]
    inside = answer(people, cm, "GET", f"{PATH}/{second['id']}")["conflicts"]
    assert [(c["kind"], c["record_id"], c["partner_org_id"]) for c in inside] == \
        [("registration", first["id"], people.orgs["a"])]
    assert answer(people, "pb", "GET", PATH)["items"][0]["conflicts"] == second["conflicts"]


def test_the_live_conflict_check(services, people, cm):
    submitted(people, "pa1")
    check = f"{PATH}/conflict-check"
    hint = answer(people, "pb", "POST", check, json={"company": "北京华辰科技"})
    assert hint["has_conflict"] is True
    assert hint["conflicts"] and all(not HIDDEN_CONFLICT_FIELDS & set(c)
                                     for c in hint["conflicts"])
    # A partner's own organisation's registrations are no conflict for it.
    assert answer(people, "pa2", "POST", check, json={"company": "北京华辰科技"}) == \
        {"has_conflict": False, "conflicts": []}
    assert answer(people, "pb", "POST", check, json={"company": "深圳完全不同的公司"}) == \
        {"has_conflict": False, "conflicts": []}
    inside = answer(people, cm, "POST", check, json={"company": "北京华辰科技"})
    assert inside["conflicts"][0]["partner_org_id"] == people.orgs["a"]
    assert_problem(people.call("pb", "POST", check, json={"company": "x",
                                                          "partner_org_id": people.orgs["a"]}),
                   400, "partner_org_id")
    assert_problem(people.call("pb", "POST", check, json={}), 400, "company")
    mine = people.created("pa1", PATH, deal("另一家公司"))
    assert_problem(people.call("pb", "POST", check,
                               json={"company": "x", "registration_id": mine["id"]}), 404)
    assert_problem(people.call("nobody", "POST", check, json={"company": "x"}), 403)


def test_approval_creates_the_attributed_opportunity_and_protection(services, people, cm):
    registration = submitted(people, "pa1")
    path = f"{PATH}/{registration['id']}"
    for who in ("pa1", "aa"):
        assert_problem(people.call(who, "POST", f"{path}/review", json={"decision": "approve"}),
                       403)
    assert_problem(people.call("rep1", "POST", f"{path}/review", json={"decision": "approve"}),
                   404)
    assert_problem(people.call(cm, "POST", f"{path}/review", json={"decision": "reject"}), 400,
                   "reason")
    assert_problem(people.call(cm, "POST", f"{path}/review", json={"decision": "maybe"}), 400,
                   "decision")
    before = dt.datetime.now(dt.UTC)
    approved = answer(people, cm, "POST", f"{path}/review", json={"decision": "approve"})
    assert approved["status"] == "approved" and approved["review"]["reviewer_id"] == \
        people.ids["cm"]
    ends = dt.datetime.fromisoformat(approved["protection_ends_at"])
    assert dt.timedelta(days=89) < ends - before < dt.timedelta(days=91)     # gold: 90 days
    opportunity = answer(people, cm, "GET", f"/api/v1/opportunities/{approved['opportunity_id']}")
    assert (opportunity["owner_id"], opportunity["partner_org_id"],
            opportunity["partner_user_id"], opportunity["deal_registration_id"]) == \
        (people.ids["cm"], people.orgs["a"], people.ids["pa1"], registration["id"])
    assert answer(people, "pa1", "GET", f"/api/v1/opportunities/{opportunity['id']}")["id"] == \
        opportunity["id"]
    seen = answer(people, "pa1", "GET", path)
    assert "reviewer_id" not in seen["review"] and seen["status"] == "approved"
    # Approving again (a retry) answers the same; another decision now is a 409.
    again = answer(people, cm, "POST", f"{path}/review", json={"decision": "approve"})
    assert (again["opportunity_id"], again["protection_ends_at"]) == \
        (approved["opportunity_id"], approved["protection_ends_at"])
    assert_problem(people.call(cm, "POST", f"{path}/review",
                               json={"decision": "reject", "reason": "晚了"}), 409)

    assert_problem(people.call(cm, "POST", f"{path}/extend", json={"days": 0}), 400, "days")
    assert_problem(people.call("pa1", "POST", f"{path}/extend", json={"days": 30}), 403)
    extended = answer(people, cm, "POST", f"{path}/extend", json={"days": 30})
    assert dt.datetime.fromisoformat(extended["protection_ends_at"]) - ends == \
        dt.timedelta(days=30)
    assert [e["days"] for e in extended["extensions"]] == [30]


def test_return_edit_and_resubmit_then_reject(services, people, cm):
    registration = submitted(people, "pb", "南京新街口百货")
    path = f"{PATH}/{registration['id']}"
    returned = answer(people, cm, "POST", f"{path}/review",
                      json={"decision": "return", "reason": "请补充联系人电话"})
    assert (returned["status"], returned["review"]["reason"]) == ("returned", "请补充联系人电话")
    assert_problem(people.call(cm, "POST", f"{path}/extend", json={"days": 10}), 409)
    answer(people, "pb", "PATCH", path, json={"phone": "025-8888-0000"})
    assert answer(people, "pb", "POST", f"{path}/submit")["status"] == "submitted"
    rejected = answer(people, cm, "POST", f"{path}/review",
                      json={"decision": "reject", "reason": "已有直销跟进"})
    assert rejected["status"] == "rejected" and rejected["opportunity_id"] is None
    assert [entry["status"] for entry in rejected["history"]] == \
        ["draft", "submitted", "returned", "submitted", "rejected"]
