"""Money: exact Decimal amounts in one currency, half-up rounding to the currency's minor
unit, and storage that keeps every digit on both engines."""
from decimal import Decimal

import bson
import mongomock
import pytest
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from hypothesis import given, settings
from hypothesis import strategies as st

from sfa_common.money import Money, MoneyError, check_currency, to_decimal

# --- what an amount may be -----------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, 0.1, 100.0, float("nan"), True, False])
def test_floats_and_bools_are_refused(value):
    with pytest.raises(MoneyError):
        Money(value, "CNY")
    with pytest.raises(MoneyError):
        to_decimal(value)


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal128("12.30"), "12.30"),
    (Decimal128("-0.001"), "-0.001"),
    ("12.30", "12.30"),
    ("  99.990 ", "99.990"),
    ("-7", "-7"),
    ("1E+3", "1E+3"),
    (12, "12"),
    (0, "0"),
    (-250, "-250"),
    (Decimal("3.14159"), "3.14159"),
])
def test_decimal128_strings_and_ints_are_accepted_exactly(value, expected):
    money = Money(value, "CNY")
    assert isinstance(money.amount, Decimal)
    assert str(money.amount) == expected


@pytest.mark.parametrize("value", ["", "abc", "1,000.00", "12.3.4", "NaN", "Infinity", "-inf",
                                   Decimal("NaN"), Decimal("Infinity"), None, [1], {"a": 1}])
def test_what_is_not_a_finite_number_is_refused(value):
    with pytest.raises(MoneyError):
        Money(value, "CNY")


@pytest.mark.parametrize("code", ["CNY", "USD", "JPY", "KWD", "EUR"])
def test_three_letter_upper_case_codes_are_accepted(code):
    assert check_currency(code) == code
    assert Money("1", code).currency == code


@pytest.mark.parametrize("code", ["cny", "Cny", "CN", "CNYY", "", "C1Y", "C Y", "ＣＮＹ", "ÄBC",
                                  None, 156])
def test_a_currency_that_is_not_a_3_letter_code_is_refused(code):
    with pytest.raises(MoneyError):
        Money("1", code)


def test_money_is_immutable():
    money = Money("1", "CNY")
    with pytest.raises(AttributeError):
        money.amount = Decimal("2")


# --- arithmetic ----------------------------------------------------------------------


def test_addition_and_subtraction_are_exact_and_keep_the_currency():
    total = Money("0.10", "CNY") + Money("0.20", "CNY")
    assert total == Money("0.30", "CNY")
    assert total.currency == "CNY"
    assert Money("100.00", "USD") - Money("0.01", "USD") == Money("99.99", "USD")
    assert -Money("5.5", "EUR") == Money("-5.5", "EUR")


def test_multiplication_by_decimal_int_or_string_keeps_the_currency():
    assert Money("19.99", "CNY") * 3 == Money("59.97", "CNY")
    assert 3 * Money("19.99", "CNY") == Money("59.97", "CNY")
    assert Money("200", "JPY") * Decimal("0.15") == Money("30", "JPY")
    assert (Money("200", "JPY") * "0.15").currency == "JPY"


def test_multiplying_by_a_float_is_refused():
    with pytest.raises(MoneyError):
        Money("10", "CNY") * 0.1


@pytest.mark.parametrize("operation", [lambda a, b: a + b, lambda a, b: a - b])
def test_mixing_currencies_is_refused(operation):
    with pytest.raises(MoneyError, match="CNY.*USD"):
        operation(Money("1", "CNY"), Money("1", "USD"))


@pytest.mark.parametrize("other", [1, Decimal("1"), "1", None])
def test_adding_a_bare_number_is_a_type_error(other):
    with pytest.raises(TypeError):
        Money("1", "CNY") + other
    with pytest.raises(TypeError):
        Money("1", "CNY") - other


def test_a_sum_needs_a_money_start():
    lines = [Money("1.10", "CNY"), Money("2.20", "CNY"), Money("3.30", "CNY")]
    assert sum(lines, Money("0", "CNY")) == Money("6.60", "CNY")


# --- rounding: half away from zero, to the currency's minor unit ----------------------

