"""Every report over AMQP, its aggregation run by the storage engine, against a small
book of deals whose numbers are worked out by hand below."""
from datetime import UTC, datetime

import pytest
from opportunities_support import new_account, new_opportunity

from sfa_common.errors import Forbidden, ValidationFailed


@pytest.fixture
def service_config(service_config):
    # Thresholds the book below reaches: 1 win scores 2, 2000.00 scores 2, 2500.00 scores 3.
    return {**service_config, "RFM_FREQUENCY": "2,1", "RFM_MONETARY": "2500,2000"}


def money(amount, currency="CNY"):
    return {"amount": amount, "currency": currency}


@pytest.fixture
def book(proxy, clock):
    """The deals (D1-D9), as the clock moves:

    2023-12-31 D9 C u3 CNY 10.00, won 2024-01-01 (cycle 1 day = 86400 s)
    2026-11-01 D1 A u1 p1 CNY 1000.00 proposal (50), closes 2026-11-30, Cisco competing
               D2 A u1    CNY 333.33 qualify at 15 %, closes 2026-12-15
               D3 B u2 p1 USD 99.99 negotiation (75), closes 2026-11-20
               D4 A u1 p1 CNY 2000.00 -> won 2026-11-11 (10 days = 864000 s)
               D5 B u2    CNY 500.00, Cisco and H3C -> lost to Cisco 2026-11-11
               D6 A u1 p2 CNY 100.00, Cisco -> lost on price 2026-11-11
               D7 B u2    CNY 3000.00, H3C -> won 2026-11-16 (15 days = 1296000 s)
               D8 B u2    USD 50.00 -> won 2026-11-16 (15 days = 1296000 s)
    Reports run at 2026-11-20 08:00.
    """
    customers = {name: new_account(proxy, name) for name in ("A", "B", "C")}
    cisco = proxy.create_competitor({"name": "Cisco"})["id"]
    h3c = proxy.create_competitor({"name": "H3C"})["id"]

    def deal(name, customer, owner, amount, close, **fields):
        return new_opportunity(proxy, customers[customer], name=name, owner_id=owner,
                               amount=amount, expected_close_date=close, **fields)["id"]

    clock.now = datetime(2023, 12, 31, tzinfo=UTC)
    d9 = deal("D9", "C", "u3", money("10.00"), "2024-01-31")
    clock.advance(days=1)
    proxy.move_stage(d9, {"stage": "won"}, {}, "u3")

    clock.now = datetime(2026, 11, 1, tzinfo=UTC)
    d1 = deal("D1", "A", "u1", money("1000.00"), "2026-11-30", partner_org_id="p1",
              stage="proposal")
    deal("D2", "A", "u1", money("333.33"), "2026-12-15", probability=15)
    deal("D3", "B", "u2", money("99.99", "USD"), "2026-11-20", partner_org_id="p1",
         stage="negotiation")
    d4 = deal("D4", "A", "u1", money("2000.00"), "2026-11-25", partner_org_id="p1")
    d5 = deal("D5", "B", "u2", money("500.00"), "2026-11-28")
    d6 = deal("D6", "A", "u1", money("100.00"), "2026-12-01", partner_org_id="p2")
    d7 = deal("D7", "B", "u2", money("3000.00"), "2026-11-30")
    d8 = deal("D8", "B", "u2", money("50.00", "USD"), "2026-11-30")
    for opportunity, competitor in ((d1, cisco), (d5, cisco), (d5, h3c), (d6, cisco), (d7, h3c)):
        proxy.link_competitor(opportunity, competitor, {}, {}, "u1")

    clock.now = datetime(2026, 11, 11, tzinfo=UTC)
    proxy.move_stage(d4, {"stage": "won"}, {}, "u1")
    proxy.move_stage(d5, {"stage": "lost", "lost_reason": "competitor",
                          "lost_to_competitor_id": cisco}, {}, "u2")
    proxy.move_stage(d6, {"stage": "lost", "lost_reason": "price"}, {}, "u1")
    clock.now = datetime(2026, 11, 16, tzinfo=UTC)
    proxy.move_stage(d7, {"stage": "won"}, {}, "u2")
    proxy.move_stage(d8, {"stage": "won"}, {}, "u2")
    clock.now = datetime(2026, 11, 20, 8, tzinfo=UTC)
    return {"customers": {name: record["id"] for name, record in customers.items()},
            "cisco": cisco, "h3c": h3c}


U1 = {"owner_id": "u1"}


