"""The pure pricing engine: rule kinds with hand-computed prices, the resolution order,
quantity breaks over the basket, dates, deal registrations, based-on chains, loops and
the trace, which a replay written here (not the engine's) must reproduce."""
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from bson import ObjectId

from quotes.pricing import PriceBook, price_basket
from sfa_common.errors import ValidationFailed
from sfa_common.money import Money

ON = date(2026, 3, 15)


def oid(number):
    return f"{number:024x}"


def product(number=1, category="hardware/servers", list_price="100.00", cost="60.00",
            currency="CNY", active=True):
    return {"_id": ObjectId(oid(number)), "sku": f"SKU-{number}", "name": f"P{number}",
            "category": category, "unit": "unit", "active": active,
            "list_price": Money(list_price, currency),
            "cost": None if cost is None else Money(cost, currency)}


def rule(number, kind="percent_discount", applies_to=None, **terms):
    stored = {"_id": ObjectId(oid(1000 + number)), "applies_to": applies_to or {"kind": "all"},
              "kind": kind, "min_quantity": None, "valid_from": None, "valid_to": None,
              "amount": None, "percent": None, "formula": None,
              "deal_registration_id": None, "priority": 0}
    for name, value in terms.items():
        if name in ("percent", "min_quantity"):
            value = Decimal(value)
        elif name == "amount":
            value = Money(value, "CNY")
        elif name in ("valid_from", "valid_to"):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        elif name == "formula":
            value = {key: item if key == "base" else Decimal(item)
                     for key, item in value.items()}
        stored[name] = value
    return stored


def for_product(number):
    return {"kind": "product", "product_id": oid(number)}


def for_category(path):
    return {"kind": "category", "category": path}


def book(number, rules, based_on=None, currency="CNY", name=None):
    price_list = {"_id": ObjectId(oid(500 + number)), "name": name or f"List {number}",
                  "currency": currency, "based_on": None if based_on is None
                  else ObjectId(oid(500 + based_on)), "revision": 0}
    return PriceBook(price_list, rules)


def price(books, lines, products, list_number=1, on=ON, deal=None, currency="CNY"):
    books = {item.id: item for item in books}
    return price_basket(lines, products, books, currency=currency, on=on,
                        price_list_id=None if list_number is None else oid(500 + list_number),
                        deal_registration_id=deal)


def line(number=1, quantity="1"):
    return {"product_id": oid(number), "quantity": Decimal(quantity)}


def unit_price(rules, quantity="1", prod=None, **kwargs):
    priced = price([book(1, rules)], [line(1, quantity)], [prod or product()], **kwargs)
    return priced["lines"][0]["unit_price"].amount


# -- an independent replay of a trace -----------------------------------------------------

def replay(trace):
    """The unit price the trace describes, recomputed step by step; fails if any
    recorded before/after or the unit price disagrees."""
    base = trace["base"]
    amount = Decimal(base["amount"])
    if base["source"] == "price_list":
        assert replay(base["trace"]) == amount
    for step in trace["steps"]:
        assert Decimal(step["before"]) == amount, step
        kind = step["step"]
        if kind == "discount":
            amount = amount - amount * Decimal(step["percent"]) / 100
        elif kind == "surcharge":
            amount = amount + Decimal(step["amount"])
        elif kind == "rounding":
            size = Decimal(step["to"])
            amount = (amount / size).to_integral_value(rounding=ROUND_HALF_UP) * size
        elif kind in ("margin_floor", "margin_ceiling") and step["cost"] is not None:
            limit = Decimal(step["cost"]) * (1 + Decimal(step["percent"]) / 100)
            amount = max(amount, limit) if kind == "margin_floor" else min(amount, limit)
        elif kind == "minor_unit":
            amount = amount.quantize(Decimal(1).scaleb(-step["digits"]), rounding=ROUND_HALF_UP)
        assert Decimal(step["after"]) == amount, step
    assert Decimal(trace["unit_price"]) == amount
    return amount


# -- rule kinds, hand-computed ----------------------------------------------------------------

