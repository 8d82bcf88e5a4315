"""Base schemas: strict input, 24-hex ids, aware UTC times, decimals never as floats."""
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from bson import ObjectId
from bson.decimal128 import Decimal128
from marshmallow import ValidationError, fields

from sfa_common.money import Money
from sfa_common.schemas import (
    BaseSchema,
    DecimalString,
    MoneyField,
    ObjectIdField,
    RecordSchema,
    UTCDateTime,
)

OID = "65a1b2c3d4e5f60718293a4b"


class Deal(BaseSchema):
    name = fields.String(required=True)
    account_id = ObjectIdField()
    close_at = UTCDateTime()
    probability = DecimalString()
    value = MoneyField()


def errors_of(payload, schema=None):
    with pytest.raises(ValidationError) as raised:
        (schema or Deal()).load(payload)
    return raised.value.messages


def from_json(text):
    """Load as the gateway does: from a JSON body, where 1.5 is a float."""
    return Deal().load(json.loads(text))


# --- unknown fields ------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name():
    assert errors_of({"name": "x", "colour": "red", "is_admin": True}) == {
        "colour": ["Unknown field."], "is_admin": ["Unknown field."]}


def test_dump_only_record_fields_cannot_be_sent():
    # id and timestamps are the server's: a client sending them is refused, not obeyed.
    messages = errors_of({"id": OID, "created_at": "2026-01-31T09:00:00Z"}, RecordSchema())
    assert set(messages) == {"id", "created_at"}


def test_a_schema_built_on_base_schema_inherits_the_strictness():
    class Child(Deal):
        pass

    assert "extra" in errors_of({"name": "x", "extra": 1}, Child())


# --- ObjectIdField -------------------------------------------------------------------


def test_object_id_loads_from_its_hex_string_and_dumps_back():
    loaded = Deal().load({"name": "x", "account_id": OID})
    assert loaded["account_id"] == ObjectId(OID)
    assert Deal().dump(loaded)["account_id"] == OID


def test_object_id_passes_through_an_object_id():
    assert Deal().load({"name": "x", "account_id": ObjectId(OID)})["account_id"] == ObjectId(OID)


@pytest.mark.parametrize("value", ["", "xyz", OID[:-1], OID + "0", "g" * 24, "abcdefghijkl", 12,
                                   [OID], {"$ne": None}])
def test_a_malformed_id_is_refused(value):
    assert errors_of({"name": "x", "account_id": value}) == {"account_id": ["Not a valid id."]}


def test_a_null_id_is_refused_unless_allowed():
    assert "account_id" in errors_of({"name": "x", "account_id": None})


def test_record_schema_dumps_the_mongo_id_as_id():
    dumped = RecordSchema().dump({"_id": ObjectId(OID),
                                  "created_at": datetime(2026, 1, 31, 9, tzinfo=UTC)})
    assert dumped == {"id": OID, "created_at": "2026-01-31T09:00:00Z"}


# --- UTCDateTime ---------------------------------------------------------------------


@pytest.mark.parametrize("naive", ["2026-01-31T09:00:00", "2026-01-31 09:00:00",
                                   "2026-01-31", datetime(2026, 1, 31, 9)])
def test_a_time_without_offset_is_refused_not_guessed(naive):
    messages = errors_of({"name": "x", "close_at": naive})
    assert messages["close_at"] == ["Must include a UTC offset (e.g. 2026-01-31T09:00:00Z)."]


@pytest.mark.parametrize(("sent", "utc"), [
    ("2026-01-31T09:00:00Z", datetime(2026, 1, 31, 9, 0, tzinfo=UTC)),
    ("2026-01-31T09:00:00+00:00", datetime(2026, 1, 31, 9, 0, tzinfo=UTC)),
    ("2026-01-31T09:00:00+08:00", datetime(2026, 1, 31, 1, 0, tzinfo=UTC)),       # Beijing
    ("2026-01-01T03:30:00+08:00", datetime(2025, 12, 31, 19, 30, tzinfo=UTC)),    # day before
    ("2026-01-31T09:00:00-05:00", datetime(2026, 1, 31, 14, 0, tzinfo=UTC)),
    ("2026-01-31T09:00:00.250+05:30", datetime(2026, 1, 31, 3, 30, 0, 250000, tzinfo=UTC)),
])
def test_an_offset_is_converted_to_utc(sent, utc):
    loaded = Deal().load({"name": "x", "close_at": sent})["close_at"]
    assert loaded == utc
    assert loaded.utcoffset() == timedelta(0)
    assert loaded.tzinfo is not None


def test_an_aware_datetime_object_is_converted_to_utc():
    beijing = datetime(2026, 1, 31, 9, tzinfo=timezone(timedelta(hours=8)))
    loaded = Deal().load({"name": "x", "close_at": beijing})["close_at"]
    assert (loaded, loaded.utcoffset()) == (datetime(2026, 1, 31, 1, tzinfo=UTC), timedelta(0))


@pytest.mark.parametrize("value", ["2026-02-30T09:00:00Z", "yesterday", "", 1769850000, 1.5])
def test_what_is_not_a_datetime_is_refused(value):
    assert "close_at" in errors_of({"name": "x", "close_at": value})


