"""Finishing the reports (pure): exact Decimal money, weighted amounts, ordering,
percentages and the RFM tiers, each against numbers worked out by hand."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from opportunities import reports
from opportunities.reports import RfmRules
from opportunities.stages import Pipeline

PIPELINE = Pipeline.parse("qualify:10,proposal:50,negotiation:75")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def as_text(rows):
    """Decimals as their exact text, so 0.00 and 0 (or 61.73 and 61.725) differ."""
    return [{name: str(value) if isinstance(value, Decimal) else value
             for name, value in row.items()} for row in rows]


def group(count, minor, **key):
    return {"_id": key, "count": count, "minor": minor}


@pytest.mark.parametrize("part, whole, expected", [
    (3, 8, "37.5"), (2, 3, "66.7"), (1, 3, "33.3"), (1, 16, "6.3"),  # 6.25 rounds half up
    (0, 5, "0.0"), (5, 5, "100.0"), (Decimal("3433.33"), Decimal("10000.00"), "34.3"),
])
def test_percentages_have_one_place_rounded_half_up(part, whole, expected):
    assert str(reports.percent(part, whole)) == expected


def test_a_percentage_of_nothing_is_none():
    assert reports.percent(0, 0) is None


def test_pipeline_report_rows_every_open_stage_per_currency_with_exact_weighting():
    groups = [
        group(2, 300000, stage="qualify", currency="CNY", probability=10),
        group(1, 100001, stage="qualify", currency="CNY", probability=20),
        group(1, 12345, stage="proposal", currency="CNY", probability=50),
        group(1, 1000, stage="demo", currency="CNY", probability=40),  # no longer a stage
        group(1, 999, stage="negotiation", currency="USD", probability=75),
        group(1, 1005, stage="qualify", currency="JPY", probability=33),
    ]
    report = reports.pipeline_report(PIPELINE, groups)
    # Weighted, in minor units x percent, then / 100 and rounded half up once:
    #   qualify CNY  300000 x 10 + 100001 x 20 = 5000020 -> 50000.20 minor -> 500.00
    #   proposal CNY 12345 x 50 = 617250 -> 6172.50 minor -> 61.725 -> 61.73 (half up)
    #   demo CNY     1000 x 40 = 40000 -> 400 minor -> 4.00
    #   qualify JPY  1005 x 33 = 33165 -> 331.65 yen -> 332 (JPY has no minor unit)
    #   negotiation USD 999 x 75 = 74925 -> 749.25 cents -> 7.49
    zero = {"count": 0, "amount": "0.00", "weighted": "0.00"}
    zero_yen = {"count": 0, "amount": "0", "weighted": "0"}
    assert as_text(report["rows"]) == [
        {"stage": "qualify", "currency": "CNY", "count": 3, "amount": "4000.01",
         "weighted": "500.00"},
        {"stage": "qualify", "currency": "JPY", "count": 1, "amount": "1005", "weighted": "332"},
        {"stage": "qualify", "currency": "USD", **zero},
        {"stage": "proposal", "currency": "CNY", "count": 1, "amount": "123.45",
         "weighted": "61.73"},
        {"stage": "proposal", "currency": "JPY", **zero_yen},
        {"stage": "proposal", "currency": "USD", **zero},
        {"stage": "negotiation", "currency": "CNY", **zero},
        {"stage": "negotiation", "currency": "JPY", **zero_yen},
        {"stage": "negotiation", "currency": "USD", "count": 1, "amount": "9.99",
         "weighted": "7.49"},
        {"stage": "demo", "currency": "CNY", "count": 1, "amount": "10.00", "weighted": "4.00"},
    ]
    # CNY: 3000.00 + 1000.01 + 123.45 + 10.00 = 4133.46;
    # weighted 5000020 + 617250 + 40000 = 5657270 -> 56572.70 minor -> 565.73
    assert as_text(report["totals"]) == [
        {"stage": "total", "currency": "CNY", "count": 5, "amount": "4133.46",
         "weighted": "565.73"},
        {"stage": "total", "currency": "JPY", "count": 1, "amount": "1005", "weighted": "332"},
        {"stage": "total", "currency": "USD", "count": 1, "amount": "9.99", "weighted": "7.49"},
    ]


def test_a_pipeline_report_in_a_currency_asked_for_has_a_zero_row_per_stage():
    report = reports.pipeline_report(PIPELINE, [], currency="EUR")
    assert [(row["stage"], row["currency"], row["count"]) for row in report["rows"]] == [
        ("qualify", "EUR", 0), ("proposal", "EUR", 0), ("negotiation", "EUR", 0)]
    assert as_text(report["totals"]) == [
        {"stage": "total", "currency": "EUR", "count": 0, "amount": "0.00", "weighted": "0.00"}]


def day(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_forecast_report_by_month_of_expected_close_with_what_was_won_that_month():
    open_groups = [
        group(1, 10000, day=day("2026-11-03"), currency="CNY", probability=50),
        group(2, 30001, day=day("2026-11-28"), currency="CNY", probability=25),
        group(1, 5, day=day("2026-12-01"), currency="CNY", probability=10),
        group(1, 100, day=day("2026-11-15"), currency="USD", probability=75),
    ]
    won_groups = [
        {"_id": "CNY", "deals": [{"won_at": day("2026-11-30T23:59:59"), "minor": 20000},
                                 {"won_at": day("2026-12-01T00:00:00"), "minor": 1}]},
        {"_id": "EUR", "deals": [{"won_at": day("2026-10-10T10:00:00"), "minor": 5000}]},
    ]
    # 2026-11 CNY: 100.00 + 300.01 = 400.01; weighted 10000 x 50 + 30001 x 25 = 1250025
    #   -> 12500.25 minor -> 125.00; won 200.00 (the 1 cent was won on 1 December)
    # 2026-12 CNY: weighted 5 x 10 = 50 -> 0.50 minor -> 0.01 (half up); won 0.01
    # 2026-11 USD: weighted 100 x 75 = 7500 -> 75 cents -> 0.75
    assert as_text(reports.forecast_report(open_groups, won_groups)["rows"]) == [
        {"month": "2026-10", "currency": "EUR", "count": 0, "amount": "0.00",
         "weighted": "0.00", "won": "50.00"},
        {"month": "2026-11", "currency": "CNY", "count": 3, "amount": "400.01",
         "weighted": "125.00", "won": "200.00"},
        {"month": "2026-11", "currency": "USD", "count": 1, "amount": "1.00",
         "weighted": "0.75", "won": "0.00"},
        {"month": "2026-12", "currency": "CNY", "count": 1, "amount": "0.05",
         "weighted": "0.01", "won": "0.01"},
    ]


@pytest.mark.parametrize("groups, expected", [
    ([{"_id": "won", "count": 3}, {"_id": "lost", "count": 5}], (3, 5, "37.5")),
    ([{"_id": "won", "count": 1}], (1, 0, "100.0")),
    ([{"_id": "lost", "count": 2}], (0, 2, "0.0")),
    ([], (0, 0, None)),
])
def test_win_rate_is_won_over_closed(groups, expected):
    report = reports.win_rate_report(groups)
    percent = None if report["percent"] is None else str(report["percent"])
    assert (report["won_count"], report["lost_count"], percent) == expected


def test_cycle_time_averages_days_from_creation_to_win():
    # 2 deals, 3.45 days on average: 2 x 3.45 x 86400 = 596160 seconds -> 3.5 (half up)
    assert reports.cycle_time_report([{"_id": None, "count": 2, "seconds": 596160}]) == {
        "won_count": 2, "average_days": Decimal("3.5")}
    assert reports.cycle_time_report([]) == {"won_count": 0, "average_days": None}


def test_competitor_report_counts_deals_by_outcome_per_competitor():
    def links(competitor_id, name, count, status, lost_to=None):
        return {"_id": {"competitor_id": competitor_id, "status": status, "lost_to": lost_to},
                "count": count, "name": name}
    groups = [
        links("c1", "Cisco", 2, "open"), links("c1", "Cisco", 1, "won"),
        links("c1", "Cisco", 1, "lost", "c1"), links("c1", "Cisco", 1, "lost"),
        links("c1", "Cisco", 1, "lost", "c2"), links("c2", "H3C", 1, "lost", "c2"),
        links("c3", "Arista", 1, "open"),
    ]
    # Cisco: won 1 of 4 closed (1 won, 1 lost to it, 2 lost to others) = 25.0
    assert as_text(reports.competitor_report(groups)["rows"]) == [
        {"competitor_id": "c3", "name": "Arista", "open": 1, "won_against": 0, "lost_to": 0,
         "lost_other": 0, "win_rate": None},
        {"competitor_id": "c1", "name": "Cisco", "open": 2, "won_against": 1, "lost_to": 1,
         "lost_other": 2, "win_rate": "25.0"},
        {"competitor_id": "c2", "name": "H3C", "open": 0, "won_against": 0, "lost_to": 1,
         "lost_other": 0, "win_rate": "0.0"},
    ]


def test_partner_report_sums_each_partner_per_currency():
    def deals(partner, currency, status, probability, count, minor):
        return group(count, minor, partner_org_id=partner, currency=currency, status=status,
                     probability=probability)
    groups = [
        deals("p1", "CNY", "open", 50, 2, 20000), deals("p1", "CNY", "open", 10, 1, 333),
        deals("p1", "CNY", "won", 100, 1, 50000), deals("p1", "CNY", "lost", 0, 3, 9000),
        deals("p1", "USD", "won", 100, 1, 100), deals("p2", "CNY", "lost", 0, 1, 100),
    ]
    # p1 CNY: open 200.00 + 3.33 = 203.33; weighted 20000 x 50 + 333 x 10 = 1003330
    #   -> 10033.30 minor -> 100.33; win rate 1 of 4 closed = 25.0
    assert as_text(reports.partner_report(groups)["rows"]) == [
        {"partner_org_id": "p1", "currency": "CNY", "open_count": 3, "open_amount": "203.33",
         "weighted": "100.33", "won_count": 1, "won_amount": "500.00", "lost_count": 3,
         "win_rate": "25.0"},
        {"partner_org_id": "p1", "currency": "USD", "open_count": 0, "open_amount": "0.00",
         "weighted": "0.00", "won_count": 1, "won_amount": "1.00", "lost_count": 0,
         "win_rate": "100.0"},
        {"partner_org_id": "p2", "currency": "CNY", "open_count": 0, "open_amount": "0.00",
         "weighted": "0.00", "won_count": 0, "won_amount": "0.00", "lost_count": 1,
         "win_rate": "0.0"},
    ]


# -- RFM --------------------------------------------------------------------------------------

RULES = RfmRules(currency="CNY", recency_days=(90, 365), frequency=(5, 2),
                 monetary=(Decimal(1000000), Decimal(100000)), window_days=730)


@pytest.mark.parametrize("score, tier", [(9, "A"), (8, "A"), (7, "B"), (6, "B"), (5, "C"),
                                         (4, "C"), (3, "D")])
def test_the_tier_follows_the_score_sum(score, tier):
    assert reports.tier(score) == tier


def customer(account_id, days_ago, frequency, minor):
    return {"_id": account_id, "last_won_at": NOW - days_ago, "frequency": frequency,
            "minor": minor}


def test_rfm_scores_at_each_threshold_and_orders_by_tier_then_amount():
    groups = [
        # 90 days -> 3, 5 wins -> 3, 1,000,000.00 -> 3: 9 = A
        customer("a1", timedelta(days=90), 5, 100000000),
        # 91 days -> 2, 4 wins -> 2, 999,999.99 -> 2: 6 = B
        customer("a2", timedelta(days=91), 4, 99999999),
        # 365 days 23 hours is 365 whole days -> 2, 2 wins -> 2, 100,000.00 -> 2: 6 = B
        customer("a3", timedelta(days=365, hours=23), 2, 10000000),
        # 366 days -> 1, 1 win -> 1, 99,999.99 -> 1: 3 = D
        customer("a4", timedelta(days=366), 1, 9999999),
        # today -> 3, 1 win -> 1, 0.01 -> 1: 5 = C
        customer("a5", timedelta(0), 1, 1),
        # 30 days -> 3, 2 wins -> 2, 100,000.00 -> 2: 7 = B (ties a3 on amount: by id)
        customer("a6", timedelta(days=30), 2, 10000000),
    ]
    report = reports.rfm_tiers(RULES, groups, NOW)
    assert [(row["account_id"], row["recency_score"], row["frequency_score"],
             row["monetary_score"], row["tier"]) for row in report["rows"]] == [
        ("a1", 3, 3, 3, "A"), ("a2", 2, 2, 2, "B"), ("a3", 2, 2, 2, "B"), ("a6", 3, 2, 2, "B"),
        ("a5", 3, 1, 1, "C"), ("a4", 1, 1, 1, "D")]
    first = report["rows"][0]
    assert (first["recency_days"], first["frequency"], str(first["monetary"].amount),
            first["last_won_at"]) == (90, 5, "1000000.00", NOW - timedelta(days=90))
    assert report["currency"] == "CNY"
    assert report["thresholds"] == {"recency_days": [90, 365], "frequency": [5, 2],
                                    "monetary": ["1000000", "100000"], "window_days": 730}
    assert [row["account_id"] for row in reports.rfm_tiers(RULES, groups, NOW, limit=2)[
        "rows"]] == ["a1", "a2"]


def test_the_rfm_window_reaches_back_the_days_set():
    assert RULES.window_start(NOW) == NOW - timedelta(days=730)
