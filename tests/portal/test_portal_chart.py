"""The pipeline chart's bars (pure): which currency, which stages, how long."""
from decimal import Decimal

import pytest

from portal.dashboard.chart import LONGEST_BAR, Bar, main_currency, pipeline_bars

STAGES = [{"key": "qualify", "kind": "open", "probability": 10},
          {"key": "proposal", "kind": "open", "probability": 50},
          {"key": "won", "kind": "won", "probability": 100},
          {"key": "lost", "kind": "lost", "probability": 0}]


def row(stage, currency, count, amount, weighted="0.00"):
    return {"stage": stage, "currency": currency, "count": count, "amount": amount,
            "weighted": weighted}


@pytest.mark.parametrize(("totals", "requested", "expected"), [
    ([], None, None),
    ([], "CNY", None),
    ([row("total", "USD", 1, "5.00"), row("total", "CNY", 3, "1.00")], None, "CNY"),
    ([row("total", "USD", 2, "5.00"), row("total", "CNY", 2, "9.00")], None, "CNY"),  # a tie
    ([row("total", "USD", 1, "5.00"), row("total", "CNY", 3, "1.00")], "USD", "USD"),
    ([row("total", "USD", 1, "5.00"), row("total", "CNY", 3, "1.00")], "EUR", "CNY"),
])
def test_the_main_currency(totals, requested, expected):
    assert main_currency(totals, requested) == expected


def test_a_bar_per_open_stage_in_pipeline_order_lengths_in_proportion():
    rows = [row("proposal", "CNY", 2, "300.00", "150.00"), row("qualify", "CNY", 1, "100.00"),
            row("qualify", "USD", 9, "99999.00")]

    bars = pipeline_bars(STAGES, rows, "CNY")

    assert bars == [
        Bar("qualify", 1, Decimal("100.00"), Decimal("0.00"), Decimal("120.0")),
        Bar("proposal", 2, Decimal("300.00"), Decimal("150.00"), LONGEST_BAR),
    ]


def test_lengths_round_half_up_to_a_tenth():
    # 360 x 1 / 1440 = 0.25 -> 0.3 (half up; half to even would give 0.2)
    rows = [row("qualify", "CNY", 1, "1"), row("proposal", "CNY", 1, "1440")]
    assert [b.length for b in pipeline_bars(STAGES, rows, "CNY")] == [Decimal("0.3"),
                                                                        Decimal("360.0")]
    # 360 x 1 / 7 = 51.428... -> 51.4
    rows = [row("qualify", "CNY", 1, "1"), row("proposal", "CNY", 1, "7")]
    assert [b.length for b in pipeline_bars(STAGES, rows, "CNY")] == [Decimal("51.4"),
                                                                        Decimal("360.0")]


def test_amounts_stay_exact_decimals():
    rows = [row("qualify", "CNY", 1, "12345678901234567.89")]

    (qualify, proposal) = pipeline_bars(STAGES, rows, "CNY")

    assert qualify.amount == Decimal("12345678901234567.89") and qualify.length == LONGEST_BAR
    assert proposal.amount == 0 and proposal.length == Decimal("0.0")


def test_no_deals_in_the_currency_draws_empty_bars():
    bars = pipeline_bars(STAGES, [row("qualify", "USD", 1, "5.00")], None)

    assert [(b.stage, b.count, b.length) for b in bars] == [
        ("qualify", 0, Decimal("0.0")), ("proposal", 0, Decimal("0.0"))]


def test_a_reported_stage_missing_from_the_pipeline_comes_last():
    rows = [row("poc", "CNY", 1, "50.00"), row("proposal", "CNY", 1, "100.00")]

    assert [b.stage for b in pipeline_bars(STAGES, rows, "CNY")] == ["qualify", "proposal",
                                                                     "poc"]