@pytest.mark.parametrize(("value", "dumped"), [
    (datetime(2026, 1, 31, 9, tzinfo=UTC), "2026-01-31T09:00:00Z"),
    (datetime(2026, 1, 31, 9, tzinfo=timezone(timedelta(hours=8))), "2026-01-31T01:00:00Z"),
    (datetime(2026, 1, 31, 9, 0, 0, 123000, tzinfo=UTC), "2026-01-31T09:00:00.123000Z"),
    # A stored value read back naive (a driver without tz_aware) is UTC, not local time.
    (datetime(2026, 1, 31, 9), "2026-01-31T09:00:00Z"),
])
def test_dumps_utc_with_z(value, dumped):
    assert Deal().dump({"close_at": value})["close_at"] == dumped


def test_dumped_time_loads_back_to_the_same_instant():
    when = datetime(2026, 3, 1, 23, 59, 59, 999000, tzinfo=timezone(timedelta(hours=9)))
    dumped = Deal().dump({"close_at": when})["close_at"]
    assert Deal().load({"name": "x", "close_at": dumped})["close_at"] == when


# --- DecimalString -------------------------------------------------------------------


@pytest.mark.parametrize("body", ['{"name": "x", "probability": 1.5}',
                                  '{"name": "x", "probability": 0.1}',
                                  '{"name": "x", "probability": 1e2}',
                                  '{"name": "x", "probability": 100.0}'])
def test_a_json_float_is_refused(body):
    with pytest.raises(ValidationError) as raised:
        from_json(body)
    assert raised.value.messages == {
        "probability": ["Not a valid decimal number (send it as a string)."]}


@pytest.mark.parametrize("value", [True, "abc", "", "NaN", "Infinity", [], {}])
def test_what_is_not_a_finite_decimal_is_refused(value):
    assert "probability" in errors_of({"name": "x", "probability": value})


@pytest.mark.parametrize("value", ["1e999999", "1" * 35, "0." + "1" * 35])
def test_a_decimal_that_storage_cannot_hold_exactly_is_refused(value):
    # Accepted, it would fail later in Decimal128 as a server error, not a field error.
    assert "probability" in errors_of({"name": "x", "probability": value})


@pytest.mark.parametrize(("sent", "expected"), [('"0.35"', "0.35"), ('"1.50"', "1.50"),
                                                ('"-2"', "-2"), ("3", "3"),
                                                ('"' + "9" * 34 + '"', "9" * 34)])
def test_strings_and_integers_load_exactly(sent, expected):
    loaded = from_json('{"name": "x", "probability": %s}' % sent)["probability"]
    assert isinstance(loaded, Decimal)
    assert str(loaded) == expected


def test_decimal_dumps_as_a_string_with_its_digits():
    assert Deal().dump({"probability": Decimal("0.350")}) == {"probability": "0.350"}
    assert Deal().dump({"probability": Decimal128("12.30")}) == {"probability": "12.30"}


# --- MoneyField ----------------------------------------------------------------------


def test_money_loads_to_money():
    loaded = from_json('{"name": "x", "value": {"amount": "1299.90", "currency": "CNY"}}')
    assert loaded["value"] == Money("1299.90", "CNY")
    assert isinstance(loaded["value"], Money)
    assert str(loaded["value"].amount) == "1299.90"


def test_money_dumps_the_amount_as_a_string():
    dumped = Deal().dump({"value": Money("1299.90", "CNY")})
    assert dumped == {"value": {"amount": "1299.90", "currency": "CNY"}}
    assert json.loads(json.dumps(dumped))["value"]["amount"] == "1299.90"


def test_money_dumps_a_stored_document_too():
    dumped = Deal().dump({"value": Money("0.10", "USD").to_document()})
    assert dumped == {"value": {"amount": "0.10", "currency": "USD"}}


def test_money_with_a_float_amount_is_refused():
    with pytest.raises(ValidationError) as raised:
        from_json('{"name": "x", "value": {"amount": 1299.9, "currency": "CNY"}}')
    assert set(raised.value.messages["value"]) == {"amount"}


@pytest.mark.parametrize("value", [
    {"amount": "1", "currency": "cny"},
    {"amount": "1", "currency": "RMB1"},
    {"amount": "1", "currency": ""},
])
def test_money_with_a_bad_currency_is_refused_on_the_currency(value):
    assert set(errors_of({"name": "x", "value": value})["value"]) == {"currency"}


@pytest.mark.parametrize(("value", "field"), [
    ({"currency": "CNY"}, "amount"),
    ({"amount": "1"}, "currency"),
    ({"amount": "1", "currency": "CNY", "fx": "7.1"}, "fx"),
])
def test_money_refuses_missing_and_unknown_parts(value, field):
    assert field in errors_of({"name": "x", "value": value})["value"]


@pytest.mark.parametrize("value", ["12.30", 12, ["12.30", "CNY"]])
def test_money_must_be_an_object(value):
    assert "value" in errors_of({"name": "x", "value": value})
