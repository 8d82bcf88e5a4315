"""The quotes service's pricing contract: price lists (价格表), their rules, and pricing a
basket of products. Products themselves are in ``contracts/quotes.py``.

A rule says which products it prices (``applies_to``: one product, a category and
everything below it, or all), from which basket quantity (``min_quantity``), on which
days (``valid_from``..``valid_to``, inclusive UTC days), optionally only for one
registered deal, and how: a ``fixed_price``, a ``percent_discount`` off the list price,
or a ``formula`` (a base, a discount, a surcharge, rounding to a step, a margin clamp).
The resolution order and the rounding rule are in ``quotes/pricing.py``.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.schemas import (
    BaseSchema,
    ChangeSchema,
    DecimalString,
    MoneyField,
    ObjectIdField,
    PriceField,
    RecordSchema,
    UTCDate,
    UTCDateTime,
)

from .quotes import CATEGORY_PATTERN, SKU_PATTERN

RULE_KINDS = ("fixed_price", "percent_discount", "formula")
APPLIES_TO = ("product", "category", "all")
FORMULA_BASES = ("list_price", "cost", "price_list")
MAX_TIERS = 20
MAX_BASKET_LINES = 1000
MAX_PAGE = 200
DEFAULT_PAGE = 50


def _decimal(minimum=None, maximum=None, above=None, **kwargs):
    """A decimal on the wire as a string, inside ``[minimum, maximum]`` (or > ``above``)."""
    checks = []
    if minimum is not None or maximum is not None:
        checks.append(validate.Range(min=minimum, max=maximum))
    if above is not None:
        checks.append(validate.Range(min=above, min_inclusive=False))
    return DecimalString(validate=checks, **kwargs)


def _percent(**kwargs):
    return _decimal(minimum=0, maximum=100, **kwargs)


def _quantity(**kwargs):
    return _decimal(above=0, **kwargs)


def _category(**kwargs):
    return fields.String(validate=[validate.Length(max=200), validate.Regexp(
        CATEGORY_PATTERN, error="Must be a path like hardware/servers.")], **kwargs)


# -- rules ------------------------------------------------------------------------------

class AppliesToSchema(BaseSchema):
    """``{"kind": "product", "product_id": ...}``, ``{"kind": "category", "category":
    "hardware/servers"}`` (that category and everything below it) or ``{"kind": "all"}``."""

    kind = fields.String(required=True, validate=validate.OneOf(APPLIES_TO))
    product_id = fields.String(load_default=None, validate=validate.Regexp(
        r"[0-9a-f]{24}\Z", error="Not a valid id."))
    category = _category(load_default=None)

    @validates_schema
    def _target_named(self, target, **kwargs):
        kind = target.get("kind")
        needs = {"product": "product_id", "category": "category"}.get(kind)
        for name in ("product_id", "category"):
            given = target.get(name) is not None
            if name == needs and not given:
                raise ValidationError(f"Required when kind is {kind}.", field_name=name)
            if name != needs and given:
                raise ValidationError(f"Not allowed when kind is {kind}.", field_name=name)


class FormulaSchema(BaseSchema):
    """price = base x (1 - discount_percent/100) + surcharge, rounded half-up to
    ``rounding`` (a step: 0.01, 1, 10, ...), then clamped so that the margin over cost
    stays within [min_margin_percent, max_margin_percent]."""

    base = fields.String(required=True, validate=validate.OneOf(FORMULA_BASES))
    discount_percent = _percent(load_default=None, allow_none=True)
    surcharge = _decimal(minimum=0, load_default=None, allow_none=True)
    rounding = _decimal(above=0, load_default=None, allow_none=True)
    min_margin_percent = _decimal(minimum=-100, maximum=10000, load_default=None,
                                  allow_none=True)
    max_margin_percent = _decimal(minimum=-100, maximum=10000, load_default=None,
                                  allow_none=True)

    @validates_schema
    def _margins_ordered(self, formula, **kwargs):
        low, high = formula.get("min_margin_percent"), formula.get("max_margin_percent")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be above max_margin_percent.",
                                  field_name="min_margin_percent")


class PriceRuleCreateSchema(BaseSchema):
    applies_to = fields.Nested(AppliesToSchema, required=True)
    min_quantity = _decimal(minimum=0, load_default=None)
    valid_from = UTCDate(load_default=None, allow_none=True)
    valid_to = UTCDate(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    amount = PriceField(load_default=None, allow_none=True)       # fixed_price
    percent = _percent(load_default=None, allow_none=True)        # percent_discount
    formula = fields.Nested(FormulaSchema, load_default=None, allow_none=True)
    deal_registration_id = fields.String(load_default=None, allow_none=True,
                                         validate=validate.Length(min=1, max=100))
    priority = fields.Integer(load_default=0, validate=validate.Range(min=-1000, max=1000))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=500))

    @validates_schema
    def _kind_has_its_terms(self, rule, **kwargs):
        kind = rule.get("kind")
        needs = {"fixed_price": "amount", "percent_discount": "percent",
                 "formula": "formula"}.get(kind)
        errors = {}
        for name in ("amount", "percent", "formula"):
            given = rule.get(name) is not None
            if name == needs and not given:
                errors[name] = [f"Required for a {kind} rule."]
            elif name != needs and given:
                errors[name] = [f"Not allowed for a {kind} rule."]
        start, end = rule.get("valid_from"), rule.get("valid_to")
        if start is not None and end is not None and end < start:
            errors["valid_to"] = ["Must not be before valid_from."]
        if errors:
            raise ValidationError(errors)


class PriceRuleSchema(PriceRuleCreateSchema):
    id = ObjectIdField(attribute="_id", dump_only=True)
    created_at = UTCDateTime(dump_only=True)


# -- price lists --------------------------------------------------------------------------

class PriceListCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = fields.String(required=True, validate=validate.Regexp(
        r"[A-Z]{3}\Z", error="Must be a 3-letter ISO 4217 code."))
    # The partner tiers the list serves; empty: an internal list.
    partner_tiers = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                                load_default=list, validate=validate.Length(max=MAX_TIERS))
    based_on = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"[0-9a-f]{24}\Z", error="Not a valid id."))
    active = fields.Boolean(load_default=True)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=2000))


class PriceListUpdateSchema(ChangeSchema, PriceListCreateSchema):
    """A list's currency never changes: its rules' amounts are in it."""

    class Meta(ChangeSchema.Meta):
        exclude = ("currency",)


class PriceListSchema(RecordSchema, PriceListCreateSchema):
    revision = fields.Integer(dump_only=True)
    rule_count = fields.Integer(dump_only=True)
    rules = fields.List(fields.Nested(PriceRuleSchema), dump_only=True)


class PriceListQuerySchema(BaseSchema):
    """``list_price_lists``: filters and a page (in name order, then id)."""

    active = fields.Boolean(load_default=None)
    partner_tier = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    currency = fields.String(load_default=None, validate=validate.Regexp(
        r"[A-Z]{3}\Z", error="Must be a 3-letter ISO 4217 code."))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None, validate=validate.Length(max=600))


class PriceListPageSchema(BaseSchema):
    items = fields.List(fields.Nested(PriceListSchema(exclude=("rules",))), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


# -- pricing a basket -----------------------------------------------------------------------

class BasketLineSchema(BaseSchema):
    product_id = fields.String(load_default=None, validate=validate.Length(max=100))
    sku = fields.String(load_default=None, validate=validate.Regexp(
        SKU_PATTERN, error="Not a SKU."))
    quantity = DecimalString(required=True)   # > 0: checked by the engine, naming the line

    @validates_schema
    def _one_product(self, line, **kwargs):
        if (line.get("product_id") is None) == (line.get("sku") is None):
            raise ValidationError("Give exactly one of product_id and sku.",
                                  field_name="product_id")


class BasketSchema(BaseSchema):
    """``price_list_id`` prices under that list; else ``partner_tier`` under the active
    list serving the tier in ``currency``; else (or no such list) at the list prices."""

    lines = fields.List(fields.Nested(BasketLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_BASKET_LINES))
    price_list_id = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100))
    partner_tier = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(min=1, max=50))
    currency = fields.String(required=True, validate=validate.Regexp(
        r"[A-Z]{3}\Z", error="Must be a 3-letter ISO 4217 code."))
    on = UTCDate(load_default=None, allow_none=True)
    deal_registration_id = fields.String(load_default=None, allow_none=True,
                                         validate=validate.Length(min=1, max=100))


class PricedProductSchema(BaseSchema):
    """The product on a priced line: what a quote line shows (never its cost)."""

    id = ObjectIdField(attribute="_id", required=True)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(allow_none=True)
    unit = fields.String(required=True)
    list_price = MoneyField(required=True)


class PricedLineSchema(BaseSchema):
    product = fields.Nested(PricedProductSchema, required=True)
    quantity = DecimalString(required=True)
    unit_price = MoneyField(required=True)
    amount = MoneyField(required=True)
    # Plain JSON: amounts are strings; see quotes/pricing.py for its shape.
    trace = fields.Dict(required=True)


class PriceListRefSchema(BaseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class PricedBasketSchema(BaseSchema):
    lines = fields.List(fields.Nested(PricedLineSchema), required=True)
    currency = fields.String(required=True)
    total = MoneyField(required=True)
    price_list = fields.Nested(PriceListRefSchema, allow_none=True, required=True)
