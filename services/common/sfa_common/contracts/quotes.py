"""The quotes service's contract: the product catalogue (产品) and quotes (报价).

The gateway loads HTTP input and dumps it again for the RPC call, so a request schema
dumps what it loaded back into what it accepts (a cursor is re-encoded).
"""
import base64
import binascii
import re
from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.schemas import (
    BaseSchema,
    ChangeSchema,
    DecimalString,
    MoneyField,
    PageQuerySchema,
    PriceField,
    RecordSchema,
    UTCDate,
    UTCDateTime,
    page_schema,
)

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


class ProductUpdateSchema(ChangeSchema, ProductCreateSchema):
    """A change to a product: only the fields it names (the SKU stays unique)."""


# -- quotes (报价) ---------------------------------------------------------------------
# A quote is created FROM an opportunity and copies its customer, people, partner fields
# and currency (the quote's scope fields are the opportunity's). Versions share a
# number; only a draft is edited; revising a closed version makes the next one.

DRAFT = "draft"
PENDING_APPROVAL = "pending_approval"
APPROVED = "approved"
SENT = "sent"
ACCEPTED = "accepted"
DECLINED = "rejected"          # the customer said no
EXPIRED = "expired"
SUPERSEDED = "superseded"      # a later version replaced it
QUOTE_STATES = (DRAFT, PENDING_APPROVAL, APPROVED, SENT, ACCEPTED, DECLINED, EXPIRED,
                SUPERSEDED)
QUOTE_NUMBER_PATTERN = re.compile(r"Q-\d{6}-\d{4,}\Z")
MAX_QUOTE_LINES = 1000


def _percent_field(**kwargs):
    """A percentage 0..100 as a decimal string ("12.5")."""
    return DecimalString(validate=validate.Range(
        min=Decimal(0), max=Decimal(100), error="Must be between 0 and 100."), **kwargs)


class QuoteLineInputSchema(BaseSchema):
    """A line as the caller sends it: a product (by id or SKU) and a quantity; the unit
    price comes from the pricing engine, never from the caller."""
    product_id = fields.String(load_default=None, allow_none=True)
    sku = fields.String(load_default=None, allow_none=True)
    quantity = DecimalString(required=True, validate=validate.Range(
        min=Decimal(0), min_inclusive=False, error="Must be more than 0."))
    line_discount_percent = _percent_field(load_default=Decimal(0))

    @validates_schema
    def _one_product(self, line, **kwargs):
        if bool(line.get("product_id")) == bool(line.get("sku")):
            raise ValidationError("Name the product by product_id or by sku (one of them).",
                                  field_name="product_id")


class ActorSchema(BaseSchema):
    """Who acts (the gateway stamps it): the author of a quote, or who moves it on.
    ``roles`` pick the discount threshold (``QUOTE_DISCOUNT_THRESHOLDS``)."""
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                        load_default=list)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    # A partner author's organisation tier: without a price_list_id, the quote is priced
    # under the active list serving it (as POST /pricing/basket is).
    partner_tier = fields.String(load_default=None, allow_none=True)


class _QuoteFields(BaseSchema):
    lines = fields.List(fields.Nested(QuoteLineInputSchema), load_default=list,
                        validate=validate.Length(max=MAX_QUOTE_LINES))
    quote_discount_percent = _percent_field(load_default=Decimal(0))
    # None: the QUOTE_TAX_PERCENT setting (13 by default).
    tax_rate_percent = _percent_field(load_default=None, allow_none=True)
    # None: QUOTE_VALID_DAYS after creation.
    valid_until = UTCDate(load_default=None, allow_none=True)
    # None: the list serving the partner's tier, else the internal default, else list prices.
    price_list_id = fields.String(load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=5000))


class QuoteCreateSchema(_QuoteFields):
    opportunity_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    # The caller's key for an idempotent create (an HTTP Idempotency-Key, a retry).
    source_key = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=200))


class QuoteUpdateSchema(ChangeSchema, _QuoteFields):
    """A change to a draft quote; new ``lines`` replace the old ones and are priced again."""


