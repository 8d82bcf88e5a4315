"""Commission through the gateway: sales ops manage plans, assignments and periods
(bad plans, splits and payees refused with a 400 naming the problem, nothing saved);
a won deal's lines reach the rep's statement, their manager's view of it and the
partner organisation's (without the internal reps' lines); the CSV export; the
what-if preview; recompute jobs. The commission and opportunities services are real
containers on the real broker; a win is awaited with ``entrypoint_waiter``, never a
sleep."""
from datetime import UTC, datetime

import pytest
from identity.identity_support import assert_problem
from nameko.testing.services import entrypoint_waiter

from commission.service import CommissionService
from opportunities.service import OpportunitiesService

PATH = "/api/v1/commission"


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def services(start_service):
    return start_service(CommissionService), start_service(OpportunitiesService)


@pytest.fixture
def period(services, people):
    """The period of today (a win is filed by when it closed: now)."""
    key = f"{datetime.now(UTC):%Y-%m}"
    people.created("ops", f"{PATH}/periods", {"key": key})
    return key


@pytest.fixture
def boss(people, gw):
    """rep1's manager."""
    user = gw.user("boss@internal.example", ("sales_manager",))
    changed = gw.admin("PATCH", f"/users/{people.ids['rep1']}", json={"manager_id": user["id"]})
    assert changed.status_code == 200, changed.get_json()
    people.ids["boss"], people.tokens["boss"] = user["id"], gw.token("boss@internal.example")
    return "boss"


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def rep_plan(**changes):
    return {"name": "销售提成 2026", "payee_kind": "rep", "currency": "CNY",
            "tiers": [{"from_percent": "0", "to_percent": "100", "rate_percent": "5"},
                      {"from_percent": "100", "to_percent": None, "rate_percent": "8"}],
            **changes}


def assigned(people, plan, payee_kind, payee_id):
    return people.created("ops", f"{PATH}/assignments", {
        "plan_id": plan["id"], "payee_kind": payee_kind, "payee_id": payee_id,
        "effective_from": "2000-01-01"})


def test_sales_ops_manage_plans_and_bad_tiers_are_refused_naming_them(people, services):
    plan = people.created("ops", f"{PATH}/plans", rep_plan())
    assert (plan["payee_kind"], plan["revision"], len(plan["tiers"])) == ("rep", 0, 2)
    overlapping = rep_plan(name="重叠", tiers=[
        {"from_percent": "0", "to_percent": "100", "rate_percent": "5"},
        {"from_percent": "80", "to_percent": None, "rate_percent": "8"}])
    gapped = rep_plan(name="断档", tiers=[
        {"from_percent": "0", "to_percent": "90", "rate_percent": "5"},
        {"from_percent": "100", "to_percent": None, "rate_percent": "8"}])
    for bad, words in ((overlapping, "overlap"), (gapped, "Gap")):
        reply = people.call("ops", "POST", f"{PATH}/plans", json=bad)
        assert_problem(reply, 400, "tiers")
        assert words in " ".join(reply.get_json()["errors"]["tiers"])
    assert_problem(people.call("ops", "POST", f"{PATH}/plans",
                               json=rep_plan(rate_percent="5")), 400, "rate_percent")
    assert_problem(people.call("ops", "PATCH", f"{PATH}/plans/{plan['id']}",
                               json={"tiers": gapped["tiers"]}), 400, "tiers")
    # Nothing of the refused plans was saved, and the refused change changed nothing.
    assert [p["id"] for p in answer(people, "ops", "GET", f"{PATH}/plans")["items"]] == \
        [plan["id"]]
    assert answer(people, "ops", "GET", f"{PATH}/plans/{plan['id']}") == plan
    changed = answer(people, "ops", "PATCH", f"{PATH}/plans/{plan['id']}",
                     json={"name": "销售提成 2026 修订"})
    assert (changed["name"], changed["revision"]) == ("销售提成 2026 修订", 1)
    for who in ("rep1", "aa", "pa1"):
        assert_problem(people.call(who, "POST", f"{PATH}/plans", json=rep_plan()), 403)
        assert_problem(people.call(who, "GET", f"{PATH}/plans"), 403)
        assert_problem(people.call(who, "PATCH", f"{PATH}/plans/{plan['id']}",
                                   json={"name": "x"}), 403)


