"""Statements over the real broker: totals by component, the data scope (outside it is
NotFound), one row per payee per period, the CSV for Excel, and the what-if preview
that stores nothing."""
import base64
import csv
import io

import pytest
from commission_support import (
    EVERYTHING,
    FLAT_PARTNER_PLAN,
    TIERED_REP_PLAN,
    at,
    cny,
    ledger_rows,
    total_of,
    won_event,
)

from sfa_common.errors import Forbidden, NotFound, ValidationFailed


@pytest.fixture
def won(ledger_proxy, quotas, deliver):
    """u1 (department d1) and u2 (d2) split a 2,000.00 deal 50/50 with partner p1; u1
    also wins 4,000.00 alone with a 100.00 bonus for selling SRV-1."""
    rep = ledger_proxy.create_plan({**TIERED_REP_PLAN, "bonuses": [
        {"name": "Server push", "amount": cny("100.00"), "condition": {"sku": "SRV-1"}}]},
        "ops")
    partner = ledger_proxy.create_plan(FLAT_PARTNER_PLAN, "ops")
    for user, department in (("u1", "d1"), ("u2", "d2")):
        ledger_proxy.assign_plan({"plan_id": rep["id"], "payee_kind": "user", "payee_id": user,
                                  "effective_from": "2026-01-01"}, "ops", department)
    ledger_proxy.assign_plan({"plan_id": partner["id"], "payee_kind": "partner_org",
                              "payee_id": "p1", "effective_from": "2026-01-01"}, "ops")
    quotas.set_target("2026-11", "10000.00", owner_id="u1")
    quotas.set_target("2026-11", "10000.00", owner_id="u2")
    deliver("opportunities", "opportunity_won", won_event(
        "o1", "2000.00", at(11, 5), partner_org_id="p1", name="=HYPERLINK(evil)",
        splits=[{"user_id": "u1", "kind": "revenue", "percent": "50"},
                {"user_id": "u2", "kind": "revenue", "percent": "50"}]))
    deliver("opportunities", "opportunity_won", won_event(
        "o2", "4000.00", at(11, 6), name="华东服务器项目",
        products=[{"product_id": None, "sku": "SRV-1", "category": "hardware",
                   "quantity": "1", "amount": cny("4000.00")}]))
    return {"rep": rep, "partner": partner}


def test_a_statement_totals_its_lines_by_component(ledger_proxy, won):
    statement = ledger_proxy.get_statement("2026-11", "user", "u1", EVERYTHING)
    # 1,000.00 + 4,000.00 at 5 % (both inside 0-50 %) = 250.00, plus the 100.00 bonus.
    assert statement["totals"] == {"tier": cny("250.00"), "bonus": cny("100.00")}
    assert total_of(statement) == "350.00"
    assert (statement["period"], statement["period_status"], statement["currency"]) == (
        "2026-11", "open", "CNY")


@pytest.mark.parametrize("scope, visible", [
    ({"owner_id": "u1"}, True),                       # mine
    ({"department_id": {"$in": ["d1"]}}, True),       # my department's
    ({"owner_id": {"$in": ["u2", "u3"]}}, False),     # my subordinates' (not u1)
    ({"partner_org_id": "p1"}, False),                # a partner admin
])
def test_a_statement_outside_the_scope_is_not_found(ledger_proxy, won, scope, visible):
    if visible:
        assert ledger_proxy.get_statement("2026-11", "user", "u1", scope)["lines"]
    else:
        with pytest.raises(NotFound):
            ledger_proxy.get_statement("2026-11", "user", "u1", scope)


def test_a_call_without_a_scope_is_refused(ledger_proxy, won):
    with pytest.raises(Forbidden):
        ledger_proxy.get_statement("2026-11", "user", "u1", None)
    with pytest.raises(Forbidden):
        ledger_proxy.list_statements({}, None)


@pytest.mark.parametrize("period, payee_kind, payee_id", [
    ("2026-13", "user", "u1"), ({"$ne": None}, "user", "u1"), ("2026-11", "robot", "u1"),
    ("2026-11", "user", {"$ne": None}), ("2026-12", "user", "u1")])
def test_a_malformed_or_empty_statement_is_not_found(ledger_proxy, won, period, payee_kind,
                                                     payee_id):
    with pytest.raises(NotFound):
        ledger_proxy.get_statement(period, payee_kind, payee_id, EVERYTHING)


def test_the_list_has_one_row_per_payee_and_period_inside_the_scope(ledger_proxy, won):
    rows = ledger_proxy.list_statements({"period": "2026-11", "sort": "payee_id"}, EVERYTHING)
    assert [(row["payee_kind"], row["payee_id"], row["total"]["amount"], row["line_count"])
            for row in rows["items"]] == [
        ("partner_org", "p1", "160.00", 1), ("user", "u1", "350.00", 3),
        ("user", "u2", "50.00", 1)]
    partner = ledger_proxy.list_statements({}, {"partner_org_id": "p1"})
    assert [row["payee_id"] for row in partner["items"]] == ["p1"]
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.list_statements({"period": "November"}, EVERYTHING)
    assert set(raised.value.details) == {"period"}


def test_the_csv_export_is_utf8_with_a_bom_and_one_row_per_line(ledger_proxy, won):
    export = ledger_proxy.export_statement_csv("2026-11", "user", "u1", EVERYTHING)
    assert export["file_name"] == "commission-2026-11-user-u1.csv"
    content = base64.b64decode(export["content_base64"])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row["deal_name"] for row in rows} == {"'=HYPERLINK(evil)", "华东服务器项目"}
    bonus = next(row for row in rows if row["component"] == "bonus")
    assert (bonus["amount"], bonus["bonus"], bonus["currency"]) == (
        "100.00", "Server push", "CNY")
    tier = next(row for row in rows if row["opportunity_id"] == "o1")
    assert (tier["base"], tier["split_percent"], tier["rate_percent"], tier["amount"],
            tier["tier_from_percent"], tier["tier_to_percent"]) == (
        "2000.00", "50", "5", "50.00", "0", "50")
    with pytest.raises(NotFound):
        ledger_proxy.export_statement_csv("2026-11", "user", "u1", {"owner_id": "u2"})


def test_the_preview_shows_what_a_deal_would_pay_and_stores_nothing(
        ledger, ledger_proxy, won):
    before = ledger_rows(ledger)
    preview = ledger_proxy.preview_deal({
        "period": "2026-11", "payee_kind": "user", "payee_id": "u1",
        "deal": {"amount": cny("6000.00"), "owner_id": "u1", "won_at": "2026-11-20T00:00:00Z"}})
    # u1 stands at 50 % (5,000.00 of 10,000.00): 6,000.00 takes it to 110 %: 5,000.00
    # at 10 % = 500.00 and 1,000.00 at 15 % = 150.00.
    assert preview["total"] == cny("650.00")
    assert (preview["attainment_before_percent"], preview["attainment_after_percent"]) == (
        "50.00", "110.00")
    assert preview["plan_id"] == won["rep"]["id"]
    assert preview["quota_target"] == cny("10000.00")
    assert ledger_rows(ledger) == before

    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.preview_deal({"period": "2026-11", "payee_kind": "user",
                                   "payee_id": "nobody", "deal": {"amount": cny("1.00")}})
    assert set(raised.value.details) == {"plan_id"}
