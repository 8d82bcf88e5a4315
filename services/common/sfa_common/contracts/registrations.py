"""The leads service's contract for deal registrations (报备) and lead offers to partners.

A partner registers a deal (draft), submits it (the service runs the conflict check
and stores what it found), a channel manager reviews it: approve (an opportunity
attributed to the partner is created and the partner is protected for the days of its
tier), reject or return for more information. Lead offers hand an internal lead to a
partner organisation, which accepts (the lead converts into an opportunity attributed
to it) or declines (the lead goes back to the pool).

Partners never see another partner's identity or internal records: the gateway dumps
what they get with ``PartnerRegistrationSchema`` / ``PartnerConflictSchema``.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from sfa_common.company_names import company_name_problem
from sfa_common.contracts.opportunities import _validate_credit_code
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

PARTNER_TIERS = ("platinum", "gold", "silver", "registered")

DRAFT, SUBMITTED, APPROVED, REJECTED, RETURNED, CONVERTED, EXPIRED = (
    "draft", "submitted", "approved", "rejected", "returned", "converted", "expired")
REGISTRATION_STATES = (DRAFT, SUBMITTED, APPROVED, REJECTED, RETURNED, CONVERTED, EXPIRED)
# Registrations that hold a claim on a customer: others' submissions conflict with them.
ACTIVE_REGISTRATION_STATES = (SUBMITTED, APPROVED)
DECISIONS = ("approve", "reject", "return")

CONFLICT_KINDS = ("customer", "opportunity", "registration")
# Why a record conflicts: the same unified social credit code, the same normalised
# company name, or a similar one (score >= REGISTRATION_FUZZY_THRESHOLD).
CONFLICT_REASONS = ("credit_code", "same_name", "similar_name")

OFFER_STATES = ("offered", "accepted", "declined", "expired")
OFFER_ANSWERS = ("accept", "decline")
MAX_EXTENSION_DAYS = 365


def _text(max_length):
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_length))


def _not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


def _names_a_company(text):
    problem = company_name_problem(text)
    if problem is not None:
        raise ValidationError(problem)


# -- deal registrations ---------------------------------------------------------------

class _RegistrationFacts(BaseSchema):
    """What the partner writes (and may edit while the registration is a draft or
    returned)."""
    company = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                     _names_a_company])
    unified_social_credit_code = fields.String(load_default=None, allow_none=True,
                                               validate=_validate_credit_code)
    contact_name = _text(100)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"\+?[0-9][0-9 ()-]{4,30}\Z", error="Digits, spaces, ()- and an optional leading +."))
    email = fields.Email(load_default=None, allow_none=True)
    region = _text(100)
    industry = _text(100)
    products_of_interest = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                       load_default=list)
    # Optional on a draft; submit refuses a registration without them (ValidationFailed
    # naming the field): approval creates the opportunity from them.
    estimated_amount = PriceField(load_default=None, allow_none=True)
    expected_close_date = UTCDate(load_default=None, allow_none=True)
    notes = _text(2000)


class RegistrationCreateSchema(_RegistrationFacts):
    """``create_registration(payload)``: the gateway stamps the partner fields from the
    signed-in partner user and its organisation."""
    partner_org_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    partner_user_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    partner_tier = fields.String(required=True, validate=validate.OneOf(PARTNER_TIERS))


class RegistrationUpdateSchema(ChangeSchema, _RegistrationFacts):
    """``update_registration(id, changes, ...)``: only the fields sent change; the
    partner fields never do."""


class ConflictExplanationSchema(BaseSchema):
    """Why two names were taken for one company: the parts that matched (place, core,
    industry, legal_form), what was folded to see it (traditional, numerals,
    punctuation, ampersand, branch, place, legal_form, legal_form_typo, typo, similar)
    and one line each in English and Chinese."""
    matched = fields.List(fields.String())
    folded = fields.List(fields.String())
    details = fields.Dict(keys=fields.String(), values=fields.String())  # fold -> what
    en = fields.String()
    zh = fields.String()


class ConflictSchema(BaseSchema):
    kind = fields.String(validate=validate.OneOf(CONFLICT_KINDS))
    record_id = fields.String()          # account, opportunity or registration id
    name = fields.String()               # its company / customer / opportunity name
    partner_org_id = fields.String(allow_none=True)
    score = fields.Float()               # name similarity 0..1 (1.0: same name or code)
    reasons = fields.List(fields.String(validate=validate.OneOf(CONFLICT_REASONS)))
    # Why the names match, for the reviewer (absent on conflicts stored before it).
    explanation = fields.Nested(ConflictExplanationSchema, allow_none=True)


class PartnerConflictSchema(BaseSchema):
    """What a partner may know of a conflict: that there is one and why, not with whom."""
    kind = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())


class ReviewSchema(BaseSchema):
    """``review_registration(id, decision, ...)``'s ``decision``: a reason is required
    to reject or return."""
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))

    @validates_schema
    def _reason_when_not_approved(self, review, **kwargs):
        if review.get("decision") in ("reject", "return") and not (review.get("reason") or
                                                                   "").strip():
            raise ValidationError("A reason is required to reject or return.",
                                  field_name="reason")


class ReviewRecordSchema(BaseSchema):
    reviewer_id = fields.String(allow_none=True)
    decision = fields.String()
    reason = fields.String(allow_none=True)
    at = UTCDateTime()


class ExtensionSchema(BaseSchema):
    by = fields.String(allow_none=True)
    days = fields.Integer()
    at = UTCDateTime()


class HistoryEntrySchema(BaseSchema):
    status = fields.String()
    at = UTCDateTime()
    actor_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class RegistrationSchema(RecordSchema, RegistrationCreateSchema):
    normalised_company = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    conflicts = fields.List(fields.Nested(ConflictSchema), dump_only=True)
    review = fields.Nested(ReviewRecordSchema, dump_only=True, allow_none=True)
    submitted_at = UTCDateTime(dump_only=True, allow_none=True)
    protection_ends_at = UTCDateTime(dump_only=True, allow_none=True)
    extensions = fields.List(fields.Nested(ExtensionSchema), dump_only=True)
    account_id = fields.String(dump_only=True, allow_none=True)
    opportunity_id = fields.String(dump_only=True, allow_none=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), dump_only=True)
    revision = fields.Integer(dump_only=True)


class PartnerRegistrationSchema(RegistrationSchema):
    """A registration as its partner sees it: conflicts without others' identities,
    the review without the internal reviewer."""
    conflicts = fields.List(fields.Nested(PartnerConflictSchema), dump_only=True)
    review = fields.Nested(ReviewRecordSchema(exclude=("reviewer_id",)), dump_only=True,
                           allow_none=True)

    class Meta(RegistrationSchema.Meta):
        exclude = ("normalised_company",)


class RegistrationQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "updated_at": ("updated_at", "datetime")}

    status = fields.String(load_default=None, validate=validate.OneOf(REGISTRATION_STATES))
    partner_org_id = fields.String(load_default=None)
    partner_user_id = fields.String(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))  # company


RegistrationPageSchema = page_schema(RegistrationSchema)
PartnerRegistrationPageSchema = page_schema(PartnerRegistrationSchema)


class ConflictCheckSchema(BaseSchema):
    """``check_registration_conflicts(draft)``: the preview the portal's live hint asks
    for. ``partner_org_id`` (stamped by the gateway for a partner) leaves the partner's
    own registrations out; ``registration_id`` leaves that registration out."""
    company = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                     _names_a_company])
    unified_social_credit_code = fields.String(load_default=None, allow_none=True,
                                               validate=_validate_credit_code)
    partner_org_id = fields.String(load_default=None, allow_none=True)
    registration_id = fields.String(load_default=None, allow_none=True)


class ConflictReportSchema(BaseSchema):
    has_conflict = fields.Boolean()
    conflicts = fields.List(fields.Nested(ConflictSchema))


class PartnerConflictReportSchema(BaseSchema):
    has_conflict = fields.Boolean()
    conflicts = fields.List(fields.Nested(PartnerConflictSchema))


class RegistrationEventSchema(BaseSchema):
    """``leads.deal_registration_approved`` / ``_rejected`` / ``_expired``."""
    event_id = fields.String()
    occurred_at = fields.String()
    registration_id = fields.String()
    status = fields.String()
    partner_org_id = fields.String()
    partner_user_id = fields.String()
    partner_tier = fields.String()
    company = fields.String()
    account_id = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    protection_ends_at = UTCDateTime(allow_none=True)
    reviewer_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


# -- lead offers ----------------------------------------------------------------------

class OfferCandidateSchema(BaseSchema):
    """One partner organisation ``offer_lead_by_rule`` may choose (built by the gateway)."""
    partner_org_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    region = fields.String(load_default=None, allow_none=True)
    tier = fields.String(required=True, validate=validate.OneOf(PARTNER_TIERS))


class OfferOpportunitySchema(BaseSchema):
    """The opportunity an accepted offer creates; every field has a default (the lead's
    company as its name, 0 CNY, expected close in 90 days)."""
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    amount = PriceField(load_default=None, allow_none=True)
    expected_close_date = UTCDate(load_default=None, allow_none=True)


class OfferAnswerSchema(BaseSchema):
    """``answer_offer(id, answer, ...)``: accept (the actor is the partner user the
    opportunity is attributed to) or decline with a reason."""
    answer = fields.String(required=True, validate=validate.OneOf(OFFER_ANSWERS))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))
    opportunity = fields.Nested(OfferOpportunitySchema, load_default=None, allow_none=True)

    @validates_schema
    def _reason_to_decline(self, answer, **kwargs):
        if answer.get("answer") == "decline" and not (answer.get("reason") or "").strip():
            raise ValidationError("A reason is required to decline.", field_name="reason")


class LeadOfferSchema(RecordSchema):
    lead_id = fields.String()
    partner_org_id = fields.String()
    offered_by = fields.String(allow_none=True)
    how = fields.String()                      # manual | rule
    status = fields.String()
    expires_at = UTCDateTime()
    # What the partner needs to decide, copied from the lead when offered.
    company = fields.String()
    region = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    products_of_interest = fields.List(fields.String())
    answered_by = fields.String(allow_none=True)
    answered_at = UTCDateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    opportunity_id = fields.String(allow_none=True)
    account_id = fields.String(allow_none=True)


class OfferQuerySchema(PageQuerySchema):
    SORTS = {"created_at": ("created_at", "datetime"), "expires_at": ("expires_at", "datetime")}

    status = fields.String(load_default=None, validate=validate.OneOf(OFFER_STATES))
    partner_org_id = fields.String(load_default=None)
    lead_id = fields.String(load_default=None)


LeadOfferPageSchema = page_schema(LeadOfferSchema)
