"""The quotes service's contract: the product catalogue (产品) so far.

The gateway loads HTTP input and dumps it again for the RPC call, so a request schema
dumps what it loaded back into what it accepts (a cursor is re-encoded).
"""
import base64
import binascii
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.schemas import BaseSchema, PriceField, RecordSchema

# \Z, not $: Python's $ also matches before a trailing newline.
SKU_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{1,39}\Z")
# "hardware/servers": non-empty segments, no blank edges, no control characters.
_SEGMENT = r"[^/\s](?:[^/\x00-\x1f]*[^/\s])?"
CATEGORY_PATTERN = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*\Z")
MAX_PAGE = 200
DEFAULT_PAGE = 50


def encode_cursor(sku):
    """The cursor of the page that starts after ``sku``: its URL-safe base64, unpadded
    so it travels in a query string untouched."""
    return base64.urlsafe_b64encode(sku.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor):
    """The SKU inside a cursor ``encode_cursor`` made; ``ValueError`` for anything else.

    Only the canonical encoding is accepted, so one page has exactly one cursor."""
    if not isinstance(cursor, str) or not cursor.isascii() or len(cursor) > 60:
        raise ValueError("not a cursor")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        sku = raw.decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("not a cursor") from None
    if not SKU_PATTERN.match(sku) or encode_cursor(sku) != cursor:
        raise ValueError("not a cursor")
    return sku


class SkuCursor(fields.String):
    """Opaque to callers; the last SKU of the previous page inside (keyset paging)."""

    default_error_messages = {"malformed": "Not a cursor this service issued."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else encode_cursor(value)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return decode_cursor(text)
        except ValueError:
            raise self.make_error("malformed") from None


def _category_path(text):
    return validate.Regexp(CATEGORY_PATTERN, error="Must be a path like hardware/servers.")(text)


class ProductCreateSchema(BaseSchema):
    sku = fields.String(required=True, validate=validate.Regexp(
        SKU_PATTERN, error="Must be 2-40 characters: A-Z, 0-9, '.', '_' or '-', "
                           "starting with a letter or digit."))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(load_default=None,
                             validate=[validate.Length(max=200), _category_path])
    unit = fields.String(load_default="unit", validate=validate.Length(min=1, max=20))
    list_price = PriceField(required=True)
    cost = PriceField(load_default=None)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _cost_in_list_price_currency(self, product, **kwargs):
        # Margins compare cost with price; two currencies would need a rate we do not own.
        cost, price = product.get("cost"), product.get("list_price")
        if cost is not None and price is not None and cost.currency != price.currency:
            raise ValidationError(
                {"currency": [f"Must be the list price's currency ({price.currency})."]},
                field_name="cost")


class ProductSchema(RecordSchema, ProductCreateSchema):
    pass


class ProductQuerySchema(BaseSchema):
    """``list_products``: filters, page size and the cursor from the previous page."""

    active = fields.Boolean(load_default=None)
    # A path prefix: "hardware" finds "hardware" and "hardware/servers", not "hardwares".
    category = fields.String(load_default=None,
                             validate=[validate.Length(max=200), _category_path])
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = SkuCursor(load_default=None)


class ProductPageSchema(BaseSchema):
    items = fields.List(fields.Nested(ProductSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
