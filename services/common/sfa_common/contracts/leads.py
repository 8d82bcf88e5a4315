"""The leads service's contract: leads (线索), their follow-ups, states and assignment,
assignment rules, lead imports and the conversion of a lead into a customer, contact and
opportunity. Deal registrations and lead offers have their own module
(``contracts/registrations.py``).

The gateway validates HTTP input with these same schemas; the service loads them again.
"""
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.company_names import company_name_problem
from sfa_common.schemas import (
    BaseSchema,
    ChangeSchema,
    PageQuerySchema,
    PriceField,
    RecordSchema,
    UTCDate,
    UTCDateTime,
    page_schema,
)

UNPROCESSED, FOLLOWING_UP, CONVERTED, INVALID, VOIDED = (
    "unprocessed", "following_up", "converted", "invalid", "voided")
LEAD_STATES = (UNPROCESSED, FOLLOWING_UP, CONVERTED, INVALID, VOIDED)
# A lead somebody still works on: what "overdue" and a rep's cap count.
OPEN_STATES = (UNPROCESSED, FOLLOWING_UP)
LEAD_SOURCES = ("web", "phone", "event", "referral", "partner", "campaign", "import", "other")
FOLLOW_UP_CHANNELS = ("phone", "email", "visit", "message")


def _text(max_length, **kwargs):
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_length), **kwargs)


def _not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


def _names_a_company(text):
    problem = company_name_problem(text)
    if problem is not None:
        raise ValidationError(problem)


def _ids():
    return fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                       load_default=list)


# -- leads ----------------------------------------------------------------------------

class LeadCreateSchema(BaseSchema):
    company = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                     _names_a_company])
    contact_name = fields.String(load_default=None, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"\+?[0-9][0-9 \-]{4,19}\Z", error="Not a valid phone number."))
    email = fields.Email(load_default=None)
    source = fields.String(load_default="other", validate=validate.OneOf(LEAD_SOURCES))
    region = fields.String(load_default=None, validate=validate.Length(max=100))
    industry = fields.String(load_default=None, validate=validate.Length(max=100))
    products_of_interest = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                       load_default=list)
    owner_id = fields.String(load_default=None)
    team_member_ids = _ids()
    department_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)   # partner-sourced leads
    partner_user_id = fields.String(load_default=None)
    notes = fields.String(load_default=None, validate=validate.Length(max=2000))


class LeadUpdateSchema(ChangeSchema, LeadCreateSchema):
    """A change to a lead's facts. The owner changes by assignment, the state by the
    transitions, the partner fields never."""

    class Meta(ChangeSchema.Meta):
        exclude = ("owner_id", "department_id", "partner_org_id", "partner_user_id")


class FollowUpCreateSchema(BaseSchema):
    """One follow-up (跟进记录); ``at`` defaults to now."""
    at = UTCDateTime(load_default=None, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(FOLLOW_UP_CHANNELS))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=2000))
    next_follow_up_at = UTCDateTime(load_default=None, allow_none=True)


class FollowUpSchema(FollowUpCreateSchema):
    actor_id = fields.String(allow_none=True)


class AssignmentEntrySchema(BaseSchema):
    """A change of owner: by hand (``rule_id`` None) or by an assignment rule."""
    from_owner_id = fields.String(attribute="from", data_key="from", allow_none=True)
    to_owner_id = fields.String(attribute="to", data_key="to", allow_none=True)
    department_id = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    at = UTCDateTime()
    rule_id = fields.String(allow_none=True)


class ConversionSchema(BaseSchema):
    """What a converted lead became. ``account_created`` is False when an existing
    customer was linked (given, or found by the duplicate check)."""
    account_id = fields.String()
    account_created = fields.Boolean()
    contact_id = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    converted_at = UTCDateTime()
    converted_by = fields.String(allow_none=True)