def test_an_assignment_to_an_unknown_payee_is_refused_and_nothing_saved(people, services):
    plan = people.created("ops", f"{PATH}/plans", rep_plan())
    unknown = "0123456789abcdef01234567"
    for kind, payee in (("user", unknown), ("partner_org", unknown), ("user", "not-an-id"),
                        ("partner_org", people.ids["rep1"])):   # a user is no organisation
        assert_problem(people.call("ops", "POST", f"{PATH}/assignments", json={
            "plan_id": plan["id"], "payee_kind": kind, "payee_id": payee,
            "effective_from": "2026-01-01"}), 400, "payee_id")
    assert answer(people, "ops", "GET", f"{PATH}/assignments")["items"] == []

    assignment = assigned(people, plan, "user", people.ids["rep1"])
    assert (assignment["payee_id"], assignment["plan_name"]) == (people.ids["rep1"],
                                                                 "销售提成 2026")
    # The same payee twice over the same days: 409 naming the start.
    assert_problem(people.call("ops", "POST", f"{PATH}/assignments", json={
        "plan_id": plan["id"], "payee_kind": "user", "payee_id": people.ids["rep1"],
        "effective_from": "2026-06-01"}), 409, "effective_from")
    # A rep plan is no partner organisation's.
    assert_problem(people.call("ops", "POST", f"{PATH}/assignments", json={
        "plan_id": plan["id"], "payee_kind": "partner_org", "payee_id": people.orgs["a"],
        "effective_from": "2026-01-01"}), 400, "payee_kind")
    assert_problem(people.call("rep1", "POST", f"{PATH}/assignments", json={
        "plan_id": plan["id"], "payee_kind": "user", "payee_id": people.ids["rep2"],
        "effective_from": "2026-01-01"}), 403)
    listed = answer(people, "ops", "GET", f"{PATH}/assignments?payee_kind=user")["items"]
    assert [item["id"] for item in listed] == [assignment["id"]]


def test_periods_close_and_lock_and_recompute_runs_as_a_job(people, services):
    people.created("ops", f"{PATH}/periods", {"key": "2026-09"})
    people.created("ops", f"{PATH}/periods", {"key": "2026-10"})
    assert [p["key"] for p in answer(people, "ops", "GET", f"{PATH}/periods")] == \
        ["2026-10", "2026-09"]
    job = answer(people, "ops", "POST", f"{PATH}/periods/2026-10/recompute", 202)
    assert (job["period"], job["status"] in ("running", "done")) == ("2026-10", True)
    again = answer(people, "ops", "GET", f"{PATH}/recomputes/{job['id']}")
    assert again["id"] == job["id"]
    closed = answer(people, "ops", "POST", f"{PATH}/periods/2026-09/close")
    assert (closed["status"], closed["closed_by"]) == ("closed", people.ids["ops"])
    assert_problem(people.call("ops", "POST", f"{PATH}/periods/2026-09/close"), 409, "status")
    assert_problem(people.call("ops", "POST", f"{PATH}/periods/2026-09/recompute"), 409,
                   "status")
    assert_problem(people.call("ops", "POST", f"{PATH}/periods/2031-01/close"), 404)
    assert_problem(people.call("ops", "GET", f"{PATH}/recomputes/0123456789abcdef01234567"),
                   404)
    for who in ("rep1", "aa"):
        assert_problem(people.call(who, "POST", f"{PATH}/periods/2026-10/close"), 403)
        assert_problem(people.call(who, "POST", f"{PATH}/periods/2026-10/recompute"), 403)
        assert_problem(people.call(who, "GET", f"{PATH}/periods"), 403)


