"""The opportunities service's contract: customers (客户, "accounts"), contacts,
opportunities (商机) with their stages and competitors, quotas (销售定额) and reports.

``is_valid_credit_code`` lives here, not in the service, because the gateway
validates HTTP input with these same schemas and has no service package installed.
"""
import re
from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.company_names import company_name_problem
from sfa_common.periods import PERIOD_KEY_PATTERN
from sfa_common.schemas import (
    BaseSchema,
    ChangeSchema,
    MoneyField,
    PageQuerySchema,
    PriceField,
    RecordSchema,
    UTCDate,
    UTCDateTime,
    page_schema,
)

# 统一社会信用代码 (GB 32100-2015): 18 characters from this 31-character alphabet
# (no I, O, S, V, Z); characters 3-8 are the administrative-division digits and the
# last one is a check character over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = [pow(3, position, 31) for position in range(17)]
# \Z, not $: Python's $ also matches before a trailing newline.
CREDIT_CODE_PATTERN = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}\Z")


def credit_code_check_character(first_17):
    """The check character GB 32100 assigns to the first 17 characters of a code."""
    total = sum(CREDIT_CODE_ALPHABET.index(character) * weight
                for character, weight in zip(first_17, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code):
    """True when ``code`` is a well-formed unified social credit code with a correct
    check character (a typo in one character is caught this way)."""
    if not isinstance(code, str) or not CREDIT_CODE_PATTERN.match(code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


def _validate_credit_code(code):
    if not CREDIT_CODE_PATTERN.match(code):
        raise ValidationError("Must be 18 characters: digits and uppercase letters "
                              "(no I, O, S, V or Z), characters 3-8 digits.")
    if not is_valid_credit_code(code):
        raise ValidationError("The check character does not match; is a character mistyped?")


def _not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


def _names_a_company(text):
    problem = company_name_problem(text)
    if problem is not None:
        raise ValidationError(problem)


def _name(required=True, max_length=200):
    return fields.String(required=required, validate=[validate.Length(min=1, max=max_length),
                                                      _not_blank])


def _text(max_length):
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_length))


def _source_key():
    """The caller's key for an idempotent create (``lead:<id>:account``,
    ``registration:<id>``): a create with a key that exists returns that record as it is."""
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=200))


def _ids():
    return fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                       load_default=list)


# -- customers ------------------------------------------------------------------------

SEGMENTS = ("strategic", "enterprise", "mid_market", "smb", "public_sector")


class AccountCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                  _names_a_company])
    unified_social_credit_code = fields.String(load_default=None, allow_none=True,
                                               validate=_validate_credit_code)
    industry = _text(100)
    region = _text(100)
    segment = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SEGMENTS))
    owner_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)
    team_member_ids = _ids()
    # The partner organisations whose channel serves this customer (their scope field).
    partner_org_ids = _ids()
    partner_user_id = fields.String(load_default=None, allow_none=True)  # who brought it
    source_key = _source_key()


class AccountUpdateSchema(ChangeSchema, AccountCreateSchema):
    """A change to a customer: only the fields sent change."""

    class Meta(ChangeSchema.Meta):
        exclude = ("source_key",)


class AccountSchema(RecordSchema, AccountCreateSchema):
    normalised_name = fields.String(dump_only=True)


class PartnerAccountSchema(RecordSchema):
    """What a partner sees of a customer its channel serves: no internal owner, team,
    department or other partners."""
    name = fields.String()
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    segment = fields.String(allow_none=True)
    unified_social_credit_code = fields.String(allow_none=True)
    partner_user_id = fields.String(allow_none=True)


class AccountQuerySchema(PageQuerySchema):
    SORTS = {"name": ("normalised_name", "str"), "created_at": ("created_at", "datetime"),
             "updated_at": ("updated_at", "datetime")}
    DEFAULT_SORT = "name"

    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))  # in the name
    industry = fields.String(load_default=None)
    region = fields.String(load_default=None)
    segment = fields.String(load_default=None, validate=validate.OneOf(SEGMENTS))
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)


AccountPageSchema = page_schema(AccountSchema)


