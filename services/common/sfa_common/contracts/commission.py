"""The commission service's contract: periods (佣金结算期间), plans (佣金方案) with their
tiers, product rates and bonuses, plan assignments, wins as the engine reads them, the
ledger, statements, the what-if preview and recompute jobs.

A period is one calendar month, named by its key ("2026-11"); its first and last days
follow from the key, so they are never input.

Plan validation (``check_tiers``, ``check_plan``) lives here, not in the service,
because the gateway validates HTTP input with these same schemas and has no service
package installed; the engine (``commission/plans.py``) runs the same checks again.
The maths and the rounding rule are in ``commission/engine.py``.
"""
import base64
import binascii
import json
from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.periods import PERIOD_KEY_PATTERN
from sfa_common.schemas import (
    BaseSchema,
    ChangeSchema,
    DecimalString,
    MoneyField,
    ObjectIdField,
    PageQuerySchema,
    PriceField,
    RecordSchema,
    UTCDate,
    UTCDateTime,
    page_schema,
)

from .opportunities import SplitSchema, check_splits
from .quotes import CATEGORY_PATTERN, SKU_PATTERN

PERIOD_STATES = ("open", "closed")
PLAN_PAYEE_KINDS = ("rep", "partner")            # whom a plan is written for
PAYEE_KINDS = ("user", "partner_org")            # whom an assignment / a line pays
PAYEE_KIND_OF_PLAN = {"rep": "user", "partner": "partner_org"}
BASES = ("amount", "margin")
COMPONENTS = ("flat", "tier", "product_rate", "bonus", "clawback", "excluded")
RECOMPUTE_STATES = ("running", "done", "failed")
MAX_TIERS = 20
MAX_PRODUCT_RATES = 200
MAX_BONUSES = 50
MAX_ATTAINMENT_PERCENT = Decimal(100_000)
HUNDRED = Decimal(100)


def _period_key(**kwargs):
    return fields.String(validate=validate.Regexp(
        PERIOD_KEY_PATTERN, error="Must be a month as YYYY-MM, e.g. 2026-11."), **kwargs)


def _decimal(minimum=None, maximum=None, **kwargs):
    return DecimalString(validate=validate.Range(min=minimum, max=maximum), **kwargs)


def _rate(**kwargs):
    """A commission rate in percent of the base, 0..100."""
    return _decimal(minimum=0, maximum=100, **kwargs)


def _currency(**kwargs):
    return fields.String(validate=validate.Regexp(
        r"[A-Z]{3}\Z", error="Must be a 3-letter ISO 4217 code."), **kwargs)


def _sku(**kwargs):
    return fields.String(validate=validate.Regexp(SKU_PATTERN, error="Not a SKU."), **kwargs)


def _category(**kwargs):
    return fields.String(validate=[validate.Length(max=200), validate.Regexp(
        CATEGORY_PATTERN, error="Must be a path like hardware/servers.")], **kwargs)


# -- periods ----------------------------------------------------------------------------

class PeriodCreateSchema(BaseSchema):
    key = _period_key(required=True)


class PeriodSchema(RecordSchema, PeriodCreateSchema):
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
    closed_at = UTCDateTime(dump_only=True, allow_none=True)
    closed_by = fields.String(dump_only=True, allow_none=True)


# -- plans ------------------------------------------------------------------------------

class TierSchema(BaseSchema):
    """One band of attainment of the period's quota, in percent: the portion of the
    base that falls in [from_percent, to_percent) is paid at rate_percent. ``to_percent``
    None: no upper bound (only the last tier). Bands above 100 are the accelerators."""
    from_percent = _decimal(minimum=0, maximum=MAX_ATTAINMENT_PERCENT, required=True)
    to_percent = _decimal(minimum=0, maximum=MAX_ATTAINMENT_PERCENT, load_default=None,
                          allow_none=True)
    rate_percent = _rate(required=True)