class LeadSchema(RecordSchema, LeadCreateSchema):
    normalised_company = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    invalid_reason = fields.String(dump_only=True, allow_none=True)
    voided_from = fields.String(dump_only=True, allow_none=True)  # the state before voiding
    follow_ups = fields.List(fields.Nested(FollowUpSchema), dump_only=True)
    next_follow_up_at = UTCDateTime(dump_only=True, allow_none=True)
    assignment_history = fields.List(fields.Nested(AssignmentEntrySchema), dump_only=True)
    conversion = fields.Nested(ConversionSchema, dump_only=True, allow_none=True)


class DuplicateSchema(BaseSchema):
    lead_id = fields.String()
    matched_on = fields.List(fields.String())   # phone, email, company


class CreatedLeadSchema(LeadSchema):
    """``create_lead``'s reply: the lead plus other (non-voided) leads with the same
    phone, email or normalised company. A warning: the lead is created anyway."""
    duplicates = fields.List(fields.Nested(DuplicateSchema), dump_only=True)


class LeadQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "updated_at": ("updated_at", "datetime"),
             "company": ("normalised_company", "str")}

    status = fields.String(load_default=None, validate=validate.OneOf(LEAD_STATES))
    source = fields.String(load_default=None, validate=validate.OneOf(LEAD_SOURCES))
    region = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    industry = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    owner_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)
    # next_follow_up_at has passed and the lead is still unprocessed or following up.
    overdue = fields.Boolean(load_default=False)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))  # company
    # Voided leads are listed only when asked (the gateway lets admins ask).
    include_voided = fields.Boolean(load_default=False)


LeadPageSchema = page_schema(LeadSchema)


class InvalidReasonSchema(BaseSchema):
    """The body of "mark invalid": why (phone unreachable, no interest, ...)."""
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500),
                                                    _not_blank])


class AssignSchema(BaseSchema):
    """The body of a manual assignment."""
    owner_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    department_id = fields.String(load_default=None, allow_none=True)


# -- assignment rules -----------------------------------------------------------------

class RuleRepSchema(BaseSchema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    department_id = fields.String(load_default=None, allow_none=True)


class AssignmentRuleCreateSchema(BaseSchema):
    """A rule of automatic assignment: the first active rule by ``priority`` (lowest
    first) whose region and industry match the lead (None matches any) hands it to its
    reps in turn, skipping a rep who already has ``cap_per_rep`` open leads."""
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), _not_blank])
    priority = fields.Integer(load_default=100, validate=validate.Range(min=0, max=1_000_000))
    region = _text(100)
    industry = _text(100)
    reps = fields.List(fields.Nested(RuleRepSchema), required=True,
                       validate=validate.Length(min=1, max=200))
    cap_per_rep = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=1, max=100_000))
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _distinct_reps(self, rule, **kwargs):
        users = [rep["user_id"] for rep in rule.get("reps") or []]
        if len(users) != len(set(users)):
            raise ValidationError("A rep appears twice.", field_name="reps")


class AssignmentRuleUpdateSchema(ChangeSchema, AssignmentRuleCreateSchema):
    """A change to a rule: only the fields sent change."""


class AssignmentRuleSchema(RecordSchema, AssignmentRuleCreateSchema):
    pointer = fields.Integer(dump_only=True)   # how many leads it has handed out


class AssignmentRuleQuerySchema(PageQuerySchema):
    SORTS = {"priority": ("priority", "int"), "created_at": ("created_at", "datetime")}
    DEFAULT_SORT = "priority"

    active = fields.Boolean(load_default=None, allow_none=True)


AssignmentRulePageSchema = page_schema(AssignmentRuleSchema)


# -- imports --------------------------------------------------------------------------

IMPORT_STATES = ("running", "done", "failed")
IMPORT_TYPES = (".csv", ".xlsx")
MAX_IMPORT_BYTES = 10 * 1024 * 1024
_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]*={0,2}\s*\Z")


def _import_file_name(name):
    if not name.lower().endswith(IMPORT_TYPES):
        raise ValidationError("Must be a .csv or .xlsx file.")