def won_deal(people, services, who_creates, amount, **fields):
    """A deal won now; returns once the commission service has settled it."""
    account = people.created(who_creates, "/api/v1/accounts", {"name": f"客户 {amount}"})
    deal = people.created(who_creates, "/api/v1/opportunities", {
        "name": f"商机 {amount}", "account_id": account["id"], "amount": cny(amount),
        "expected_close_date": "2026-12-31", **fields})
    commission = services[0]
    with entrypoint_waiter(commission, "on_opportunity_won", timeout=10):
        answer(people, "admin", "POST", f"/api/v1/opportunities/{deal['id']}/stage",
               json={"stage": "won"})
    return deal


@pytest.fixture
def settled(people, services, period, boss):
    """rep1 on a rep plan, organisation A on a partner plan (5 % flat); one deal of
    rep1's alone, one of A's owned by rep1; a quota of 100 000 for rep1."""
    rep = people.created("ops", f"{PATH}/plans", rep_plan())
    partner = people.created("ops", f"{PATH}/plans", {
        "name": "金牌伙伴", "payee_kind": "partner", "currency": "CNY", "rate_percent": "5"})
    assigned(people, rep, "user", people.ids["rep1"])
    assigned(people, partner, "partner_org", people.orgs["a"])
    people.created("ops", "/api/v1/quotas", {"period": period, "owner_id": people.ids["rep1"],
                                             "target": cny("100000.00")})
    own = won_deal(people, services, "rep1", "60000.00")
    channel = won_deal(people, services, "admin", "80000.00", owner_id=people.ids["rep1"],
                       partner_org_id=people.orgs["a"], partner_user_id=people.ids["pa1"])
    return {"own": own, "channel": channel}


def statement(people, who, period, kind, payee, status=200):
    return people.call(who, "GET", f"{PATH}/statements/{period}/{kind}/{payee}")


def test_a_won_deal_pays_the_rep_the_manager_sees_it_others_do_not(people, settled, period):
    mine = answer(people, "rep1", "GET",
                  f"{PATH}/statements/{period}/user/{people.ids['rep1']}")
    # 60 000 at 5 % = 3 000, then 80 000 across the 100 000 quota: 40 000 at 5 % = 2 000
    # and 40 000 at 8 % = 3 200; 8 200 in all.
    assert mine["total"] == cny("8200.00")
    by_deal = {}
    for line in mine["lines"]:
        assert {"deal", "base", "rule", "tier", "rate_percent", "split_percent",
                "amount"} <= set(line)
        by_deal.setdefault(line["deal"]["name"], []).append(
            (line["tier"]["from_percent"], line["rate_percent"], line["amount"]["amount"]))
    assert sorted(by_deal["商机 60000.00"]) == [("0", "5", "3000.00")]
    assert sorted(by_deal["商机 80000.00"]) == [("0", "5", "2000.00"),
                                              ("100", "8", "3200.00")]
    assert answer(people, "boss", "GET",
                  f"{PATH}/statements/{period}/user/{people.ids['rep1']}") == mine
    for who in ("rep2", "aa", "pb", "pa1"):
        assert_problem(statement(people, who, period, "user", people.ids["rep1"]), 404)
    rows = answer(people, "rep1", "GET", f"{PATH}/statements")["items"]
    assert [(row["period"], row["payee_id"], row["total"]) for row in rows] == \
        [(period, people.ids["rep1"], cny("8200.00"))]
    assert answer(people, "rep2", "GET", f"{PATH}/statements")["items"] == []
    everyone = answer(people, "ops", "GET", f"{PATH}/statements?period={period}")["items"]
    assert {(row["payee_kind"], row["payee_id"]) for row in everyone} == {
        ("user", people.ids["rep1"]), ("partner_org", people.orgs["a"])}


