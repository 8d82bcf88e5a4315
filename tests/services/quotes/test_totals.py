"""A quote's money: the one rounding rule, with numbers worked out by hand.

Each line's net is rounded half-up to the minor unit; the quote discount and the tax
are computed on the sum of the rounded lines and each rounded once; total = net + tax.
"""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotes import totals
from sfa_common.money import Money


def cny(amount):
    return Money(Decimal(amount), "CNY")


@pytest.mark.parametrize("quantity, unit_price, discount, net", [
    ("1", "100.00", "0", "100.00"),
    ("3", "33.33", "0", "99.99"),
    ("3", "10.00", "12.5", "26.25"),            # 30 x 0.875 exactly
    ("1", "0.05", "50", "0.03"),                 # 0.025 -> half up
    ("1", "0.15", "50", "0.08"),                 # 0.075 -> 0.08
    ("7", "19.99", "15", "118.94"),              # 139.93 x 0.85 = 118.9405
    ("2.5", "3.99", "0", "9.98"),                # 9.975 -> 9.98
    ("1", "100.00", "100", "0.00"),
    ("1", "0.01", "33.333", "0.01"),             # 0.0066667 -> 0.01
])
def test_a_line_net_is_rounded_half_up_once(quantity, unit_price, discount, net):
    assert totals.line_net(Decimal(quantity), cny(unit_price), Decimal(discount)) == cny(net)


def test_a_line_in_a_currency_without_minor_units_rounds_to_whole_units():
    yen = totals.line_net(Decimal("3"), Money(Decimal("333.5"), "JPY"), Decimal("0"))
    assert yen == Money(Decimal("1001"), "JPY")   # 1000.5 -> 1001


def test_totals_discount_and_tax_are_on_the_sum_of_rounded_lines_each_rounded_once():
    # Three lines of 0.335 each would sum to 1.005 unrounded; rounded first they are
    # 0.34 each, so the subtotal is 1.02 — the rule the lines printed on the PDF add up to.
    nets = [totals.line_net(Decimal(1), cny("0.67"), Decimal(50)) for _ in range(3)]
    assert nets == [cny("0.34")] * 3
    result = totals.totals(nets, "CNY", Decimal("10"), Decimal("13"))
    assert result.subtotal == cny("1.02")
    assert result.discount == cny("0.10")        # 0.102 -> 0.10
    assert result.net == cny("0.92")
    assert result.tax == cny("0.12")             # 0.1196 -> 0.12
    assert result.total == cny("1.04")


def test_a_worked_quote():
    nets = [totals.line_net(Decimal("10"), cny("1299.00"), Decimal("5")),   # 12340.50
            totals.line_net(Decimal("3"), cny("459.90"), Decimal("12")),    # 1214.136 -> .14
            totals.line_net(Decimal("1"), cny("88.88"), Decimal("0"))]      # 88.88
    assert nets == [cny("12340.50"), cny("1214.14"), cny("88.88")]
    result = totals.totals(nets, "CNY", Decimal("2.5"), Decimal("13"))
    assert result.as_dict() == {
        "subtotal": cny("13643.52"),
        "discount": cny("341.09"),       # 341.088
        "net": cny("13302.43"),
        "tax": cny("1729.32"),           # 1729.3159
        "total": cny("15031.75")}


def test_half_cent_tax_rounds_up():
    result = totals.totals([cny("0.50")], "CNY", Decimal("0"), Decimal("1"))
    assert (result.tax, result.total) == (cny("0.01"), cny("0.51"))   # 0.005 -> 0.01


def test_an_empty_quote_totals_zero_in_its_currency():
    result = totals.totals([], "CNY", Decimal("10"), Decimal("13"))
    assert result.total == cny("0.00") and str(result.total.amount) == "0.00"


def test_no_tax_and_no_discount():
    result = totals.totals([cny("10.00"), cny("5.55")], "CNY", Decimal(0), Decimal(0))
    assert (result.discount, result.tax, result.total) == (cny("0.00"), cny("0.00"),
                                                           cny("15.55"))


def test_the_largest_discount_is_the_larger_of_lines_and_quote():
    assert totals.max_discount([Decimal("3"), Decimal("12")], Decimal("5")) == Decimal("12")
    assert totals.max_discount([], Decimal("5")) == Decimal("5")


cents = st.integers(min_value=0, max_value=10**9).map(lambda c: cny(Decimal(c).scaleb(-2)))
percents = st.integers(min_value=0, max_value=10000).map(lambda p: Decimal(p).scaleb(-2))


@given(st.lists(cents, max_size=20), percents, percents)
def test_totals_add_up_to_the_cent(nets, discount, tax):
    result = totals.totals(nets, "CNY", discount, tax)
    for money in result.as_dict().values():
        assert money.rounded() == money
    assert result.subtotal - result.discount == result.net
    assert result.net + result.tax == result.total
    assert Decimal(0) <= result.discount.amount <= result.subtotal.amount
