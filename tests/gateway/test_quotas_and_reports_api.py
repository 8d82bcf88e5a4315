"""Quotas and reports through the gateway (the opportunities service a real container
on the real broker): who sets and reads quotas, and that every report counts only the
caller's scope."""
from decimal import Decimal

import pytest
from identity.identity_support import assert_problem
from support import stored

from opportunities.service import OpportunitiesService

REPORTS = ("pipeline", "forecast", "win-rate", "cycle-time", "competitors", "partners",
           "customer-tiers")


@pytest.fixture
def service(start_service):
    return start_service(OpportunitiesService)


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def opportunity(people, who, account_id, name, amount, stage=None):
    created = people.created(who, "/api/v1/opportunities", {
        "name": name, "account_id": account_id, "amount": cny(amount),
        "expected_close_date": "2026-12-31"})
    if stage is None:
        return created
    moved = people.call(who, "POST", f"/api/v1/opportunities/{created['id']}/stage",
                        json={"stage": stage})
    assert moved.status_code == 200, moved.get_json()
    return moved.get_json()


def test_sales_ops_set_quotas_which_take_the_reps_department(service, people):
    quota = people.created("ops", "/api/v1/quotas", {"period": "2026-11", "target": cny("1000.00"),
                                                     "owner_id": people.ids["rep1"]})
    assert (quota["owner_id"], quota["department_id"]) == (people.ids["rep1"], people.department)
    assert quota["attainment"]["won"] == cny("0.00")
    org_quota = people.created("ops", "/api/v1/quotas", {
        "period": "2026-11", "target": cny("5000.00"), "partner_org_id": people.orgs["a"]})
    assert (org_quota["owner_id"], org_quota["department_id"]) == (None, None)

    again = {"period": "2026-11", "target": cny("1.00"), "owner_id": people.ids["rep1"]}
    assert_problem(people.call("ops", "POST", "/api/v1/quotas", json=again), 409)
    for who in ("rep1", "aa"):
        assert_problem(people.call(who, "POST", "/api/v1/quotas",
                                   json={**again, "period": "2026-12"}), 403)
    assert stored(service, "quotas").count_documents({}) == 2


@pytest.mark.parametrize("body, field", [
    ({"period": "2026-13", "target": cny("1.00"), "owner_id": "u1"}, "period"),
    ({"period": "2026-11", "target": cny("-1.00"), "owner_id": "u1"}, "target.amount"),
    ({"period": "2026-11", "target": cny("1.00")}, "owner_id"),
    ({"period": "2026-11", "target": cny("1.00"), "owner_id": "u1", "partner_org_id": "o1"},
     "owner_id"),
])
def test_bad_quotas_are_400_naming_the_field(service, people, body, field):
    assert_problem(people.call("ops", "POST", "/api/v1/quotas", json=body), 400, field)
    assert stored(service, "quotas").count_documents({}) == 0


def test_quotas_are_read_in_scope_with_their_attainment(service, people):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    won = opportunity(people, "rep1", account["id"], "大单", "600.00", stage="won")
    period = won["stage_history"][-1]["entered_at"][:7]
    mine = people.created("ops", "/api/v1/quotas", {"period": period, "target": cny("1000.00"),
                                                    "owner_id": people.ids["rep1"]})
    theirs = people.created("ops", "/api/v1/quotas", {
        "period": period, "target": cny("1000.00"), "partner_org_id": people.orgs["a"]})

    read = people.call("rep1", "GET", f"/api/v1/quotas/{mine['id']}")
    assert read.status_code == 200, read.get_json()
    assert read.get_json()["attainment"] == {"won": cny("600.00"), "won_count": 1,
                                             "percent": "60.0"}
    assert [q["id"] for q in people.call("rep1", "GET", "/api/v1/quotas").get_json()["items"]] \
        == [mine["id"]]
    assert_problem(people.call("rep1", "GET", f"/api/v1/quotas/{theirs['id']}"), 404)
    assert_problem(people.call("rep2", "GET", f"/api/v1/quotas/{mine['id']}"), 404)
    # A partner admin reads the organisation's quota; its reps have no quota grant.
    assert [q["id"] for q in people.call("aa", "GET", "/api/v1/quotas").get_json()["items"]] \
        == [theirs["id"]]
    assert_problem(people.call("pb", "GET", f"/api/v1/quotas/{theirs['id']}"), 404)
    assert_problem(people.call("pa1", "GET", "/api/v1/quotas"), 403)
    assert_problem(people.call("aa", "GET", f"/api/v1/quotas?owner_id={people.ids['rep1']}"),
                   400, "owner_id")

    assert_problem(people.call("rep1", "PATCH", f"/api/v1/quotas/{mine['id']}",
                               json={"target": cny("1.00")}), 404)
    changed = people.call("ops", "PATCH", f"/api/v1/quotas/{mine['id']}",
                          json={"target": cny("2000.00")})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["attainment"]["percent"] == "30.0"
    assert_problem(people.call("ops", "PATCH", f"/api/v1/quotas/{mine['id']}",
                               json={"period": "2027-01"}), 400, "period")