class RejectionSchema(BaseSchema):
    """An approver sends a pending quote back to draft, saying why."""
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class QuoteLineSchema(BaseSchema):
    product_id = fields.String()
    sku = fields.String()
    name = fields.String()
    category = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    quantity = DecimalString()
    list_price = MoneyField(allow_none=True)
    unit_price = MoneyField()           # from the pricing engine
    amount = MoneyField()               # quantity x unit_price, unrounded
    line_discount_percent = DecimalString()
    net = MoneyField()                  # after the line discount, rounded (see totals)
    trace = fields.Raw(allow_none=True)  # the engine's trace: how unit_price came about


class QuoteTotalsSchema(BaseSchema):
    subtotal = MoneyField()   # sum of the rounded line nets
    discount = MoneyField()   # the quote discount on the subtotal, rounded once
    net = MoneyField()        # subtotal - discount
    tax = MoneyField()        # net x tax rate, rounded once
    total = MoneyField()      # net + tax


class ApprovalSchema(BaseSchema):
    required = fields.Boolean()
    max_discount_percent = DecimalString()     # the largest line or quote discount
    threshold_percent = DecimalString(allow_none=True)  # the author's (None: no role)
    decided_by = fields.String(allow_none=True)
    decided_at = UTCDateTime(allow_none=True)
    reason = fields.String(allow_none=True)    # a rejection's


class QuoteHistorySchema(BaseSchema):
    status = fields.String()
    at = UTCDateTime()
    actor_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class QuoteSchema(RecordSchema):
    number = fields.String()                 # Q-YYYYMM-NNNN, shared by its versions
    version = fields.Integer()
    status = fields.String()
    opportunity_id = fields.String()
    opportunity_name = fields.String()
    account_id = fields.String()
    account_name = fields.String(allow_none=True)
    owner_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    team_member_ids = fields.List(fields.String())
    partner_org_id = fields.String(allow_none=True)
    partner_user_id = fields.String(allow_none=True)
    deal_registration_id = fields.String(allow_none=True)
    author = fields.Nested(ActorSchema)
    currency = fields.String()
    price_list_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(QuoteLineSchema))
    quote_discount_percent = DecimalString()
    tax_rate_percent = DecimalString()
    totals = fields.Nested(QuoteTotalsSchema)
    valid_until = UTCDate()
    notes = fields.String(allow_none=True)
    approval = fields.Nested(ApprovalSchema, allow_none=True)
    history = fields.List(fields.Nested(QuoteHistorySchema))
    previous_version_id = fields.String(allow_none=True)
    superseded_by = fields.String(allow_none=True)
    sent_at = UTCDateTime(allow_none=True)
    accepted_at = UTCDateTime(allow_none=True)
    source_key = fields.String(allow_none=True)


class QuoteQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "updated_at": ("updated_at", "datetime"),
             "number": ("number", "str"), "total": ("total_minor", "int")}

    status = fields.String(load_default=None, validate=validate.OneOf(QUOTE_STATES))
    opportunity_id = fields.String(load_default=None)
    account_id = fields.String(load_default=None)
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)
    number = fields.String(load_default=None, validate=validate.Regexp(
        QUOTE_NUMBER_PATTERN, error="Must be a quote number like Q-202611-0001."))
    # False: every version; True (default): only each number's latest version.
    latest_only = fields.Boolean(load_default=True)


QuotePageSchema = page_schema(QuoteSchema)


class QuotePdfSchema(BaseSchema):
    """``get_quote_pdf``'s answer: the PDF's bytes in base64 and a file name."""
    file_name = fields.String()
    content_type = fields.String()
    content_base64 = fields.String()


class QuoteEventLineSchema(BaseSchema):
    sku = fields.String()
    category = fields.String(allow_none=True)
    quantity = DecimalString()
    net = MoneyField()


class QuoteAcceptedEventSchema(BaseSchema):
    """``quotes.quote_accepted``: the accepted version and what it sold."""
    event_id = fields.String()
    occurred_at = fields.String()
    quote_id = fields.String()
    number = fields.String()
    version = fields.Integer()
    opportunity_id = fields.String()
    account_id = fields.String()
    owner_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    partner_org_id = fields.String(allow_none=True)
    partner_user_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(QuoteEventLineSchema))
    totals = fields.Nested(QuoteTotalsSchema)
    accepted_by = fields.String(allow_none=True)