# -- contacts -------------------------------------------------------------------------

class ContactCreateSchema(BaseSchema):
    account_id = fields.String(required=True)           # the one customer it belongs to
    name = _name(max_length=100)
    title = _text(100)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"\+?[0-9][0-9 ()-]{4,30}\Z", error="Digits, spaces, ()- and an optional leading +."))
    email = fields.Email(load_default=None, allow_none=True)
    notes = _text(2000)
    source_key = _source_key()


class ContactUpdateSchema(ChangeSchema, ContactCreateSchema):
    """A change to a contact. Moving it to another customer is not a change: a contact
    belongs to one."""

    class Meta(ChangeSchema.Meta):
        exclude = ("account_id", "source_key")


class ContactSchema(RecordSchema, ContactCreateSchema):
    # Copied from the customer so the same scopes select its contacts.
    owner_id = fields.String(dump_only=True, allow_none=True)
    department_id = fields.String(dump_only=True, allow_none=True)
    partner_org_ids = fields.List(fields.String(), dump_only=True)


class ContactQuerySchema(PageQuerySchema):
    SORTS = {"name": ("name", "str"), "created_at": ("created_at", "datetime")}
    DEFAULT_SORT = "name"

    account_id = fields.String(load_default=None)


ContactPageSchema = page_schema(ContactSchema)


# -- competitors ----------------------------------------------------------------------

class CompetitorCreateSchema(BaseSchema):
    name = _name(max_length=100)
    website = fields.Url(load_default=None, allow_none=True)
    strengths = _text(2000)
    weaknesses = _text(2000)


class CompetitorSchema(RecordSchema, CompetitorCreateSchema):
    normalised_name = fields.String(dump_only=True)


class CompetitorQuerySchema(PageQuerySchema):
    SORTS = {"name": ("normalised_name", "str")}
    DEFAULT_SORT = "name"

    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))


CompetitorPageSchema = page_schema(CompetitorSchema)

# A competitor on one opportunity, from our side: still competing, eliminated by the
# customer, or the one the customer chose (we lost to it).
COMPETITOR_STATUSES = ("competing", "eliminated", "selected")


class CompetitorLinkSchema(BaseSchema):
    status = fields.String(load_default="competing", validate=validate.OneOf(COMPETITOR_STATUSES))
    note = _text(1000)


class LinkedCompetitorSchema(BaseSchema):
    competitor_id = fields.String()
    name = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
    linked_at = UTCDateTime()


# -- opportunities --------------------------------------------------------------------

STAGE_KEY_PATTERN = r"[a-z][a-z0-9_]{0,39}\Z"
WON, LOST = "won", "lost"
STATUSES = ("open", WON, LOST)
LOST_REASONS = ("price", "product_fit", "competitor", "timing", "no_budget", "no_decision",
                "other")
SPLIT_KINDS = ("revenue", "overlay")


def _percent(**kwargs):
    return fields.Integer(validate=validate.Range(min=0, max=100,
                                                  error="Must be between 0 and 100."), **kwargs)


class SplitSchema(BaseSchema):
    """A share of the deal's credit: revenue splits total 100 %, overlay splits
    (specialists, managers) are paid on top."""
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(load_default="revenue", validate=validate.OneOf(SPLIT_KINDS))
    percent = fields.Decimal(required=True, as_string=True, places=None, validate=validate.Range(
        min=Decimal(0), max=Decimal(100), min_inclusive=False,
        error="Must be more than 0 and at most 100."))


def check_splits(splits):
    """Field errors for a list of splits (pure; the schema and the service both use it)."""
    if not splits:
        return []
    problems = []
    seen = set()
    for split in splits:
        key = (split["user_id"], split["kind"])
        if key in seen:
            problems.append(f"{split['user_id']} has two {split['kind']} splits.")
        seen.add(key)
    revenue = [split["percent"] for split in splits if split["kind"] == "revenue"]
    if sum(revenue, Decimal(0)) != 100:
        problems.append(f"Revenue splits must total 100 %, not {sum(revenue, Decimal(0))} %.")
    return problems