ROUNDING = [
    # (currency, amount, rounded) -- worked by hand. Half-even would give 2.34, 0.12, 2 ...
    ("CNY", "2.345", "2.35"),
    ("CNY", "2.3449", "2.34"),
    ("CNY", "-2.345", "-2.35"),
    ("CNY", "0.005", "0.01"),
    ("CNY", "-0.005", "-0.01"),
    ("CNY", "7", "7.00"),
    ("CNY", "1.1", "1.10"),
    ("USD", "0.125", "0.13"),
    ("EUR", "-0.125", "-0.13"),
    ("JPY", "2.5", "3"),
    ("JPY", "-2.5", "-3"),
    ("JPY", "1234.49", "1234"),
    ("JPY", "-0.5", "-1"),
    ("JPY", "100", "100"),
    ("KRW", "999.5", "1000"),
    ("KWD", "1.0005", "1.001"),
    ("KWD", "-1.0005", "-1.001"),
    ("KWD", "1.00049", "1.000"),
    ("KWD", "3", "3.000"),
    ("BHD", "0.0125", "0.013"),
]


@pytest.mark.parametrize(("currency", "amount", "expected"), ROUNDING)
def test_rounded_is_half_up_to_the_minor_unit(currency, amount, expected):
    rounded = Money(amount, currency).rounded()
    assert str(rounded.amount) == expected  # value *and* number of decimals
    assert rounded.currency == currency


def test_a_negative_amount_below_half_a_fen_rounds_to_zero():
    assert Money("-0.004", "CNY").rounded() == Money("0", "CNY")


def test_rounding_leaves_the_original_untouched():
    money = Money("2.345", "CNY")
    money.rounded()
    assert money.amount == Decimal("2.345")


@pytest.mark.parametrize(("currency", "digits"), [("CNY", 2), ("USD", 2), ("JPY", 0),
                                                  ("KRW", 0), ("KWD", 3), ("BHD", 3)])
def test_minor_digits_per_currency(currency, digits):
    assert Money("1", currency).minor_digits == digits


# --- storage ------------------------------------------------------------------------

MANY_DIGITS = [
    "12345678901234567890.12345678901234",  # 34 significant digits
    "0.0000000000000000000000000000000001",
    "-9999999999999999999999999999999999",
    "1.10",   # trailing zero kept
    "-0",     # sign of zero kept
    "0E-10",
    "1E+100",
]


@pytest.mark.parametrize("amount", MANY_DIGITS)
def test_document_form_stores_a_decimal128_not_a_float(amount):
    document = Money(amount, "CNY").to_document()
    assert document == {"amount": Decimal128(amount), "currency": "CNY"}
    assert type(document["amount"]) is Decimal128


@pytest.mark.parametrize("amount", MANY_DIGITS)
def test_bson_round_trip_is_lossless(amount):
    money = Money(amount, "KWD")
    raw = bson.encode({"price": money.to_document()})
    back = Money.from_document(bson.decode(raw, CodecOptions(tz_aware=True))["price"])
    assert back == money
    assert back.amount.as_tuple() == Decimal(amount).as_tuple()


@pytest.mark.parametrize("amount", MANY_DIGITS)
def test_embedded_engine_round_trip_is_lossless(amount):
    collection = mongomock.MongoClient().db.quotes
    money = Money(amount, "USD")
    inserted = collection.insert_one({"total": money.to_document()}).inserted_id
    back = Money.from_document(collection.find_one({"_id": inserted})["total"])
    assert back == money
    assert back.amount.as_tuple() == Decimal(amount).as_tuple()


def test_from_document_accepts_a_string_amount():
    assert Money.from_document({"amount": "12.30", "currency": "CNY"}) == Money("12.30", "CNY")


def test_str_shows_the_exact_amount_and_currency():
    assert str(Money("12.30", "CNY")) == "12.30 CNY"


def _decimal(sign, coefficient, exponent):
    return Decimal((sign, tuple(int(d) for d in str(coefficient)), exponent))


# Any Decimal Decimal128 can hold: up to 34 significant digits, exponent -6176..6111.
DECIMAL128_VALUES = st.builds(_decimal, st.integers(0, 1), st.integers(0, 10**34 - 1),
                              st.integers(-6176, 6111))
# And the ones money is made of in practice.
EVERYDAY_AMOUNTS = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"),
                               allow_nan=False, allow_infinity=False, places=4)
CURRENCIES = st.sampled_from(["CNY", "USD", "EUR", "JPY", "KWD", "HKD"])


@settings(max_examples=300, database=None, deadline=None)
@given(amount=st.one_of(DECIMAL128_VALUES, EVERYDAY_AMOUNTS), currency=CURRENCIES)
def test_property_document_round_trip_is_identity(amount, currency):
    money = Money(amount, currency)
    back = Money.from_document(money.to_document())
    assert back == money
    assert back.amount.as_tuple() == amount.as_tuple()
    via_bson = Money.from_document(bson.decode(bson.encode(money.to_document())))
    assert via_bson.amount.as_tuple() == amount.as_tuple()
