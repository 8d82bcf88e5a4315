"""Quota attainment (pure): revenue splits, the period's bounds, other currencies."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from opportunities.quotas import attainment, period_window
from sfa_common.money import Money


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def split(user_id, percent, kind="revenue"):
    return {"user_id": user_id, "kind": kind, "percent": Decimal(percent)}


def deal(won_at, amount, owner_id, splits=(), currency="CNY", partner_org_id=None):
    return {"won_at": at(won_at), "amount": Money(amount, currency), "owner_id": owner_id,
            "splits": list(splits), "partner_org_id": partner_org_id}


DEALS = [
    # u1 owns it, no splits: 100 % -> 3000.00 (first instant of the period counts)
    deal("2026-11-01T00:00:00", "3000.00", "u1", partner_org_id="p1"),
    # u1 has a 40 % revenue split -> 400.00; the overlay split does not count
    deal("2026-11-30T23:59:59.999", "1000.00", "u2",
         [split("u2", "60"), split("u1", "40"), split("u1", "10", "overlay")]),
    # 100.01 x 33.33 % = 33.333333
    deal("2026-11-15T12:00:00", "100.01", "u3", [split("u3", "66.67"), split("u1", "33.33")]),
    # u1 owns it but the revenue splits name someone else: no credit, not counted
    deal("2026-11-16T12:00:00", "700.00", "u1", [split("u5", "100"), split("u1", "20", "overlay")]),
    # outside the period (the first instant after it, the last before it)
    deal("2026-12-01T00:00:00", "5000.00", "u1", partner_org_id="p1"),
    deal("2026-10-31T23:59:59", "5000.00", "u1", partner_org_id="p1"),
    # another currency: left out, never converted
    deal("2026-11-10T00:00:00", "9999.00", "u1", currency="USD", partner_org_id="p1"),
]


def quota(target, **payee):
    return {"period": "2026-11", "target": Money(target, "CNY"), **payee}


def test_a_reps_attainment_sums_revenue_shares_of_deals_won_in_the_period():
    result = attainment(quota("10000.00", owner_id="u1"), DEALS)
    # 3000.00 + 400.00 + 33.333333 = 3433.333333 -> 3433.33; / 10000.00 = 34.3 %
    assert result == {"won": Money(Decimal("3433.33"), "CNY"), "won_count": 3,
                      "percent": Decimal("34.3")}
    assert str(result["won"].amount) == "3433.33"


def test_a_partner_organisations_attainment_sums_its_deals_whole():
    assert attainment(quota("10000.00", partner_org_id="p1"), DEALS) == {
        "won": Money("3000.00", "CNY"), "won_count": 1, "percent": Decimal("30.0")}


def test_nothing_won_against_a_zero_target_has_no_percentage():
    assert attainment(quota("0", owner_id="u9"), DEALS) == {
        "won": Money("0.00", "CNY"), "won_count": 0, "percent": None}


@pytest.mark.parametrize("period, start, end", [
    ("2026-11", "2026-11-01", "2026-12-01"),
    ("2028-02", "2028-02-01", "2028-03-01"),
    ("2026-12", "2026-12-01", "2027-01-01"),
])
def test_a_period_is_its_calendar_month_in_utc(period, start, end):
    assert period_window(period) == (at(start), at(end))