class ProductRateSchema(BaseSchema):
    """The rate for the deal's lines of one SKU or of a category (and everything below
    it), replacing the flat/tier rate for those lines' share of the base. A SKU rate
    beats a category rate; the deepest category wins."""
    sku = _sku(load_default=None, allow_none=True)
    category = _category(load_default=None, allow_none=True)
    rate_percent = _rate(required=True)

    @validates_schema
    def _one_target(self, rate, **kwargs):
        if (rate.get("sku") is None) == (rate.get("category") is None):
            raise ValidationError("Give exactly one of sku and category.", field_name="sku")


class BonusConditionSchema(BaseSchema):
    """Every condition given must hold; none given: every deal qualifies."""
    sku = _sku(load_default=None, allow_none=True)              # the deal sells this SKU
    category = _category(load_default=None, allow_none=True)    # ...or something in this
    min_deal_amount = PriceField(load_default=None, allow_none=True)
    valid_from = UTCDate(load_default=None, allow_none=True)    # won on these UTC days,
    valid_to = UTCDate(load_default=None, allow_none=True)      # both ends inclusive

    @validates_schema
    def _dates_ordered(self, condition, **kwargs):
        start, end = condition.get("valid_from"), condition.get("valid_to")
        if start is not None and end is not None and end < start:
            raise ValidationError("Must not be before valid_from.", field_name="valid_to")


class BonusSchema(BaseSchema):
    """A SPIFF: a fixed amount paid once per qualifying deal (shared by the revenue
    splits in their proportions; a partner organisation takes it whole)."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = PriceField(required=True)
    condition = fields.Nested(BonusConditionSchema, load_default=dict)


def check_tiers(tiers):
    """Messages for a plan's tiers (pure). Tiers start at 0, each begins where the one
    before ends (no gap, no overlap), each ends above where it begins, and only the last
    may be open-ended."""
    if not tiers:
        return ["Give at least one tier."]
    problems = []
    if len(tiers) > MAX_TIERS:
        problems.append(f"At most {MAX_TIERS} tiers.")
    ordered = sorted(tiers, key=lambda tier: tier["from_percent"])
    if ordered[0]["from_percent"] != 0:
        problems.append(f"The first tier must start at 0 %, not {ordered[0]['from_percent']} %.")
    for number, tier in enumerate(ordered, start=1):
        start, end = tier["from_percent"], tier.get("to_percent")
        if end is not None and end <= start:
            problems.append(f"Tier {number} ({start} %) must end above where it starts.")
        if end is None and number != len(ordered):
            problems.append(f"Only the last tier may be open-ended; tier {number} "
                            f"({start} %) is not the last.")
        if number < len(ordered) and end is not None:
            following = ordered[number]["from_percent"]
            if following < end:
                problems.append(f"Tiers overlap: {start}-{end} % and the next from {following} %.")
            elif following > end:
                problems.append(f"Gap between {end} % and {following} %: tiers must be "
                                "contiguous.")
    return problems


def check_plan(plan, partial=False):
    """Field errors ``{field: [messages]}`` for a loaded plan (pure). ``partial``: a
    change, so only the fields it names are checked; the service checks the merged plan
    again in full."""
    errors = {}
    if "tiers" in plan and plan["tiers"] is not None:
        problems = check_tiers(plan["tiers"])
        if problems:
            errors["tiers"] = problems
    if not partial:
        has_rate, has_tiers = plan.get("rate_percent") is not None, bool(plan.get("tiers"))
        if has_rate and has_tiers:
            errors.setdefault("rate_percent", []).append(
                "Give either rate_percent (flat) or tiers, not both.")
        elif not has_rate and not has_tiers:
            errors.setdefault("rate_percent", []).append(
                "Give either rate_percent (flat) or tiers.")
    currency = plan.get("currency")
    for number, bonus in enumerate(plan.get("bonuses") or ()):
        amounts = (("amount", bonus["amount"]),
                   ("condition.min_deal_amount", bonus["condition"].get("min_deal_amount")))
        for name, money in amounts:
            if money is not None and currency is not None and money.currency != currency:
                errors.setdefault(f"bonuses.{number}.{name}", []).append(
                    f"Must be in the plan's currency {currency}.")
    names = [bonus["name"] for bonus in plan.get("bonuses") or ()]
    if len(names) != len(set(names)):
        errors.setdefault("bonuses", []).append("Bonus names must be unique.")
    targets = [(rate.get("sku"), rate.get("category")) for rate in plan.get("product_rates") or ()]
    if len(targets) != len(set(targets)):
        errors.setdefault("product_rates", []).append("Two rates for the same SKU or category.")
    return errors


class PlanCreateSchema(BaseSchema):
    """A commission plan: either a flat ``rate_percent`` or marginal ``tiers`` on the
    period's quota attainment, both over the ``base`` (the deal's amount, or its margin:
    amount minus the products' cost)."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=2000))
    payee_kind = fields.String(required=True, validate=validate.OneOf(PLAN_PAYEE_KINDS))
    currency = _currency(required=True)
    base = fields.String(load_default="amount", validate=validate.OneOf(BASES))
    rate_percent = _rate(load_default=None, allow_none=True)
    tiers = fields.List(fields.Nested(TierSchema), load_default=None, allow_none=True)
    product_rates = fields.List(fields.Nested(ProductRateSchema), load_default=list,
                                validate=validate.Length(max=MAX_PRODUCT_RATES))
    bonuses = fields.List(fields.Nested(BonusSchema), load_default=list,
                          validate=validate.Length(max=MAX_BONUSES))
    clawback_window_days = fields.Integer(load_default=90,
                                          validate=validate.Range(min=0, max=3650))

    @validates_schema
    def _consistent(self, plan, **kwargs):
        errors = check_plan(plan, partial=bool(self.partial))
        if errors:
            raise ValidationError(errors)


