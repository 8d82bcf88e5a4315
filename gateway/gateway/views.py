"""Partner field views: what a partner user sends and sees of customers and opportunities.

A partner sees the fields its channel needs, not the internal ones (owner, team,
department, splits, the other partners serving a customer). Replies are cut down
from the service's wire dict (``project``); input is loaded with the schemas below,
which are the internal ones without what a partner may not send, so a partner naming
such a field gets a 400 that names it. A partner's new record is stamped with its
organisation and user by ``authz.ownership.stamp_owner`` (whatever it sent for those
is replaced).
"""
from marshmallow import fields

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
from sfa_common.schemas import page_schema

PartnerAccountPageSchema = page_schema(PartnerAccountSchema)


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


class PartnerAccountCreateSchema(PartnerInput, AccountCreateSchema):
    class Meta(AccountCreateSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids")


class PartnerAccountUpdateSchema(PartnerInput, AccountUpdateSchema):
    """A partner corrects a customer's descriptive facts only."""

    class Meta(AccountUpdateSchema.Meta):
        fields = ("name", "industry", "region", "segment")


class PartnerOpportunityCreateSchema(PartnerInput, OpportunityCreateSchema):
    class Meta(OpportunityCreateSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids", "splits", "sales_method")


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
