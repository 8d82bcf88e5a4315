"""Events → ledger lines over the real broker: idempotent by event id, clawbacks inside
and outside the window, a closed period's change booked as an adjustment, and
recomputes that write deltas only.

Plan (TIERED_REP_PLAN): 0-50 % of quota at 5 %, 50-100 % at 10 %, above 100 % at 15 %;
u1's November quota is 10,000.00 CNY, so the boundaries are at 5,000.00 and 10,000.00.
"""
import pytest
from commission_support import (
    EVERYTHING,
    FLAT_PARTNER_PLAN,
    TIERED_REP_PLAN,
    at,
    cny,
    ledger_rows,
    quote_accepted_event,
    reopened_event,
    total_of,
    won_event,
)
from nameko.testing.services import entrypoint_hook
from support import stored

from sfa_common.errors import Conflict, NotFound
from sfa_common.service import Background


@pytest.fixture
def plans(ledger_proxy, quotas):
    rep = ledger_proxy.create_plan(TIERED_REP_PLAN, "ops")
    partner = ledger_proxy.create_plan(FLAT_PARTNER_PLAN, "ops")
    for user, department in (("u1", "d1"), ("u2", "d2")):
        ledger_proxy.assign_plan({"plan_id": rep["id"], "payee_kind": "user",
                                  "payee_id": user, "effective_from": "2026-01-01"},
                                 "ops", department)
    ledger_proxy.assign_plan({"plan_id": partner["id"], "payee_kind": "partner_org",
                              "payee_id": "p1", "effective_from": "2026-01-01"}, "ops")
    quotas.set_target("2026-11", "10000.00", owner_id="u1")
    quotas.set_target("2026-11", "10000.00", owner_id="u2")
    return {"rep": rep, "partner": partner}


def statement(proxy, payee_id, period="2026-11", payee_kind="user"):
    return proxy.get_statement(period, payee_kind, payee_id, EVERYTHING)


def amounts(statement_):
    return sorted((line["rule"]["component"], line["amount"]["amount"])
                  for line in statement_["lines"])


def test_a_won_event_makes_explained_lines_and_a_redelivery_changes_nothing(
        ledger, ledger_proxy, plans, deliver):
    won = won_event("o1", "4000.00", at(11, 5))
    deliver("opportunities", "opportunity_won", won)
    # 4,000.00 lies in 0-40 %: all in the first tier at 5 % = 200.00.
    first = statement(ledger_proxy, "u1")
    assert total_of(first) == "200.00"
    [line] = first["lines"]
    assert line["deal"]["opportunity_id"] == "o1"
    assert line["source_event_id"] == won["event_id"]
    assert (line["rate_percent"], line["split_percent"]) == ("5", "100")
    assert (line["owner_id"], line["department_id"], line["partner_org_id"]) == (
        "u1", "d1", None)
    assert line["rule"]["plan_id"] == plans["rep"]["id"]

    deliver("opportunities", "opportunity_won", won)   # redelivered: same event id
    assert ledger_rows(ledger) == 1
    assert statement(ledger_proxy, "u1") == first


def test_a_deal_crossing_two_tier_boundaries_is_paid_in_three_portions(
        ledger_proxy, plans, deliver):
    deliver("opportunities", "opportunity_won", won_event("o1", "4000.00", at(11, 5)))
    deliver("opportunities", "opportunity_won", won_event("o2", "8000.00", at(11, 6)))
    # o2 takes attainment from 40 % to 120 %: 1,000.00 at 5 % = 50.00 (40-50 %),
    # 5,000.00 at 10 % = 500.00 (50-100 %), 2,000.00 at 15 % = 300.00 (100-120 %).
    o2 = [line for line in statement(ledger_proxy, "u1")["lines"]
          if line["deal"]["opportunity_id"] == "o2"]
    assert sorted((line["portion"]["amount"], line["rate_percent"], line["amount"]["amount"])
                  for line in o2) == [("1000.00", "5", "50.00"), ("2000.00", "15", "300.00"),
                                      ("5000.00", "10", "500.00")]
    assert total_of(statement(ledger_proxy, "u1")) == "1050.00"