class PlanUpdateSchema(ChangeSchema, PlanCreateSchema):
    """A change to a plan (only the fields sent). Its currency and payee kind never
    change: its assignments and lines depend on them."""

    class Meta(ChangeSchema.Meta):
        exclude = ("currency", "payee_kind")


class PlanSchema(RecordSchema, PlanCreateSchema):
    revision = fields.Integer(dump_only=True)


class PlanQuerySchema(PageQuerySchema):
    SORTS = {"name": ("name", "str"), "created_at": ("created_at", "datetime")}
    DEFAULT_SORT = "name"

    payee_kind = fields.String(load_default=None, validate=validate.OneOf(PLAN_PAYEE_KINDS))


PlanPageSchema = page_schema(PlanSchema)


# -- assignments ------------------------------------------------------------------------

class AssignmentCreateSchema(BaseSchema):
    """A plan for one payee from ``effective_from`` to ``effective_to`` (inclusive UTC
    days; None: open-ended). One payee's assignments never overlap."""
    plan_id = ObjectIdField(required=True)
    payee_kind = fields.String(required=True, validate=validate.OneOf(PAYEE_KINDS))
    payee_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    effective_from = UTCDate(required=True)
    effective_to = UTCDate(load_default=None, allow_none=True)

    @validates_schema
    def _dates_ordered(self, assignment, **kwargs):
        start, end = assignment.get("effective_from"), assignment.get("effective_to")
        if start is not None and end is not None and end < start:
            raise ValidationError("Must not be before effective_from.",
                                  field_name="effective_to")


class AssignmentSchema(RecordSchema, AssignmentCreateSchema):
    plan_name = fields.String(dump_only=True)


class AssignmentQuerySchema(PageQuerySchema):
    SORTS = {"effective_from": ("effective_from", "datetime"),
             "created_at": ("created_at", "datetime")}
    DEFAULT_SORT = "effective_from"

    plan_id = fields.String(load_default=None)
    payee_kind = fields.String(load_default=None, validate=validate.OneOf(PAYEE_KINDS))
    payee_id = fields.String(load_default=None)
    on = UTCDate(load_default=None)                  # in effect on this day


AssignmentPageSchema = page_schema(AssignmentSchema)


# -- wins (what the engine reads) -------------------------------------------------------

class WinProductSchema(BaseSchema):
    """A product line of a won deal; ``cost`` (the line's total cost) makes the margin
    base available."""
    product_id = fields.String(load_default=None, allow_none=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=200))
    quantity = DecimalString(load_default=None, allow_none=True)
    amount = PriceField(required=True)
    cost = PriceField(load_default=None, allow_none=True)