def row(stage, currency, count, amount, weighted):
    return {"stage": stage, "currency": currency, "count": count, "amount": amount,
            "weighted": weighted}


def test_pipeline_report(proxy, book):
    # Open: D1 proposal CNY 1000.00 x 50 % = 500.00; D2 qualify CNY 333.33 x 15 % = 49.9995
    # -> 50.00; D3 negotiation USD 99.99 x 75 % = 74.9925 -> 74.99.
    # CNY total 1333.33, weighted 500 + 49.9995 = 549.9995 -> 550.00.
    report = proxy.pipeline_report({}, {})
    assert report["rows"] == [
        row("qualify", "CNY", 1, "333.33", "50.00"), row("qualify", "USD", 0, "0.00", "0.00"),
        row("needs_analysis", "CNY", 0, "0.00", "0.00"),
        row("needs_analysis", "USD", 0, "0.00", "0.00"),
        row("proposal", "CNY", 1, "1000.00", "500.00"), row("proposal", "USD", 0, "0.00", "0.00"),
        row("negotiation", "CNY", 0, "0.00", "0.00"),
        row("negotiation", "USD", 1, "99.99", "74.99")]
    assert report["totals"] == [row("total", "CNY", 2, "1333.33", "550.00"),
                                row("total", "USD", 1, "99.99", "74.99")]
    # u1's scope holds D1 and D2 only; a currency asked for gets its zero rows.
    assert proxy.pipeline_report({}, U1)["totals"] == [row("total", "CNY", 2, "1333.33", "550.00")]
    assert proxy.pipeline_report({"currency": "USD"}, U1)["totals"] == [
        row("total", "USD", 0, "0.00", "0.00")]
    # Expected close inside 1-30 November: D1 (30th) and D3 (20th), not D2 (15 December).
    assert proxy.pipeline_report({"date_from": "2026-11-01", "date_to": "2026-11-30"},
                                 {})["totals"] == [row("total", "CNY", 1, "1000.00", "500.00"),
                                                   row("total", "USD", 1, "99.99", "74.99")]


def test_forecast_report(proxy, book):
    # By month of expected close (open deals) and of the win:
    # 2024-01 CNY: D9 won 10.00.  2026-11 CNY: D1 1000.00 (500.00 weighted), won D4 + D7 =
    # 5000.00.  2026-11 USD: D3 99.99 (74.99), won D8 50.00.  2026-12 CNY: D2 333.33 (50.00).
    assert proxy.forecast_report({}, {})["rows"] == [
        {"month": "2024-01", "currency": "CNY", "count": 0, "amount": "0.00",
         "weighted": "0.00", "won": "10.00"},
        {"month": "2026-11", "currency": "CNY", "count": 1, "amount": "1000.00",
         "weighted": "500.00", "won": "5000.00"},
        {"month": "2026-11", "currency": "USD", "count": 1, "amount": "99.99",
         "weighted": "74.99", "won": "50.00"},
        {"month": "2026-12", "currency": "CNY", "count": 1, "amount": "333.33",
         "weighted": "50.00", "won": "0.00"}]
    assert [(row["month"], row["currency"]) for row in proxy.forecast_report(
        {"date_from": "2026-12-01"}, {})["rows"]] == [("2026-12", "CNY")]


def test_win_rate_report(proxy, book):
    # Won D4, D7, D8, D9; lost D5, D6: 4 of 6 = 66.7 %.
    assert proxy.win_rate_report({}, {}) == {"won_count": 4, "lost_count": 2, "percent": "66.7"}
    # Closed 1-11 November: won D4; lost D5, D6: 1 of 3 = 33.3 %.
    assert proxy.win_rate_report({"date_from": "2026-11-01", "date_to": "2026-11-11"}, {}) == {
        "won_count": 1, "lost_count": 2, "percent": "33.3"}
    assert proxy.win_rate_report({"owner_id": "u3", "date_from": "2026-01-01"}, {}) == {
        "won_count": 0, "lost_count": 0, "percent": None}


def test_cycle_time_report(proxy, book):
    # (864000 + 1296000 + 1296000 + 86400) / 4 = 885600 s = 10.25 days -> 10.3 (half up)
    assert proxy.cycle_time_report({}, {}) == {"won_count": 4, "average_days": "10.3"}
    assert proxy.cycle_time_report({}, U1) == {"won_count": 1, "average_days": "10.0"}
    assert proxy.cycle_time_report({"currency": "EUR"}, {}) == {"won_count": 0,
                                                                "average_days": None}