@pytest.fixture
def deals(service, people):
    """rep1: an open deal of 500.00 in qualify (10 %) and a won one of 1000.00; rep2: an
    open deal of 700.00; pa1 (organisation A): an open deal of 300.00."""
    mine = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    opportunity(people, "rep1", mine["id"], "开着", "500.00")
    opportunity(people, "rep1", mine["id"], "赢了", "1000.00", stage="won")
    theirs = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    opportunity(people, "rep2", theirs["id"], "别人的", "700.00")
    partners = people.created("pa1", "/api/v1/accounts", {"name": "渠道客户"})
    opportunity(people, "pa1", partners["id"], "渠道的", "300.00")
    return mine


def report(people, who, name, query=""):
    answer = people.call(who, "GET", f"/api/v1/reports/{name}?{query}")
    assert answer.status_code == 200, (name, answer.get_json())
    return answer.get_json()


def open_amounts(pipeline):
    return {row["stage"]: (row["count"], Decimal(row["amount"]), Decimal(row["weighted"]))
            for row in pipeline["rows"] if row["count"]}


def test_every_report_counts_only_the_callers_scope(people, deals):
    for name in REPORTS:
        report(people, "rep1", name)
    # rep1's open pipeline: 500.00 at 10 % (rep2's 700.00 and the partner's are not theirs).
    assert open_amounts(report(people, "rep1", "pipeline")) == {
        "qualify": (1, Decimal("500.00"), Decimal("50.00"))}
    assert open_amounts(report(people, "pa1", "pipeline")) == {
        "qualify": (1, Decimal("300.00"), Decimal("30.00"))}
    assert open_amounts(report(people, "ops", "pipeline")) == {
        "qualify": (3, Decimal("1500.00"), Decimal("150.00"))}
    assert open_amounts(report(people, "ops", "pipeline",
                               f"owner_id={people.ids['rep2']}")) == {
        "qualify": (1, Decimal("700.00"), Decimal("70.00"))}
    for filters in ("date_from=2027-01-01", "date_to=2026-12-30", "currency=USD"):
        assert open_amounts(report(people, "ops", "pipeline", filters)) == {}, filters

    assert report(people, "rep1", "win-rate") == {"won_count": 1, "lost_count": 0,
                                                  "percent": "100.0"}
    assert report(people, "rep2", "win-rate") == {"won_count": 0, "lost_count": 0,
                                                  "percent": None}
    partners = report(people, "aa", "partners")["rows"]
    assert [(row["partner_org_id"], row["open_count"]) for row in partners] == \
        [(people.orgs["a"], 1)]
    assert report(people, "pb", "partners")["rows"] == []
    tiers = report(people, "rep1", "customer-tiers")["rows"]
    assert [row["account_id"] for row in tiers] == [deals["id"]]
    assert report(people, "rep2", "customer-tiers")["rows"] == []


@pytest.mark.parametrize("who, query, field", [
    ("rep1", "date_from=yesterday", "date_from"),
    ("rep1", "currency=cny", "currency"),
    ("rep1", "colour=red", "colour"),
    ("pa1", "owner_id=someone", "owner_id"),
])
def test_bad_report_queries_are_400_naming_the_parameter(service, people, who, query, field):
    for name in REPORTS:
        assert_problem(people.call(who, "GET", f"/api/v1/reports/{name}?{query}"), 400, field)


def test_reports_need_an_opportunity_read_grant(service, people):
    for name in REPORTS:
        assert_problem(people.call("nobody", "GET", f"/api/v1/reports/{name}"), 403)
