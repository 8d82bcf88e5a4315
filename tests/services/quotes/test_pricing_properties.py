"""Properties of the pricing engine over generated prices, rules and baskets."""
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from test_pricing import book, for_product, line, oid, price, product, replay, rule

from sfa_common.money import Money

amounts = st.decimals(min_value=0, max_value=10 ** 7, places=4, allow_nan=False,
                      allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False,
                       allow_infinity=False)
quantities = st.integers(min_value=1, max_value=10_000).map(Decimal)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
steps = st.sampled_from(["0.01", "0.05", "0.5", "1", "10", "100"])


@given(amounts, percents, quantities)
def test_a_percent_discount_never_raises_a_price(list_price, percent, quantity):
    undiscounted = price([book(1, [])], [line(1, quantity)], [product(list_price=list_price)])
    discounted = price([book(1, [rule(1, percent=percent)])], [line(1, quantity)],
                       [product(list_price=list_price)])
    assert discounted["lines"][0]["unit_price"].amount <= \
        undiscounted["lines"][0]["unit_price"].amount
    assert discounted["total"].amount <= undiscounted["total"].amount


@given(days, st.integers(0, 400), days)
def test_a_rule_never_applies_outside_its_dates(start, length, on):
    end = start + timedelta(days=length)
    rules = [rule(1, "fixed_price", amount="1.00", valid_from=start, valid_to=end)]
    priced = price([book(1, rules)], [line()], [product()], on=on)
    inside = start <= on <= end
    assert priced["lines"][0]["unit_price"] == Money("1.00" if inside else "100.00", "CNY")
    assert (priced["lines"][0]["trace"]["rule"] is not None) == inside


formulas = st.fixed_dictionaries({"base": st.sampled_from(["list_price", "cost", "price_list"])},
                                 optional={"discount_percent": percents,
                                           "surcharge": amounts,
                                           "rounding": steps,
                                           "min_margin_percent": percents,
                                           "max_margin_percent": percents.map(lambda p: p + 100)})


@given(formulas, formulas, amounts, amounts, quantities)
def test_the_trace_reproduces_the_price(top, middle, list_price, cost, quantity):
    middle = {**middle, "base": "list_price" if middle["base"] == "price_list" else middle["base"]}
    books = [book(1, [rule(1, "formula", formula=top)], based_on=2),
             book(2, [rule(2, "formula", formula=middle, applies_to=for_product(1))])]
    priced = price(books, [line(1, quantity)], [product(list_price=list_price, cost=cost)])
    item = priced["lines"][0]
    assert replay(item["trace"]) == item["unit_price"].amount
    assert item["amount"] == (item["unit_price"] * quantity).rounded()


@given(st.lists(st.tuples(st.integers(1, 500), percents), min_size=1, max_size=6),
       quantities, quantities)
def test_breaks_are_monotone(breaks, fewer, more):
    """With more of a product in the basket, the break chosen is never a lower one, and
    when deeper breaks give deeper discounts the unit price never rises."""
    fewer, more = sorted([fewer, more])
    by_depth = sorted(percent for _, percent in breaks)
    thresholds = sorted({threshold for threshold, _ in breaks})
    rules = [rule(n, percent=by_depth[min(n, len(by_depth) - 1)], min_quantity=threshold,
                  applies_to=for_product(1)) for n, threshold in enumerate(thresholds)]

    def chosen(quantity):
        item = price([book(1, rules)], [line(1, quantity)], [product()])["lines"][0]
        picked = item["trace"]["rule"]
        return (Decimal(picked["min_quantity"]) if picked else Decimal(-1)), item["unit_price"]

    (break_few, price_few), (break_more, price_more) = chosen(fewer), chosen(more)
    assert break_few <= break_more
    assert price_more.amount <= price_few.amount


@given(st.lists(quantities, min_size=1, max_size=5), st.integers(1, 30))
def test_splitting_a_quantity_over_lines_does_not_change_the_break(parts, threshold):
    rules = [rule(1, percent="10", min_quantity=str(threshold), applies_to=for_product(1))]
    split = price([book(1, rules)], [line(1, part) for part in parts], [product()])
    whole = price([book(1, rules)], [line(1, sum(parts))], [product()])
    assert {item["unit_price"] for item in split["lines"]} == {whole["lines"][0]["unit_price"]}
    assert oid(1) == str(split["lines"][0]["product"]["_id"])