class ImportDefaultsSchema(BaseSchema):
    """Values every imported row gets unless it names its own."""
    source = fields.String(load_default="import", validate=validate.OneOf(LEAD_SOURCES))
    region = _text(100)
    industry = _text(100)
    owner_id = fields.String(load_default=None, allow_none=True)
    department_id = fields.String(load_default=None, allow_none=True)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    partner_user_id = fields.String(load_default=None, allow_none=True)


class ImportStartSchema(BaseSchema):
    file_name = fields.String(required=True, validate=[validate.Length(min=1, max=255),
                                                       _import_file_name])
    content_base64 = fields.String(required=True, validate=[
        validate.Length(min=1, max=MAX_IMPORT_BYTES * 4 // 3 + 4),
        validate.Regexp(_BASE64, error="Not base64.")])
    defaults = fields.Nested(ImportDefaultsSchema, load_default=dict)


class ImportErrorSchema(BaseSchema):
    line = fields.Integer()         # the file's line (the header is line 1)
    field = fields.String(allow_none=True)
    reason = fields.String()


class ImportJobSchema(RecordSchema):
    file_name = fields.String()
    status = fields.String()        # running, done, failed
    total = fields.Integer()        # data rows in the file
    processed = fields.Integer()
    created = fields.Integer()
    skipped_duplicates = fields.Integer()   # rows imported before (same fingerprint)
    errors = fields.List(fields.Nested(ImportErrorSchema))
    failure = fields.String(allow_none=True)  # why the whole file failed (status failed)
    created_by = fields.String(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)


# -- conversion -----------------------------------------------------------------------

class ConversionAccountSchema(BaseSchema):
    """Link this customer; without ``account_id`` one is created from the lead's
    company (or, with the duplicate check on, an existing one of that name is linked)."""
    account_id = fields.String(load_default=None, allow_none=True)


class ConversionContactSchema(BaseSchema):
    """The contact to create; ``name`` defaults to the lead's contact name."""
    name = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=100))
    title = _text(100)
    phone = fields.String(load_default=None, allow_none=True)   # default: the lead's
    email = fields.Email(load_default=None, allow_none=True)    # default: the lead's
    notes = _text(2000)


class ContactChoice(fields.Field):
    """``false``/``null``: no contact; ``true``: one from the lead; an object: one with
    these fields. Loads to None or a dict."""

    default_error_messages = {"invalid": "Must be true, false or an object."}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value is False:
            return None
        if value is True:
            value = {}
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return ConversionContactSchema().load(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else ConversionContactSchema().dump(value)


class ConversionOpportunitySchema(BaseSchema):
    """The opportunity to create for the customer (the opportunities service checks
    the rest: stage names, splits)."""
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _not_blank])
    amount = PriceField(required=True)
    expected_close_date = UTCDate(required=True)
    probability = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=0, max=100))
    stage = fields.String(load_default=None, allow_none=True)
    sales_method = _text(100)
    next_step = _text(500)
    notes = _text(5000)


class ConvertSchema(BaseSchema):
    """The body of ``convert_lead``: a customer always (linked or created), a contact and
    an opportunity when asked."""
    account = fields.Nested(ConversionAccountSchema, load_default=dict)
    contact = ContactChoice(load_default=None, allow_none=True)
    opportunity = fields.Nested(ConversionOpportunitySchema, load_default=None,
                                allow_none=True)


class LeadConvertedEventSchema(BaseSchema):
    """``leads.lead_converted``."""
    event_id = fields.String()
    occurred_at = fields.String()
    lead_id = fields.String()
    company = fields.String()
    source = fields.String(allow_none=True)
    owner_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    partner_org_id = fields.String(allow_none=True)
    partner_user_id = fields.String(allow_none=True)
    account_id = fields.String()
    account_created = fields.Boolean()
    contact_id = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    converted_by = fields.String(allow_none=True)
