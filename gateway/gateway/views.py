"""Partner field views: what a partner user sends and sees of customers, opportunities,
leads, deal registrations and lead offers.

A partner sees the fields its channel needs, not the internal ones (owner, team,
department, splits, the other partners serving a customer). Replies are cut down
from the service's wire dict (``project``); input is loaded with the schemas below,
which are the internal ones without what a partner may not send, so a partner naming
such a field gets a 400 that names it. A partner's new record is stamped with its
organisation and user by ``authz.ownership.stamp_owner`` (whatever it sent for those
is replaced).
"""
from marshmallow import fields

from sfa_common.contracts.leads import (
    ConversionSchema,
    FollowUpSchema,
    LeadQuerySchema,
    LeadSchema,
    LeadUpdateSchema,
)
from sfa_common.contracts.opportunities import (
    AccountCreateSchema,
    AccountQuerySchema,
    AccountUpdateSchema,
    OpportunityCreateSchema,
    OpportunityQuerySchema,
    PartnerAccountSchema,
    PartnerOpportunityUpdateSchema,
    QuotaQuerySchema,
    ReportQuerySchema,
)
from sfa_common.contracts.registrations import (
    ConflictCheckSchema,
    LeadOfferSchema,
    RegistrationCreateSchema,
)
from sfa_common.schemas import page_schema

PartnerAccountPageSchema = page_schema(PartnerAccountSchema)


# -- leads, registrations and offers as a partner sees them -----------------------------

class PartnerLeadSchema(LeadSchema):
    """A lead of the partner's (partner-sourced, or converted from an offer it
    accepted): without who works it inside the company."""

    follow_ups = fields.List(fields.Nested(FollowUpSchema(exclude=("actor_id",))),
                             dump_only=True)
    conversion = fields.Nested(ConversionSchema(exclude=("converted_by",)), dump_only=True,
                               allow_none=True)

    class Meta(LeadSchema.Meta):
        exclude = ("owner_id", "team_member_ids", "department_id", "assignment_history")


PartnerLeadPageSchema = page_schema(PartnerLeadSchema)


class PartnerLeadOfferSchema(LeadOfferSchema):
    """An offer to the partner's organisation, without the internal user who made it."""

    class Meta(LeadOfferSchema.Meta):
        exclude = ("offered_by",)


PartnerLeadOfferPageSchema = page_schema(PartnerLeadOfferSchema)


def project(view, wire):
    """``wire`` (a service's reply, already in wire form) cut down to the fields of the
    schema ``view``, recursively through nested records and lists of them."""
    return {key: _projected(field, wire[key])
            for key, field in _wire_fields(view) if key in wire}


def _wire_fields(view):
    schema = view() if isinstance(view, type) else view
    return [(field.data_key or name, field) for name, field in schema.dump_fields.items()]


def shown_fields(view):
    """The names of the fields ``view`` shows; for a page, those of its items."""
    wire_fields = dict(_wire_fields(view))
    items = wire_fields.get("items")
    if isinstance(items, fields.List) and isinstance(items.inner, fields.Nested):
        return shown_fields(items.inner.schema)
    return list(wire_fields)


def _projected(field, value):
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_projected(field.inner, item) for item in value]
    if isinstance(field, fields.Nested) and isinstance(value, dict):
        return project(field.schema, value)
    return value


class PartnerInput:
    """Mixed into a partner's input schemas: a field it may not send is named as such."""

    error_messages = {"unknown": "Not a field a partner may send."}


# ``source_key`` is the services' own idempotency key (``lead:<id>:account``): a create
# naming an existing key answers that record, whoever owns it, so it never comes from
# outside (a client naming it gets a 400).

class ApiAccountCreateSchema(AccountCreateSchema):
    class Meta(AccountCreateSchema.Meta):
        exclude = ("source_key",)


class ApiOpportunityCreateSchema(OpportunityCreateSchema):
    class Meta(OpportunityCreateSchema.Meta):
        exclude = ("source_key",)


class PartnerAccountCreateSchema(PartnerInput, AccountCreateSchema):
    class Meta(AccountCreateSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids", "source_key")


class PartnerAccountUpdateSchema(PartnerInput, AccountUpdateSchema):
    """A partner corrects a customer's descriptive facts only."""

    class Meta(AccountUpdateSchema.Meta):
        fields = ("name", "industry", "region", "segment")
        exclude = ()


class PartnerOpportunityCreateSchema(PartnerInput, OpportunityCreateSchema):
    class Meta(OpportunityCreateSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids", "splits", "sales_method",
                   "source_key")


class PartnerOpportunityChangeSchema(PartnerInput, PartnerOpportunityUpdateSchema):
    """``next_step`` and ``notes``; any other fact of the deal is named as refused."""


# Internal owners are not a partner's business: partners may not filter by them.

class PartnerAccountQuerySchema(PartnerInput, AccountQuerySchema):
    class Meta(AccountQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerOpportunityQuerySchema(PartnerInput, OpportunityQuerySchema):
    class Meta(OpportunityQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerQuotaQuerySchema(PartnerInput, QuotaQuerySchema):
    class Meta(QuotaQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerReportQuerySchema(PartnerInput, ReportQuerySchema):
    class Meta(ReportQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerLeadQuerySchema(PartnerInput, LeadQuerySchema):
    class Meta(LeadQuerySchema.Meta):
        exclude = ("owner_id", "include_voided")


class PartnerLeadUpdateSchema(PartnerInput, LeadUpdateSchema):
    """A partner keeps its lead's contact facts and notes up to date; the company,
    source and classification are the company's."""

    class Meta(LeadUpdateSchema.Meta):
        fields = ("contact_name", "phone", "email", "products_of_interest", "notes")
        exclude = ()


class PartnerRegistrationCreateSchema(PartnerInput, RegistrationCreateSchema):
    """The deal a partner registers: the facts only; its organisation, user and tier are
    stamped by the gateway."""

    class Meta(RegistrationCreateSchema.Meta):
        exclude = ("partner_org_id", "partner_user_id", "partner_tier")


class PartnerConflictCheckSchema(PartnerInput, ConflictCheckSchema):
    """The partner's own organisation is stamped (its registrations are left out)."""

    class Meta(ConflictCheckSchema.Meta):
        exclude = ("partner_org_id",)