class DealProductSchema(BaseSchema):
    """A product on the deal, when known (commission pays product and category rates)."""
    product_id = fields.String(load_default=None, allow_none=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=200))
    quantity = fields.Decimal(required=True, as_string=True, places=None,
                              validate=validate.Range(min=Decimal(0), min_inclusive=False,
                                                      error="Must be more than 0."))
    amount = PriceField(required=True)


class _OpportunityFields(BaseSchema):
    name = _name()
    account_id = fields.String(required=True)
    contact_ids = _ids()
    amount = PriceField(required=True)        # not negative; at most the currency's minor unit
    probability = _percent(load_default=None, allow_none=True)  # None: the stage's default
    expected_close_date = UTCDate(required=True)
    valid_until = UTCDate(load_default=None, allow_none=True)   # 有效期
    sales_method = _text(100)
    owner_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)
    team_member_ids = _ids()
    splits = fields.List(fields.Nested(SplitSchema), load_default=list)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    partner_user_id = fields.String(load_default=None, allow_none=True)
    deal_registration_id = fields.String(load_default=None, allow_none=True)
    products = fields.List(fields.Nested(DealProductSchema), load_default=list)
    next_step = _text(500)
    notes = _text(5000)

    @validates_schema
    def _splits_total(self, opportunity, **kwargs):
        problems = check_splits(opportunity.get("splits"))
        if problems:
            raise ValidationError(problems, field_name="splits")

    @validates_schema
    def _amount_in_minor_units(self, opportunity, **kwargs):
        amount = opportunity.get("amount")
        if amount is not None and amount.rounded().amount != amount.amount:
            raise ValidationError(
                {"amount": [f"At most {amount.minor_digits} decimal places in {amount.currency}."]},
                field_name="amount")


class OpportunityCreateSchema(_OpportunityFields):
    stage = fields.String(load_default=None, allow_none=True)   # None: the first open stage
    source_key = _source_key()


class OpportunityUpdateSchema(ChangeSchema, _OpportunityFields):
    """A change to an opportunity's facts. Its stage moves with ``StageMoveSchema``,
    competitors link one by one, and its customer never changes."""

    class Meta(ChangeSchema.Meta):
        exclude = ("account_id",)


class PartnerOpportunityUpdateSchema(ChangeSchema):
    """What a partner may change on its opportunities, besides moving the stage."""
    next_step = fields.String(allow_none=True, validate=validate.Length(max=500))
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))


class StageMoveSchema(BaseSchema):
    stage = fields.String(required=True, validate=validate.Length(min=1, max=40))
    probability = _percent(load_default=None, allow_none=True)  # None: the stage's default
    lost_reason = fields.String(load_default=None, allow_none=True,
                                validate=validate.OneOf(LOST_REASONS))
    lost_note = _text(1000)
    lost_to_competitor_id = fields.String(load_default=None, allow_none=True)
    note = _text(1000)


class ReopenSchema(BaseSchema):
    stage = fields.String(load_default=None, allow_none=True)  # None: the stage it closed from
    note = _text(1000)


class WinFromQuoteSchema(BaseSchema):
    """``win_from_quote``: the accepted quote's total and products (the quotes service
    sends them; not an HTTP input)."""
    quote_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = PriceField(required=True)
    products = fields.List(fields.Nested(DealProductSchema), load_default=list)
    actor_id = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _amount_in_minor_units(self, win, **kwargs):
        amount = win.get("amount")
        if amount is not None and amount.rounded().amount != amount.amount:
            raise ValidationError(
                f"At most {amount.minor_digits} decimal places in {amount.currency}.",
                field_name="amount")


class StageEntrySchema(BaseSchema):
    stage = fields.String()
    probability = fields.Integer()
    entered_at = UTCDateTime()
    actor_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class OpportunitySchema(RecordSchema, _OpportunityFields):
    account_name = fields.String(dump_only=True)   # the customer's name, kept in step
    stage = fields.String(dump_only=True)
    status = fields.String(dump_only=True)                   # open, won or lost
    stage_history = fields.List(fields.Nested(StageEntrySchema), dump_only=True)
    competitors = fields.List(fields.Nested(LinkedCompetitorSchema), dump_only=True)
    closed_at = UTCDateTime(dump_only=True, allow_none=True)
    lost_reason = fields.String(dump_only=True, allow_none=True)
    lost_note = fields.String(dump_only=True, allow_none=True)
    lost_to_competitor_id = fields.String(dump_only=True, allow_none=True)
    reopened_count = fields.Integer(dump_only=True)