def test_a_partner_admin_sees_its_organisations_statement_without_the_reps(
        people, settled, period):
    org = people.orgs["a"]
    ours = answer(people, "aa", "GET", f"{PATH}/statements/{period}/partner_org/{org}")
    assert ours["total"] == cny("4000.00")                        # 80 000 at 5 %
    assert [line["deal"]["name"] for line in ours["lines"]] == ["商机 80000.00"]
    assert all("owner_id" not in line and "department_id" not in line
               for line in ours["lines"])
    rows = answer(people, "aa", "GET", f"{PATH}/statements")["items"]
    assert [(row["payee_kind"], row["payee_id"]) for row in rows] == [("partner_org", org)]
    assert_problem(people.call("aa", "GET", f"{PATH}/statements?payee_kind=user"), 400,
                   "payee_kind")
    assert_problem(statement(people, "pb", period, "partner_org", org), 404)
    assert answer(people, "pb", "GET", f"{PATH}/statements")["items"] == []
    assert_problem(statement(people, "pa1", period, "partner_org", org), 404)
    assert_problem(people.call("pa1", "GET", f"{PATH}/statements"), 403)

    export = people.call("aa", "GET", f"{PATH}/statements/{period}/partner_org/{org}/csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.data.startswith("\ufeff".encode())
    assert "attachment" in export.headers["Content-Disposition"]
    rows = export.data.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and "商机 80000.00" in rows[1]
    assert people.ids["rep1"] not in export.data.decode("utf-8-sig")
    assert_problem(people.call("pb", "GET",
                               f"{PATH}/statements/{period}/partner_org/{org}/csv"), 404)


def test_a_statement_with_nothing_yet_is_empty_for_those_who_read_it(people, services,
                                                                     period, boss):
    """Before anything is won the rep's statement has no lines and a zero total in the
    plan's currency; for anyone who does not read the rep's statements it stays a 404."""
    assigned(people, people.created("ops", f"{PATH}/plans", rep_plan()), "user",
             people.ids["rep1"])
    for who in ("rep1", "boss", "ops"):
        empty = answer(people, who, "GET",
                       f"{PATH}/statements/{period}/user/{people.ids['rep1']}")
        assert (empty["lines"], empty["total"]) == ([], {"amount": "0", "currency": "CNY"})
    for who in ("rep2", "aa", "pa1"):
        assert_problem(statement(people, who, period, "user", people.ids["rep1"]), 404)
    assert_problem(statement(people, "ops", period, "user", "0" * 24), 404)
    assert_problem(statement(people, "rep1", "2001-01", "user", people.ids["rep1"]), 404)


def test_the_preview_checks_splits_and_payees_and_stores_nothing(people, settled, period):
    rep1, rep2 = people.ids["rep1"], people.ids["rep2"]
    deal = {"amount": cny("20000.00"), "owner_id": rep1}
    body = {"period": period, "payee_kind": "user", "payee_id": rep1, "deal": deal}
    preview = answer(people, "rep1", "POST", f"{PATH}/preview", json=body)
    assert preview["total"] == cny("1600.00")                  # above quota already: 8 %
    bad_splits = {**body, "deal": {**deal, "splits": [
        {"user_id": rep1, "percent": "60"}, {"user_id": rep2, "percent": "30"}]}}
    reply = people.call("rep1", "POST", f"{PATH}/preview", json=bad_splits)
    assert_problem(reply, 400, "deal.splits")
    assert "100" in " ".join(reply.get_json()["errors"]["deal.splits"])
    assert_problem(people.call("ops", "POST", f"{PATH}/preview", json={
        **body, "payee_id": "0123456789abcdef01234567"}), 400, "payee_id")
    assert_problem(people.call("rep2", "POST", f"{PATH}/preview", json=body), 403, "payee_id")
    assert_problem(people.call("pa1", "POST", f"{PATH}/preview", json=body), 403)
    assert answer(people, "boss", "POST", f"{PATH}/preview", json=body)["total"] == \
        preview["total"]
    mine = answer(people, "rep1", "GET", f"{PATH}/statements/{period}/user/{rep1}")
    assert mine["total"] == cny("8200.00")                     # nothing stored
