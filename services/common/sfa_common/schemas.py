"""Base marshmallow schemas used at both edges of every service and the gateway.

Unknown fields are refused (``unknown = RAISE``), ids are 24-hex ObjectId strings,
timestamps are UTC-aware ISO 8601, money is ``{"amount": "12.30", "currency": "CNY"}``
with the amount as a string so JSON never turns it into a float.
"""
from datetime import UTC, datetime

from bson import ObjectId
from bson.decimal128 import Decimal128
from bson.errors import InvalidId
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from .money import Money, MoneyError, check_currency, to_decimal
from .paging import MAX_CURSOR, CursorError, decode_cursor, parse_sort

DEFAULT_PAGE = 50
MAX_PAGE = 200


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


class PriceField(MoneyField):
    """Money that is not negative (a price, a cost, a deal's amount; discounts are their
    own thing)."""

    def _deserialize(self, value, attr, data, **kwargs):
        money = super()._deserialize(value, attr, data, **kwargs)
        if money.amount < 0:
            raise ValidationError({"amount": ["Must not be negative."]})
        return money


class RecordSchema(BaseSchema):
    """What every stored record shows: its id and its UTC timestamps."""

    id = ObjectIdField(attribute="_id", dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ChangeSchema(BaseSchema):
    """A change to a record: mix in before the record's create schema to get its fields
    with none required and no defaults filled in, so a change names only what it
    changes. An empty change is refused.

    Partial by top-level field name, not ``partial=True``, which marshmallow would pass
    down into nested schemas (a split would lose its required fields)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if kwargs.get("partial") is None:
            self.partial = tuple(self.load_fields)

    @validates_schema
    def _not_empty(self, change, **kwargs):
        if not change:
            raise ValidationError("Name at least one field to change.", field_name="_schema")


class UTCDate(fields.Date):
    """A calendar day ("2026-12-31") on the wire; midnight UTC of that day on the
    Python side, which is what MongoDB stores (it has no date-only type)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime):
            value = value.astimezone(UTC).date()
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        day = super()._deserialize(value, attr, data, **kwargs)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


class PageQuerySchema(BaseSchema):
    """A list call: its filters (in subclasses), a sort from ``SORTS`` and the cursor of
    the previous page. The cursor stays the opaque string on both sides (the gateway
    dumps what it loaded for the RPC); it is checked here against the sort."""

    SORTS = {}            # public name -> (stored field, kind); see sfa_common.paging
    DEFAULT_SORT = "-created_at"

    sort = fields.String(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(max=MAX_CURSOR))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))

    @post_load
    def _default_sort(self, query, **kwargs):
        query["sort"] = query.get("sort") or self.DEFAULT_SORT
        return query

    @validates_schema
    def _cursor_under_sort(self, query, **kwargs):
        try:
            sort = parse_sort(query.get("sort") or self.DEFAULT_SORT, self.SORTS)
        except ValueError as error:
            raise ValidationError(str(error), field_name="sort") from None
        if query.get("cursor") is not None:
            try:
                decode_cursor(query["cursor"], sort)
            except CursorError:
                raise ValidationError("Not a cursor issued for this sort.",
                                      field_name="cursor") from None

    def parsed_sort(self, query):
        return parse_sort(query["sort"], self.SORTS)


def page_schema(item_schema):
    """The reply of a list call: ``{"items": [...], "next_cursor": str | None}``."""
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (BaseSchema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    })