def test_competitor_report(proxy, book):
    # Cisco: D1 open, D5 lost to it, D6 lost on price -> 0 won of 2 closed = 0.0 %.
    # H3C: D5 lost to Cisco, D7 won -> 1 of 2 = 50.0 %.
    assert proxy.competitor_report({}, {})["rows"] == [
        {"competitor_id": book["cisco"], "name": "Cisco", "open": 1, "won_against": 0,
         "lost_to": 1, "lost_other": 1, "win_rate": "0.0"},
        {"competitor_id": book["h3c"], "name": "H3C", "open": 0, "won_against": 1,
         "lost_to": 0, "lost_other": 1, "win_rate": "50.0"}]
    # u1's deals: D1 and D6 (Cisco only).
    assert [(row["name"], row["open"], row["lost_other"]) for row in proxy.competitor_report(
        {}, U1)["rows"]] == [("Cisco", 1, 1)]
    # Closing in December: D6 lost 11 November is out; open D1 closes 30 November: nothing.
    assert proxy.competitor_report({"date_from": "2026-12-01"}, {})["rows"] == []


def test_partner_report(proxy, book):
    # p1: D1 open CNY 1000.00 (500.00 weighted), D4 won CNY 2000.00; D3 open USD 99.99
    # (74.99). p2: D6 lost CNY 100.00.
    assert proxy.partner_report({}, {})["rows"] == [
        {"partner_org_id": "p1", "currency": "CNY", "open_count": 1, "open_amount": "1000.00",
         "weighted": "500.00", "won_count": 1, "won_amount": "2000.00", "lost_count": 0,
         "win_rate": "100.0"},
        {"partner_org_id": "p1", "currency": "USD", "open_count": 1, "open_amount": "99.99",
         "weighted": "74.99", "won_count": 0, "won_amount": "0.00", "lost_count": 0,
         "win_rate": None},
        {"partner_org_id": "p2", "currency": "CNY", "open_count": 0, "open_amount": "0.00",
         "weighted": "0.00", "won_count": 0, "won_amount": "0.00", "lost_count": 1,
         "win_rate": "0.0"}]
    assert [row["partner_org_id"] for row in proxy.partner_report(
        {"partner_org_id": "p2"}, {})["rows"]] == ["p2"]


def test_customer_tiers(proxy, book):
    # Wins in CNY inside 730 days (from 2024-11-20 08:00): A won D4 (2000.00) 9 days 8 hours
    # ago, B won D7 (3000.00) 4 days 8 hours ago (its USD D8 does not count); C's win in
    # January 2024 is outside the window.
    # A: recency 9 -> 3, 1 win -> 2, 2000.00 -> 2: 7 = B.  B: 4 -> 3, 1 -> 2, 3000.00 -> 3: 8 = A.
    report = proxy.customer_tiers({}, {})
    customers = book["customers"]
    assert report["currency"] == "CNY"
    assert report["thresholds"] == {"recency_days": [90, 365], "frequency": [2, 1],
                                    "monetary": ["2500", "2000"], "window_days": 730}
    assert report["rows"] == [
        {"account_id": customers["B"], "last_won_at": "2026-11-16T00:00:00Z", "recency_days": 4,
         "frequency": 1, "monetary": money("3000.00"), "recency_score": 3,
         "frequency_score": 2, "monetary_score": 3, "tier": "A"},
        {"account_id": customers["A"], "last_won_at": "2026-11-11T00:00:00Z", "recency_days": 9,
         "frequency": 1, "monetary": money("2000.00"), "recency_score": 3,
         "frequency_score": 2, "monetary_score": 2, "tier": "B"}]
    assert [row["account_id"] for row in proxy.customer_tiers({}, U1)["rows"]] == [
        customers["A"]]
    with pytest.raises(ValidationFailed) as raised:
        proxy.customer_tiers({"currency": "USD"}, {})
    assert set(raised.value.details) == {"currency"}


@pytest.mark.parametrize("report", [
    "pipeline_report", "forecast_report", "win_rate_report", "cycle_time_report",
    "competitor_report", "partner_report", "customer_tiers"])
def test_every_report_needs_a_scope_and_refuses_unknown_filters(proxy, report):
    with pytest.raises(Forbidden):
        getattr(proxy, report)({}, None)
    with pytest.raises(ValidationFailed) as raised:
        getattr(proxy, report)({"colour": "red", "date_from": "soon"}, {})
    assert set(raised.value.details) == {"colour", "date_from"}