class WinSchema(BaseSchema):
    """One won deal as the engine reads it (built from ``opportunity_won``, products
    from ``quote_accepted`` when it came). A reopened and won-again deal is a new win
    (another ``won_at``). ``splits`` resolved: empty means the owner takes 100 %."""
    opportunity_id = fields.String(required=True)
    name = fields.String(load_default="")
    won_at = UTCDateTime(required=True)
    amount = PriceField(required=True)
    owner_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)
    splits = fields.List(fields.Nested(SplitSchema), load_default=list)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    products = fields.List(fields.Nested(WinProductSchema), load_default=list)
    source_event_id = fields.String(load_default=None, allow_none=True)
    quote_id = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _splits_total(self, win, **kwargs):
        problems = check_splits(win.get("splits"))
        if problems:
            raise ValidationError(problems, field_name="splits")


# -- the ledger -------------------------------------------------------------------------

class LineDealSchema(BaseSchema):
    opportunity_id = fields.String()
    name = fields.String()
    won_at = UTCDateTime(allow_none=True)


class LineRuleSchema(BaseSchema):
    plan_id = fields.String(allow_none=True)
    plan_name = fields.String(allow_none=True)
    component = fields.String()                       # one of COMPONENTS
    sku = fields.String(allow_none=True)              # product_rate
    category = fields.String(allow_none=True)         # product_rate
    bonus = fields.String(allow_none=True)            # bonus: its name
    reverses = fields.String(allow_none=True)         # clawback: the key it negates


class LineTierSchema(BaseSchema):
    from_percent = DecimalString()
    to_percent = DecimalString(allow_none=True)


class LedgerLineSchema(BaseSchema):
    """One ledger line, explaining itself: ``amount`` = ``portion`` x ``rate_percent``
    / 100, rounded half up to the currency's minor unit (bonus: the bonus x split;
    clawback: minus the line it reverses). ``portion`` is the part of the payee's
    credited base (``base`` x ``split_percent`` / 100) this line pays.
    ``key`` names what the line pays (payee|deal@won_at|split|component|detail): the
    stored amounts of one key add up to what is due; ``seq`` numbers its rows."""
    id = ObjectIdField(attribute="_id", dump_only=True)
    key = fields.String()
    seq = fields.Integer()
    period = fields.String()
    adjusts_period = fields.String(allow_none=True)   # a closed period's late change
    payee_kind = fields.String()
    payee_id = fields.String()
    deal = fields.Nested(LineDealSchema)
    source_event_id = fields.String(allow_none=True)
    base = MoneyField()
    base_kind = fields.String()                       # amount | margin
    credited_base = MoneyField()
    rule = fields.Nested(LineRuleSchema)
    tier = fields.Nested(LineTierSchema, allow_none=True)
    attainment = fields.Nested(LineTierSchema, allow_none=True)  # where this portion lay
    rate_percent = DecimalString(allow_none=True)
    split_kind = fields.String()                      # revenue | overlay | partner
    split_percent = DecimalString()
    portion = MoneyField()
    amount = MoneyField()
    currency = fields.String()
    note = fields.String(allow_none=True)
    # Scope fields: the rep paid (lines of a user), the rep's department, the partner
    # organisation paid (lines of a partner organisation only).
    owner_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    partner_org_id = fields.String(allow_none=True)
    created_at = UTCDateTime(dump_only=True)


# -- statements -------------------------------------------------------------------------

class StatementSchema(BaseSchema):
    """One payee's lines in one period with totals by component."""
    period = fields.String()
    period_status = fields.String()
    payee_kind = fields.String()
    payee_id = fields.String()
    currency = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LedgerLineSchema))
    totals = fields.Dict(keys=fields.String(), values=MoneyField())   # by component
    total = MoneyField(allow_none=True)


class StatementRowSchema(BaseSchema):
    """One row of ``list_statements``: a payee in a period, with totals."""
    period = fields.String()
    payee_kind = fields.String()
    payee_id = fields.String()
    currency = fields.String(allow_none=True)
    line_count = fields.Integer()
    totals = fields.Dict(keys=fields.String(), values=MoneyField())
    total = MoneyField(allow_none=True)