def test_splits_and_the_partner_are_each_paid_their_share(ledger_proxy, plans, deliver):
    deliver("opportunities", "opportunity_won", won_event(
        "o1", "2000.00", at(11, 5), partner_org_id="p1",
        splits=[{"user_id": "u1", "kind": "revenue", "percent": "60"},
                {"user_id": "u2", "kind": "revenue", "percent": "40"}]))
    # u1: 60 % of 2,000.00 = 1,200.00 at 5 % = 60.00; u2: 800.00 at 5 % = 40.00;
    # p1 (flat 8 % of the whole deal) = 160.00.
    assert total_of(statement(ledger_proxy, "u1")) == "60.00"
    assert total_of(statement(ledger_proxy, "u2")) == "40.00"
    partner = statement(ledger_proxy, "p1", payee_kind="partner_org")
    assert total_of(partner) == "160.00"
    assert {(line["owner_id"], line["partner_org_id"]) for line in partner["lines"]} == {
        (None, "p1")}


def test_a_reopened_deal_inside_the_window_is_clawed_back_once(
        ledger, ledger_proxy, plans, deliver):
    won = won_event("o1", "4000.00", at(11, 5))
    deliver("opportunities", "opportunity_won", won)
    reopened = reopened_event(won, at(11, 15))       # 10 days later, window 30 days
    deliver("opportunities", "opportunity_reopened", reopened)
    deliver("opportunities", "opportunity_reopened", reopened)   # redelivered
    lines = statement(ledger_proxy, "u1")
    assert amounts(lines) == [("clawback", "-200.00"), ("tier", "200.00")]
    assert total_of(lines) == "0.00"
    assert ledger_rows(ledger) == 2


def test_a_reopened_deal_outside_the_window_keeps_its_commission(
        ledger, ledger_proxy, plans, deliver):
    won = won_event("o1", "4000.00", at(11, 5))
    deliver("opportunities", "opportunity_won", won)
    deliver("opportunities", "opportunity_reopened", reopened_event(won, at(12, 20)))
    # 45 days later: outside the 30-day window, nothing is clawed back, in November or
    # in December.
    assert amounts(statement(ledger_proxy, "u1")) == [("tier", "200.00")]
    december = statement(ledger_proxy, "u1", period="2026-12")
    assert (december["lines"], december["total"]) == ([], {"amount": "0", "currency": "CNY"})
    assert ledger_rows(ledger) == 1


def test_a_clawback_of_a_win_in_a_closed_period_lands_in_the_reversal_period(
        ledger_proxy, plans, deliver):
    won = won_event("o1", "4000.00", at(11, 25))
    deliver("opportunities", "opportunity_won", won)
    ledger_proxy.close_period("2026-11", "ops")
    deliver("opportunities", "opportunity_reopened", reopened_event(won, at(12, 3)))
    assert amounts(statement(ledger_proxy, "u1")) == [("tier", "200.00")]
    december = statement(ledger_proxy, "u1", period="2026-12")
    assert amounts(december) == [("clawback", "-200.00")]


def test_a_late_win_in_a_closed_period_becomes_an_adjustment_in_the_next_open_one(
        ledger, ledger_proxy, plans, deliver):
    deliver("opportunities", "opportunity_won", won_event("o1", "4000.00", at(11, 5)))
    closed = ledger_proxy.close_period("2026-11", "ops")
    assert (closed["status"], closed["closed_by"]) == ("closed", "ops")
    november = statement(ledger_proxy, "u1")

    late = won_event("o2", "2000.00", at(11, 28))    # won in November, told in December
    deliver("opportunities", "opportunity_won", late)
    deliver("opportunities", "opportunity_won", late)   # redelivered
    assert statement(ledger_proxy, "u1") == november    # locked
    december = statement(ledger_proxy, "u1", period="2026-12")
    # 2,000.00 from 40 % to 60 %: 1,000.00 at 5 % + 1,000.00 at 10 % = 150.00.
    assert total_of(december) == "150.00"
    assert {line["adjusts_period"] for line in december["lines"]} == {"2026-11"}
    assert ledger_proxy.get_period("2026-12")["status"] == "open"

    with pytest.raises(Conflict) as raised:
        ledger_proxy.close_period("2026-11", "ops")
    assert set(raised.value.details) == {"status"}


