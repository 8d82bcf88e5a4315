"""Base marshmallow schemas used at both edges of every service and the gateway.

Unknown fields are refused (``unknown = RAISE``), ids are 24-hex ObjectId strings,
timestamps are UTC-aware ISO 8601, money is ``{"amount": "12.30", "currency": "CNY"}``
with the amount as a string so JSON never turns it into a float.
"""
from datetime import UTC, datetime

from bson import ObjectId
from bson.decimal128 import Decimal128
from bson.errors import InvalidId
from marshmallow import RAISE, Schema, ValidationError, fields

from .money import Money, MoneyError, check_currency, to_decimal


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE


class ObjectIdField(fields.Field):
    """An ObjectId on the Python side, its 24-hex string on the wire."""

    default_error_messages = {"invalid": "Not a valid id."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, ObjectId):
            return value
        try:
            return ObjectId(value)
        except (InvalidId, TypeError):
            raise self.make_error("invalid") from None


class UTCDateTime(fields.DateTime):
    """An aware UTC datetime. Naive input is refused rather than guessed at."""

    default_error_messages = {"naive": "Must include a UTC offset (e.g. 2026-01-31T09:00:00Z)."}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:  # stored values come back naive from some drivers
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            parsed = value
        else:
            parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise self.make_error("naive")
        return parsed.astimezone(UTC)


class DecimalString(fields.Field):
    """A Decimal on the Python side, a string on the wire. Floats are refused."""

    default_error_messages = {
        "invalid": "Not a valid decimal number (send it as a string).",
        "unstorable": "Too many digits or too large an exponent (at most 34 significant digits).",
    }

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(to_decimal(value))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            amount = to_decimal(value)
        except MoneyError:
            raise self.make_error("invalid") from None
        # Refuse here what Decimal128 cannot hold exactly ("1e999999", 40 digits): accepted,
        # it would fail later, in storage, as a server error instead of a field error.
        try:
            Decimal128(amount)
        except ArithmeticError:
            raise self.make_error("unstorable") from None
        return amount


class MoneySchema(BaseSchema):
    amount = DecimalString(required=True)
    currency = fields.String(required=True)


class MoneyField(fields.Nested):
    """``Money`` on the Python side; ``{"amount": "1.00", "currency": "CNY"}`` on the wire."""

    def __init__(self, **kwargs):
        super().__init__(MoneySchema, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, dict):
            value = Money.from_document(value)
        return {"amount": str(value.amount), "currency": value.currency}

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_currency(loaded["currency"])
        except MoneyError as exc:
            raise ValidationError({"currency": [str(exc)]}) from None
        return Money(loaded["amount"], loaded["currency"])


class RecordSchema(BaseSchema):
    """What every stored record shows: its id and its UTC timestamps."""

    id = ObjectIdField(attribute="_id", dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)