def statement_row_key(row, sort_field):
    """Where a statement row stands in a sort: its sort field, then the payee (a row
    is one payee in one period, so the key is unique)."""
    return (row[sort_field], row["period"], row["payee_kind"], row["payee_id"])


def encode_statement_cursor(sort_text, key):
    """The cursor of the page after the row whose ``statement_row_key`` is ``key``.
    Statement rows are computed from the ledger, not stored, so the cursor carries the
    row's own key instead of a document id (``sfa_common.paging``)."""
    payload = json.dumps([sort_text, *key], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def decode_statement_cursor(cursor, sort_text):
    """The row key inside a cursor issued under ``sort_text``; ``ValueError`` otherwise."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_",
                               validate=True)
        issued_for, *key = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ValueError("not a cursor") from None
    if issued_for != sort_text or len(key) != 4 or not all(isinstance(k, str) for k in key):
        raise ValueError("not a cursor for this sort")
    return tuple(key)


class StatementQuerySchema(PageQuerySchema):
    SORTS = {"period": ("period", "str"), "payee_id": ("payee_id", "str")}
    DEFAULT_SORT = "-period"

    period = _period_key(load_default=None)
    payee_kind = fields.String(load_default=None, validate=validate.OneOf(PAYEE_KINDS))
    payee_id = fields.String(load_default=None)

    @validates_schema
    def _cursor_under_sort(self, query, **kwargs):
        sort = query.get("sort") or self.DEFAULT_SORT
        if sort.lstrip("-") not in self.SORTS:
            raise ValidationError(f"Not one of {', '.join(sorted(self.SORTS))} "
                                  "(prefix - for descending).", field_name="sort")
        if query.get("cursor") is not None:
            try:
                decode_statement_cursor(query["cursor"], sort)
            except ValueError:
                raise ValidationError("Not a cursor issued for this sort.",
                                      field_name="cursor") from None


StatementRowPageSchema = page_schema(StatementRowSchema)


# -- what-if preview --------------------------------------------------------------------

class PreviewDealSchema(BaseSchema):
    """A hypothetical deal (nothing is stored)."""
    opportunity_id = fields.String(load_default="preview")
    name = fields.String(load_default="What-if deal", validate=validate.Length(max=200))
    amount = PriceField(required=True)
    won_at = UTCDateTime(load_default=None, allow_none=True)   # None: the period's last day
    owner_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)
    splits = fields.List(fields.Nested(SplitSchema), load_default=list)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    products = fields.List(fields.Nested(WinProductSchema), load_default=list)

    @validates_schema
    def _splits_total(self, deal, **kwargs):
        problems = check_splits(deal.get("splits"))
        if problems:
            raise ValidationError(problems, field_name="splits")


class PreviewRequestSchema(BaseSchema):
    """What a deal would pay ``payee_kind``/``payee_id`` in ``period`` on top of their
    current wins, under ``plan_id`` or (none given) the plan assigned to them."""
    period = _period_key(required=True)
    payee_kind = fields.String(required=True, validate=validate.OneOf(PAYEE_KINDS))
    payee_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    plan_id = ObjectIdField(load_default=None, allow_none=True)
    deal = fields.Nested(PreviewDealSchema, required=True)


class PreviewSchema(BaseSchema):
    period = fields.String()
    payee_kind = fields.String()
    payee_id = fields.String()
    plan_id = fields.String(allow_none=True)
    quota_target = MoneyField(allow_none=True)
    attainment_before_percent = DecimalString(allow_none=True)
    attainment_after_percent = DecimalString(allow_none=True)
    lines = fields.List(fields.Nested(LedgerLineSchema))
    totals = fields.Dict(keys=fields.String(), values=MoneyField())
    total = MoneyField(allow_none=True)


# -- recompute jobs ---------------------------------------------------------------------

class RecomputeJobSchema(BaseSchema):
    id = ObjectIdField(attribute="_id", dump_only=True)
    period = fields.String()
    status = fields.String()                          # one of RECOMPUTE_STATES
    actor_id = fields.String(allow_none=True)
    payees_total = fields.Integer()
    payees_done = fields.Integer()
    lines_written = fields.Integer()
    error = fields.String(allow_none=True)
    started_at = UTCDateTime()
    finished_at = UTCDateTime(allow_none=True)
