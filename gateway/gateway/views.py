"""Partner field views: what a partner user sends and sees of customers, opportunities,
leads, deal registrations, lead offers, products, prices, quotes and commission
statements.

A partner sees the fields its channel needs, not the internal ones (owner, team,
department, splits, the other partners serving a customer). Replies are cut down
from the service's wire dict (``project``); input is loaded with the schemas below,
which are the internal ones without what a partner may not send, so a partner naming
such a field gets a 400 that names it. A partner's new record is stamped with its
organisation and user by ``authz.ownership.stamp_owner`` (whatever it sent for those
is replaced).
"""
from marshmallow import fields

from sfa_common.contracts.commission import (
    LedgerLineSchema,
    PreviewSchema,
    StatementQuerySchema,
    StatementRowSchema,
    StatementSchema,
)
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
from sfa_common.contracts.pricing import (
    BasketSchema,
    PricedBasketSchema,
    PricedLineSchema,
)
from sfa_common.contracts.quotes import (
    ApprovalSchema,
    ProductSchema,
    QuoteCreateSchema,
    QuoteHistorySchema,
    QuoteLineSchema,
    QuoteQuerySchema,
    QuoteSchema,
    QuoteUpdateSchema,
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
    if isinstance(field, PartnerTrace):
        return field.partner_view(value)
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


# -- products, prices and quotes as a partner sees them ---------------------------------
# Partners never see a product's cost, a margin, the rules' internals or any other
# list than their tier's. A price's trace is cut down by ``partner_trace``.

class PartnerProductSchema(ProductSchema):
    class Meta(ProductSchema.Meta):
        exclude = ("cost",)


PartnerProductPageSchema = page_schema(PartnerProductSchema)

# The steps' own parameters a partner may see; a margin clamp (which would give the
# cost away) shows as an unexplained "adjustment", and only where it changed the price.
_STEP_PARAMETERS = {"discount": ("percent",), "surcharge": ("amount",), "rounding": ("to",),
                    "minor_unit": ("digits",)}


def partner_trace(trace):
    """A price's trace (``quotes.pricing``) as a partner sees it: its price list's name,
    the rule's kind, the base and the steps from it. Nothing of costs or margins, of
    other lists (the list it is based on gives a "base_price", unnamed and without
    its trace), of rule ids, dates or deal registrations. A price built on the
    product's cost (directly or down the based-on chain) shows only that the company
    set it ("net_price"), without its steps: they would give the cost away."""
    if not isinstance(trace, dict):
        return None
    price_list, rule = trace.get("price_list"), trace.get("rule")
    seen = {"price_list": {"name": price_list.get("name")} if price_list else None,
            "rule": {"kind": rule.get("kind")} if rule else None,
            "counted_quantity": trace.get("counted_quantity"),
            "unit_price": trace.get("unit_price"), "currency": trace.get("currency")}
    base = trace.get("base") or {}
    if _from_cost(trace):
        return {**seen, "base": {"source": "net_price"}, "steps": []}
    source = "base_price" if base.get("source") == "price_list" else base.get("source")
    return {**seen, "base": {"source": source, "amount": base.get("amount")},
            "steps": [step for step in map(_partner_step, trace.get("steps") or []) if step]}


def _from_cost(trace):
    base = (trace or {}).get("base") or {}
    if base.get("source") == "price_list":
        return _from_cost(base.get("trace"))
    return base.get("source") not in ("list_price", "fixed_price")


def _partner_step(step):
    amounts = {"before": step.get("before"), "after": step.get("after")}
    kind = step.get("step")
    if kind in _STEP_PARAMETERS:
        return {"step": kind, **{name: step.get(name) for name in _STEP_PARAMETERS[kind]},
                **amounts}
    if amounts["before"] == amounts["after"]:
        return None
    return {"step": "adjustment", **amounts}


class PartnerTrace(fields.Raw):
    """A trace in a partner view: ``project`` hands it to ``partner_trace``."""

    def partner_view(self, value):
        return partner_trace(value)


class PartnerPricedLineSchema(PricedLineSchema):
    # The priced product never carries its cost (PricedProductSchema); the trace might.
    trace = PartnerTrace()


class PartnerPricedBasketSchema(PricedBasketSchema):
    lines = fields.List(fields.Nested(PartnerPricedLineSchema))


class PartnerBasketSchema(PartnerInput, BasketSchema):
    """A partner prices under its organisation's tier (stamped by the gateway)."""

    class Meta(BasketSchema.Meta):
        exclude = ("price_list_id", "partner_tier")


class PartnerQuoteLineSchema(QuoteLineSchema):
    trace = PartnerTrace(allow_none=True)


class PartnerQuoteSchema(QuoteSchema):
    """A quote on the partner's deal: no internal people (owner, team, department, who
    decided an approval or moved it on, the author's roles), no list id, no trace
    internals."""

    lines = fields.List(fields.Nested(PartnerQuoteLineSchema))
    approval = fields.Nested(ApprovalSchema(exclude=("decided_by",)), allow_none=True)
    history = fields.List(fields.Nested(QuoteHistorySchema(exclude=("actor_id",))))

    class Meta(QuoteSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids", "author", "price_list_id",
                   "source_key")


PartnerQuotePageSchema = page_schema(PartnerQuoteSchema)


class ApiQuoteCreateSchema(QuoteCreateSchema):
    """``source_key`` comes from the ``Idempotency-Key`` header, never the body."""

    class Meta(QuoteCreateSchema.Meta):
        exclude = ("source_key",)


class PartnerQuoteCreateSchema(PartnerInput, QuoteCreateSchema):
    """A partner's quote request: its lines are priced under its tier's list."""

    class Meta(QuoteCreateSchema.Meta):
        exclude = ("source_key", "price_list_id")


class PartnerQuoteUpdateSchema(PartnerInput, QuoteUpdateSchema):
    class Meta(QuoteUpdateSchema.Meta):
        exclude = ("price_list_id",)


class PartnerQuoteQuerySchema(PartnerInput, QuoteQuerySchema):
    class Meta(QuoteQuerySchema.Meta):
        exclude = ("owner_id",)


# -- commission statements as a partner admin sees them ----------------------------------
# Only its organisation's own lines (the gateway lists partner payees only); no internal
# rep or department on them.

class PartnerLedgerLineSchema(LedgerLineSchema):
    class Meta(LedgerLineSchema.Meta):
        exclude = ("owner_id", "department_id")


class PartnerStatementSchema(StatementSchema):
    lines = fields.List(fields.Nested(PartnerLedgerLineSchema))


class PartnerStatementRowSchema(StatementRowSchema):
    """A statement row: the same fields (a row names its payee, the organisation)."""


PartnerStatementRowPageSchema = page_schema(PartnerStatementRowSchema)


class PartnerStatementQuerySchema(PartnerInput, StatementQuerySchema):
    """A partner lists its organisation's statements: it names no payee kind (the
    gateway sets it), only a period or one of its organisations."""

    class Meta(StatementQuerySchema.Meta):
        exclude = ("payee_kind",)


class PartnerPreviewSchema(PreviewSchema):
    lines = fields.List(fields.Nested(PartnerLedgerLineSchema))