class PartnerOpportunitySchema(RecordSchema):
    """What a partner sees of its opportunities: no internal owner, team, splits or
    department."""
    name = fields.String()
    account_id = fields.String()
    account_name = fields.String()
    contact_ids = fields.List(fields.String())
    amount = MoneyField()
    probability = fields.Integer()
    stage = fields.String()
    status = fields.String()
    expected_close_date = UTCDate()
    valid_until = UTCDate(allow_none=True)
    partner_user_id = fields.String(allow_none=True)
    deal_registration_id = fields.String(allow_none=True)
    products = fields.List(fields.Nested(DealProductSchema))
    next_step = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    stage_history = fields.List(fields.Nested(StageEntrySchema))
    competitors = fields.List(fields.Nested(LinkedCompetitorSchema))
    closed_at = UTCDateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    lost_note = fields.String(allow_none=True)


class OpportunityQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "updated_at": ("updated_at", "datetime"),
             "expected_close_date": ("expected_close_date", "datetime"),
             "amount": ("amount_minor", "int"), "probability": ("probability", "int"),
             "name": ("name", "str")}

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    stage = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    account_id = fields.String(load_default=None)
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)
    partner_user_id = fields.String(load_default=None)
    close_from = UTCDate(load_default=None)     # expected close date, both ends inclusive
    close_to = UTCDate(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))  # in the name


OpportunityPageSchema = page_schema(OpportunitySchema)
PartnerOpportunityPageSchema = page_schema(PartnerOpportunitySchema)


class PipelineStageSchema(BaseSchema):
    key = fields.String()
    kind = fields.String()                    # open, won or lost
    probability = fields.Integer()            # the default when a deal enters it


class PipelineSchema(BaseSchema):
    stages = fields.List(fields.Nested(PipelineStageSchema))


class OpportunityEventSchema(BaseSchema):
    """``opportunity_won`` / ``opportunity_lost`` / ``opportunity_reopened``: what
    commission needs, with the splits resolved (the owner takes 100 % revenue when the
    deal names none). ``previous_stage`` is where a reopened deal was (won or lost) and
    ``previous_closed_at`` when it closed there (the clawback window starts then)."""
    event_id = fields.String()
    occurred_at = fields.String()
    opportunity_id = fields.String()
    name = fields.String()
    account_id = fields.String()
    account_name = fields.String()
    amount = MoneyField()
    owner_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    splits = fields.List(fields.Nested(SplitSchema))
    partner_org_id = fields.String(allow_none=True)
    partner_user_id = fields.String(allow_none=True)
    deal_registration_id = fields.String(allow_none=True)
    products = fields.List(fields.Nested(DealProductSchema))
    stage = fields.String()
    closed_at = UTCDateTime(allow_none=True)
    previous_stage = fields.String(allow_none=True)
    previous_closed_at = UTCDateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)


# -- quotas ---------------------------------------------------------------------------

class QuotaCreateSchema(BaseSchema):
    """A target for one rep (``owner_id``) or one partner organisation in one period."""
    period = fields.String(required=True, validate=validate.Regexp(
        PERIOD_KEY_PATTERN, error="Must be a month as YYYY-MM, e.g. 2026-11."))
    owner_id = fields.String(load_default=None, allow_none=True)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)  # the rep's, stamped
    target = PriceField(required=True)

    @validates_schema
    def _one_payee(self, quota, **kwargs):
        if bool(quota.get("owner_id")) == bool(quota.get("partner_org_id")):
            raise ValidationError("Name either a rep (owner_id) or a partner organisation "
                                  "(partner_org_id).", field_name="owner_id")