@pytest.mark.parametrize("rules, list_price, expected", [
    ([], "100.00", "100.00"),
    ([], "99.995", "100.00"),                                   # the list price rounded
    ([rule(1, "fixed_price", amount="88.50")], "100.00", "88.50"),
    ([rule(1, percent="15")], "100.00", "85.00"),
    ([rule(1, percent="12.5")], "99.99", "87.49"),              # 87.49125
    ([rule(1, percent="0.5")], "0.99", "0.99"),                 # 0.98505 -> 0.99 half-up
    ([rule(1, percent="100")], "100.00", "0.00"),
    # 100 x 0.9 + 5 = 95, to a step of 10 half-up: 100
    ([rule(1, "formula", formula={"base": "list_price", "discount_percent": "10",
                                  "surcharge": "5", "rounding": "10"})], "100.00", "100.00"),
    # 100 x 0.91 = 91, to 10: 90
    ([rule(1, "formula", formula={"base": "list_price", "discount_percent": "9",
                                  "rounding": "10"})], "100.00", "90.00"),
    ([rule(1, "formula", formula={"base": "cost", "surcharge": "12.34"})], "100.00", "72.34"),
    # cost 60, +0 % is 60, below the 30 % floor of 78
    ([rule(1, "formula", formula={"base": "cost", "min_margin_percent": "30"})], "100.00",
     "78.00"),
    # 100 x 0.5 = 50, floor 60 x 1.25 = 75
    ([rule(1, "formula", formula={"base": "list_price", "discount_percent": "50",
                                  "min_margin_percent": "25"})], "100.00", "75.00"),
    # 100 is above the ceiling 60 x 1.2 = 72
    ([rule(1, "formula", formula={"base": "list_price", "max_margin_percent": "20"})],
     "100.00", "72.00"),
    # inside both limits: unchanged
    ([rule(1, "formula", formula={"base": "list_price", "discount_percent": "20",
                                  "min_margin_percent": "10", "max_margin_percent": "50"})],
     "100.00", "80.00"),
    # 100 x 0.33333 = 33.333, to 0.05: 666.66 steps -> 667 x 0.05 = 33.35
    ([rule(1, "formula", formula={"base": "list_price", "discount_percent": "66.667",
                                  "rounding": "0.05"})], "100.00", "33.35"),
])
def test_each_rule_kind_prices_as_computed_by_hand(rules, list_price, expected):
    priced = price([book(1, rules)], [line()], [product(list_price=list_price)])
    assert priced["lines"][0]["unit_price"] == Money(expected, "CNY")
    assert replay(priced["lines"][0]["trace"]) == Decimal(expected)


def test_a_margin_clamp_without_a_cost_leaves_the_price():
    rules = [rule(1, "formula", formula={"base": "list_price", "min_margin_percent": "50"})]
    assert unit_price(rules, prod=product(cost=None)) == Decimal("100.00")


def test_a_formula_on_cost_for_a_product_without_cost_names_the_line():
    rules = [rule(1, "formula", formula={"base": "cost"})]
    with pytest.raises(ValidationFailed) as raised:
        price([book(1, rules)], [line()], [product(cost=None)])
    assert set(raised.value.details) == {"lines.0"}


def test_line_amounts_are_rounded_once_and_the_total_is_their_sum():
    products = [product(1, list_price="33.33"), product(2, list_price="0.05")]
    priced = price([book(1, [])], [line(1, "3"), line(2, "0.5"), line(2, "0.5")], products)
    amounts = [item["amount"].amount for item in priced["lines"]]
    assert amounts == [Decimal("99.99"), Decimal("0.03"), Decimal("0.03")]
    assert priced["total"] == Money("100.05", "CNY")


def test_a_currency_without_minor_unit_rounds_to_whole_units():
    jpy = product(list_price="1000", cost=None, currency="JPY")
    priced = price([book(1, [rule(1, percent="3.3")], currency="JPY")], [line()], [jpy],
                   currency="JPY")
    assert priced["lines"][0]["unit_price"] == Money("967", "JPY")    # 967.0 exactly