def test_an_accepted_quote_attaches_products_without_adding_money(
        ledger, ledger_proxy, quotas, deliver):
    plan = ledger_proxy.create_plan({**TIERED_REP_PLAN, "product_rates": [
        {"sku": "SRV-1", "rate_percent": "20"}]}, "ops")
    ledger_proxy.assign_plan({"plan_id": plan["id"], "payee_kind": "user", "payee_id": "u1",
                              "effective_from": "2026-01-01"}, "ops")
    quotas.set_target("2026-11", "10000.00", owner_id="u1")
    deliver("opportunities", "opportunity_won", won_event("o1", "1000.00", at(11, 5)))
    assert total_of(statement(ledger_proxy, "u1")) == "50.00"   # 1,000.00 at 5 %
    accepted = quote_accepted_event("o1", [{"sku": "SRV-1", "net": "400.00"},
                                           {"sku": "SVC-9", "net": "600.00"}], at(11, 5))
    deliver("quotes", "quote_accepted", accepted)
    # The quote's total is the deal's amount already: the same 1,000.00 is now paid
    # 400.00 at the SKU's 20 % = 80.00 and 600.00 at the tier's 5 % = 30.00.
    after = statement(ledger_proxy, "u1")
    assert total_of(after) == "110.00"
    count = ledger_rows(ledger)
    deliver("quotes", "quote_accepted", accepted)      # redelivered
    assert ledger_rows(ledger) == count


def background(container):
    return next(d for d in container.dependencies if isinstance(d, Background))


def recompute(ledger, proxy, key):
    job = proxy.recompute_period(key, "ops")
    assert job["status"] == "running"
    background(ledger).wait_all()
    return proxy.get_recompute(job["id"])


def test_a_recompute_writes_deltas_only_and_twice_writes_nothing(
        ledger, ledger_proxy, plans, deliver):
    deliver("opportunities", "opportunity_won", won_event("o1", "4000.00", at(11, 5)))
    deliver("opportunities", "opportunity_won", won_event(
        "o2", "2000.00", at(11, 6), partner_org_id="p1",
        splits=[{"user_id": "u1", "kind": "revenue", "percent": "50"},
                {"user_id": "u2", "kind": "revenue", "percent": "50"}]))
    before = ledger_rows(ledger)
    job = recompute(ledger, ledger_proxy, "2026-11")
    assert (job["status"], job["payees_total"], job["payees_done"], job["lines_written"]) == (
        "done", 3, 3, 0)
    assert ledger_rows(ledger) == before

    # The plan's tiers change: the recompute writes the differences, once.
    ledger_proxy.update_plan(plans["rep"]["id"], {"tiers": [
        {"from_percent": "0", "to_percent": None, "rate_percent": "6"}]}, "ops")
    job = recompute(ledger, ledger_proxy, "2026-11")
    assert job["status"] == "done" and job["lines_written"] > 0
    # u1: 4,000.00 + 1,000.00 at 6 % = 300.00
    assert total_of(statement(ledger_proxy, "u1")) == "300.00"
    again = recompute(ledger, ledger_proxy, "2026-11")
    assert again["lines_written"] == 0
    assert total_of(statement(ledger_proxy, "u1")) == "300.00"


def test_a_closed_period_is_not_recomputed(ledger_proxy, plans):
    ledger_proxy.create_period({"key": "2026-10"})
    ledger_proxy.close_period("2026-10", "ops")
    with pytest.raises(Conflict) as raised:
        ledger_proxy.recompute_period("2026-10", "ops")
    assert set(raised.value.details) == {"status"}
    with pytest.raises(NotFound):
        ledger_proxy.recompute_period("2030-01", "ops")
    with pytest.raises(NotFound):
        ledger_proxy.get_recompute("0" * 24)


def test_closing_a_period_dispatches_period_closed_through_the_outbox(ledger, ledger_proxy):
    ledger_proxy.create_period({"key": "2026-11"})
    ledger_proxy.close_period("2026-11", "ops")
    assert stored(ledger, "periods").find_one({"key": "2026-11"})["outbox"] == []
    with entrypoint_hook(ledger, "relay_outbox") as relay:
        assert relay() == 0


def test_malformed_events_are_dropped(ledger, ledger_proxy, plans, deliver):
    assert deliver("opportunities", "opportunity_won", {"event_id": "e1"}) is None
    assert deliver("opportunities", "opportunity_won",
                   {**won_event("o1", "1.00", at(11, 5)), "amount": "lots"}) is None
    assert ledger_rows(ledger) == 0
    assert cny("1.00")   # the builders stay importable