class QuotaUpdateSchema(BaseSchema):
    target = PriceField(required=True)


class AttainmentSchema(BaseSchema):
    won = MoneyField()                        # won credit in the quota's currency
    won_count = fields.Integer()
    percent = fields.Decimal(as_string=True)  # won / target x 100, 1 decimal place


class QuotaSchema(RecordSchema, QuotaCreateSchema):
    attainment = fields.Nested(AttainmentSchema, dump_only=True)


class QuotaQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "period": ("period", "str")}

    period = fields.String(load_default=None, validate=validate.Regexp(
        PERIOD_KEY_PATTERN, error="Must be a month as YYYY-MM, e.g. 2026-11."))
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)


QuotaPageSchema = page_schema(QuotaSchema)


# -- reports --------------------------------------------------------------------------

class ReportQuerySchema(BaseSchema):
    """Filters every report takes. ``date_from``/``date_to`` (inclusive) bound the
    expected close date for pipeline and forecast, the close date for the others."""
    date_from = UTCDate(load_default=None)
    date_to = UTCDate(load_default=None)
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)
    currency = fields.String(load_default=None, validate=validate.Regexp(r"[A-Z]{3}\Z"))


class StageRowSchema(BaseSchema):
    stage = fields.String()
    currency = fields.String()
    count = fields.Integer()
    amount = fields.Decimal(as_string=True)
    weighted = fields.Decimal(as_string=True)      # amount x probability, summed


class PipelineReportSchema(BaseSchema):
    rows = fields.List(fields.Nested(StageRowSchema))     # open stages in pipeline order
    totals = fields.List(fields.Nested(StageRowSchema))   # per currency, stage = "total"


class ForecastRowSchema(BaseSchema):
    month = fields.String()                        # YYYY-MM of the expected close date
    currency = fields.String()
    count = fields.Integer()
    amount = fields.Decimal(as_string=True)
    weighted = fields.Decimal(as_string=True)
    won = fields.Decimal(as_string=True)           # already won, closed that month


class ForecastReportSchema(BaseSchema):
    rows = fields.List(fields.Nested(ForecastRowSchema))


class WinRateReportSchema(BaseSchema):
    won_count = fields.Integer()
    lost_count = fields.Integer()
    percent = fields.Decimal(as_string=True, allow_none=True)   # None: nothing closed


class CycleTimeReportSchema(BaseSchema):
    won_count = fields.Integer()
    average_days = fields.Decimal(as_string=True, allow_none=True)  # created -> won, 1 dp


class CompetitorRowSchema(BaseSchema):
    competitor_id = fields.String()
    name = fields.String()
    open = fields.Integer()
    won_against = fields.Integer()      # we won a deal it was on
    lost_to = fields.Integer()          # we lost and the customer selected it
    lost_other = fields.Integer()       # we lost to someone else
    win_rate = fields.Decimal(as_string=True, allow_none=True)


class CompetitorReportSchema(BaseSchema):
    rows = fields.List(fields.Nested(CompetitorRowSchema))


class PartnerRowSchema(BaseSchema):
    partner_org_id = fields.String()
    currency = fields.String()
    open_count = fields.Integer()
    open_amount = fields.Decimal(as_string=True)
    weighted = fields.Decimal(as_string=True)
    won_count = fields.Integer()
    won_amount = fields.Decimal(as_string=True)
    lost_count = fields.Integer()
    win_rate = fields.Decimal(as_string=True, allow_none=True)


class PartnerReportSchema(BaseSchema):
    rows = fields.List(fields.Nested(PartnerRowSchema))


class CustomerTierRowSchema(BaseSchema):
    account_id = fields.String()
    last_won_at = UTCDateTime()
    recency_days = fields.Integer()
    frequency = fields.Integer()
    monetary = MoneyField()
    recency_score = fields.Integer()
    frequency_score = fields.Integer()
    monetary_score = fields.Integer()
    tier = fields.String()


class CustomerTierReportSchema(BaseSchema):
    currency = fields.String()
    thresholds = fields.Dict()
    rows = fields.List(fields.Nested(CustomerTierRowSchema))