# -- resolution ------------------------------------------------------------------------------

def test_product_beats_deepest_category_beats_shallower_beats_all():
    rules = [rule(1, percent="1"),
             rule(2, percent="2", applies_to=for_category("hardware")),
             rule(3, percent="3", applies_to=for_category("hardware/servers")),
             rule(4, percent="4", applies_to=for_product(1))]
    assert unit_price(rules) == Decimal("96.00")
    assert unit_price(rules[:3]) == Decimal("97.00")
    assert unit_price(rules[:2]) == Decimal("98.00")
    assert unit_price(rules[:1]) == Decimal("99.00")


def test_a_category_rule_covers_whats_below_it_by_path_segment_only():
    rules = [rule(1, percent="5", applies_to=for_category("hardware"))]
    assert unit_price(rules, prod=product(category="hardware/servers/gpu")) == Decimal("95.00")
    assert unit_price(rules, prod=product(category="hardwares")) == Decimal("100.00")
    assert unit_price(rules, prod=product(category=None)) == Decimal("100.00")


def test_higher_min_quantity_then_priority_then_rule_id():
    rules = [rule(1, percent="10", min_quantity="10"), rule(2, percent="20", min_quantity="5"),
             rule(3, percent="30", priority=5), rule(4, percent="40", priority=5)]
    assert unit_price(rules, quantity="12") == Decimal("90.00")
    assert unit_price(rules, quantity="9") == Decimal("80.00")
    # Below every break: the two priority-5 rules tie, the older id (rule 3) wins.
    assert unit_price(rules, quantity="1") == Decimal("70.00")


def test_a_more_specific_level_wins_even_if_a_broader_rule_has_a_higher_break():
    rules = [rule(1, percent="30", min_quantity="1"),
             rule(2, percent="5", applies_to=for_product(1))]
    assert unit_price(rules, quantity="50") == Decimal("95.00")


def test_breaks_count_the_basket_total_of_the_product_and_of_the_category():
    products = [product(1), product(2, category="hardware/storage"), product(3, category="sw")]
    rules = [rule(1, percent="10", min_quantity="5", applies_to=for_product(1)),
             rule(2, percent="20", min_quantity="6", applies_to=for_category("hardware"))]
    lines = [line(1, "3"), line(1, "2"), line(2, "1"), line(3, "100")]
    priced = price([book(1, rules)], lines, products)
    prices = [item["unit_price"].amount for item in priced["lines"]]
    # product 1: 3 + 2 = 5 meets its own break; product 2: hardware counts 3 + 2 + 1 = 6
    assert prices == [Decimal("90.00"), Decimal("90.00"), Decimal("80.00"), Decimal("100.00")]
    assert priced["lines"][2]["trace"]["counted_quantity"] == "6"
    priced = price([book(1, rules)], lines[1:], products)
    assert [item["unit_price"].amount for item in priced["lines"]][:2] == [
        Decimal("100.00"), Decimal("100.00")]


def test_dates_are_inclusive_days():
    rules = [rule(1, percent="10", valid_from=date(2026, 3, 1), valid_to=date(2026, 3, 31))]
    for day, expected in [(date(2026, 2, 28), "100.00"), (date(2026, 3, 1), "90.00"),
                          (date(2026, 3, 31), "90.00"), (date(2026, 4, 1), "100.00")]:
        assert unit_price(rules, on=day) == Decimal(expected), day


def test_a_deal_registration_price_applies_only_to_that_deal():
    rules = [rule(1, "fixed_price", amount="50.00", deal_registration_id="reg-1",
                  applies_to=for_product(1)),
             rule(2, percent="10", applies_to=for_product(1))]
    assert unit_price(rules, deal="reg-1") == Decimal("50.00")
    assert unit_price(rules, deal="reg-2") == Decimal("90.00")
    assert unit_price(rules) == Decimal("90.00")


def test_without_a_list_every_line_is_at_its_list_price():
    priced = price([], [line()], [product()], list_number=None)
    assert priced["price_list"] is None
    assert priced["lines"][0]["trace"]["price_list"] is None
    assert priced["total"] == Money("100.00", "CNY")


def test_the_trace_names_list_rule_base_and_steps():
    rules = [rule(7, "formula", applies_to=for_product(1), formula={
        "base": "list_price", "discount_percent": "10", "surcharge": "2"})]
    trace = price([book(1, rules, name="Gold")], [line()], [product()])["lines"][0]["trace"]
    assert trace["price_list"] == {"id": oid(501), "name": "Gold"}
    assert trace["rule"]["id"] == oid(1007) and trace["rule"]["kind"] == "formula"
    assert trace["base"] == {"source": "list_price", "amount": "100.00"}
    assert [(s["step"], s["before"], s["after"]) for s in trace["steps"]] == [
        ("discount", "100.00", "90.00"), ("surcharge", "90.00", "92.00"),
        ("minor_unit", "92.00", "92.00")]


# -- based-on chains and loops -------------------------------------------------------------

def chain_of_three():
    base = book(3, [rule(1, percent="10")])                                      # 90.00
    middle = book(2, [rule(2, "formula", formula={"base": "price_list",
                                                  "discount_percent": "5"})], based_on=3)
    top = book(1, [rule(3, "formula", formula={"base": "price_list", "surcharge": "3",
                                               "rounding": "1"})], based_on=2)
    return [top, middle, base]


def test_a_chain_of_three_lists_prices_through_each_with_nested_traces():
    priced = price(chain_of_three(), [line()], [product()])
    item = priced["lines"][0]
    # 100 -10 % = 90.00; -5 % = 85.50; +3 = 88.50, to a step of 1 half-up = 89
    assert item["unit_price"] == Money("89.00", "CNY")
    trace = item["trace"]
    assert trace["base"]["price_list_id"] == oid(502)
    assert trace["base"]["amount"] == "85.50"
    assert trace["base"]["trace"]["base"]["trace"]["price_list"]["id"] == oid(503)
    assert trace["base"]["trace"]["base"]["trace"]["unit_price"] == "90.00"
    assert replay(trace) == Decimal("89.00")


def test_the_engine_stops_on_a_loop_of_based_on_lists():
    formula = {"base": "price_list", "discount_percent": "1"}
    books = [book(1, [rule(1, "formula", formula=formula)], based_on=2),
             book(2, [rule(2, "formula", formula=formula)], based_on=1)]
    with pytest.raises(ValidationFailed) as raised:
        price(books, [line()], [product()])
    assert set(raised.value.details) == {"based_on"}


def test_a_formula_on_the_based_on_list_without_one_is_refused():
    books = [book(1, [rule(1, "formula", formula={"base": "price_list"})])]
    with pytest.raises(ValidationFailed) as raised:
        price(books, [line()], [product()])
    assert set(raised.value.details) == {"based_on"}


# -- bad baskets ----------------------------------------------------------------------------

def test_every_bad_line_is_named_and_nothing_is_priced():
    products = [product(1), product(2, active=False), product(3, currency="USD")]
    lines = [line(1, "1"), line(9, "1"), line(1, "0"), line(1, "-2"), line(2, "1"),
             {"sku": "SKU-404", "quantity": Decimal(1)}, line(3, "1")]
    with pytest.raises(ValidationFailed) as raised:
        price([book(1, [])], lines, products)
    assert raised.value.details.keys() == {
        "lines.1.product_id", "lines.2.quantity", "lines.3.quantity", "lines.4.product_id",
        "lines.5.sku", "lines.6"}


def test_a_list_in_another_currency_than_the_basket_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        price([book(1, [], currency="USD")], [line()], [product()])
    assert set(raised.value.details) == {"currency"}


def test_lines_may_name_products_by_sku():
    priced = price([book(1, [rule(1, percent="10")])],
                   [{"sku": "SKU-1", "quantity": Decimal(2)}], [product()])
    assert priced["lines"][0]["amount"] == Money("180.00", "CNY")
