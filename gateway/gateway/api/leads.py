"""Leads (线索): /api/v1/leads, their follow-ups, states, assignment, conversion and
offers to partners.

Partners read their leads (partner-sourced, or those they accepted from an offer) in
the partner view (``gateway.views``), keep their contact facts up to date and log
follow-ups; every other step of a lead (invalid, void, assignment, conversion,
offering) is the company's (403 for a partner).
"""
from flask import g
from marshmallow import ValidationError, fields, validates_schema

from sfa_common.contracts.leads import (
    AssignSchema,
    ConvertSchema,
    CreatedLeadSchema,
    FollowUpCreateSchema,
    InvalidReasonSchema,
    LeadCreateSchema,
    LeadPageSchema,
    LeadQuerySchema,
    LeadSchema,
    LeadUpdateSchema,
)
from sfa_common.contracts.registrations import LeadOfferSchema
from sfa_common.errors import Conflict
from sfa_common.schemas import BaseSchema

from ..scopes import owned_new_record, require, scope_for
from ..services import call
from ..views import (
    PartnerLeadPageSchema,
    PartnerLeadQuerySchema,
    PartnerLeadSchema,
    PartnerLeadUpdateSchema,
)
from . import Blueprint
from .directory import (
    active_partner_orgs,
    internal_only,
    internal_user,
    partner_org,
    require_all,
)

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads (线索)")


class LeadGetQuerySchema(BaseSchema):
    include_voided = fields.Boolean(load_default=False, metadata={
        "description": "also find a voided lead (sales operations and admins only)"})


class OfferRequestSchema(BaseSchema):
    """Offer the lead to one partner organisation, or let the offer rule choose one."""

    partner_org_id = fields.String(load_default=None, metadata={
        "description": "the organisation to offer the lead to"})
    by_rule = fields.Boolean(load_default=False, metadata={
        "description": "choose among the active partner organisations: those of the "
                       "lead's region first, weighted by tier"})

    @validates_schema
    def _one_way(self, offer, **kwargs):
        if bool(offer.get("partner_org_id")) == bool(offer.get("by_rule")):
            raise ValidationError("Name a partner_org_id or send by_rule: true (not both).",
                                  field_name="partner_org_id")


def _voided_allowed(include_voided):
    if include_voided:
        require_all("lead", "update", "see voided leads")
    return include_voided


@blp.route("", methods=["GET"])
@blp.arguments(LeadQuerySchema, location="query", partner_schema=PartnerLeadQuerySchema)
@blp.replies(200, LeadPageSchema, partner_view=PartnerLeadPageSchema)
def list_leads(query):
    """List the leads in your scope

    One page per call; pass `next_cursor` back as `cursor`. `overdue=true`: the next
    follow-up is past and the lead is still unprocessed or following up; `q` finds a
    company. Voided leads are left out; sales operations and admins may ask for them
    with `include_voided=true` (anyone else: 403)."""
    _voided_allowed(query.get("include_voided"))
    return call("leads", "list_leads", LeadQuerySchema().dump(query), scope_for("lead", "read"))


@blp.route("", methods=["POST"])
@blp.arguments(LeadCreateSchema)
@blp.replies(201, CreatedLeadSchema)
def create_lead(lead):
    """Create a lead (yours, unless your create scope lets you name another owner)

    The reply's `duplicates` lists other leads with the same phone, email or company
    (normalised): a warning, the lead is created anyway. An owner without a department
    brings their main department."""
    record = owned_new_record("lead", LeadCreateSchema().dump(lead), owner_department=True)
    return call("leads", "create_lead", record)


@blp.route("/<lead_id>", methods=["GET"])
@blp.arguments(LeadGetQuerySchema, location="query")
@blp.replies(200, LeadSchema, partner_view=PartnerLeadSchema)
def get_lead(query, lead_id):
    """Read one lead (404 when it does not exist or lies outside your scope)

    A voided lead is found only with `include_voided=true`, by sales operations and
    admins."""
    include_voided = _voided_allowed(query["include_voided"])
    return call("leads", "get_lead", lead_id, scope_for("lead", "read", lead_id),
                include_voided)


@blp.route("/<lead_id>", methods=["PATCH"])
@blp.arguments(LeadUpdateSchema, partner_schema=PartnerLeadUpdateSchema)
@blp.replies(200, LeadSchema, partner_view=PartnerLeadSchema)
def update_lead(changes, lead_id):
    """Change a lead's facts

    Only the fields sent change; the owner changes by assignment, the state by the
    transitions. A converted or voided lead is not changed (409). Partners may change
    `contact_name`, `phone`, `email`, `products_of_interest` and `notes` only."""
    return call("leads", "update_lead", lead_id, LeadUpdateSchema().dump(changes),
                scope_for("lead", "update", lead_id), g.subject.user_id)


@blp.route("/<lead_id>/follow-ups", methods=["POST"])
@blp.arguments(FollowUpCreateSchema)
@blp.replies(201, LeadSchema, partner_view=PartnerLeadSchema)
def add_follow_up(follow_up, lead_id):
    """Log a follow-up (跟进记录)

    At `at` (default now) by phone, email, visit or message, with the next follow-up
    date if there is one. An unprocessed lead becomes following up; a converted,
    invalid or voided one answers 409."""
    return call("leads", "add_follow_up", lead_id, FollowUpCreateSchema().dump(follow_up),
                scope_for("lead", "update", lead_id), g.subject.user_id)


def _transition(method, lead_id, *args):
    scope = scope_for("lead", "update", lead_id)
    return call("leads", method, lead_id, *args, scope, g.subject.user_id)


@blp.route("/<lead_id>/invalid", methods=["POST"])
@blp.arguments(InvalidReasonSchema)
@blp.replies(200, LeadSchema)
def mark_invalid(reason, lead_id):
    """Mark the lead invalid (无效) with a reason

    From unprocessed or following up (409 naming the state otherwise); it can be
    revived later. Internal users only."""
    internal_only("mark a lead invalid")
    return _transition("mark_invalid", lead_id, reason["reason"])


@blp.route("/<lead_id>/revive", methods=["POST"])
@blp.replies(200, LeadSchema)
def revive_lead(lead_id):
    """Revive an invalid lead: it is following up again (409 unless invalid)"""
    internal_only("revive a lead")
    return _transition("revive_lead", lead_id)


@blp.route("/<lead_id>/void", methods=["POST"])
@blp.replies(200, LeadSchema)
def void_lead(lead_id):
    """Void the lead (作废)

    It disappears from every list and read but is kept for audit; sales operations or
    an admin may restore it. A converted lead is not voided (409)."""
    internal_only("void a lead")
    return _transition("void_lead", lead_id)


@blp.route("/<lead_id>/restore", methods=["POST"])
@blp.replies(200, LeadSchema)
def restore_lead(lead_id):
    """Restore a voided lead to the state it was voided from

    Sales operations and admins only (whoever may change every lead); 409 unless the
    lead is voided."""
    require_all("lead", "update", "restore a voided lead")
    return call("leads", "restore_lead", lead_id, {}, g.subject.user_id)


@blp.route("/<lead_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.replies(200, LeadSchema)
def assign_lead(assignment, lead_id):
    """Hand the lead to an internal user (manual assignment)

    The new owner must be an active internal user (400 naming `owner_id`); without a
    `department_id` the lead takes the owner's main department. The change is kept in
    the lead's `assignment_history`."""
    internal_only("assign a lead")
    scope = scope_for("lead", "update", lead_id)
    owner = internal_user(assignment["owner_id"], "owner_id")
    department_id = assignment.get("department_id") or owner.get("main_department_id")
    return call("leads", "assign_lead", lead_id, assignment["owner_id"],
                str(department_id) if department_id else None, scope, g.subject.user_id)


@blp.route("/<lead_id>/auto-assign", methods=["POST"])
@blp.replies(200, LeadSchema)
def auto_assign(lead_id):
    """Assign the lead by the assignment rules

    The first active rule (by priority) matching the lead's region and industry hands
    it to its reps in turn, skipping reps at their cap; 409 naming the rule when none
    of its reps can take it (or when no rule matches)."""
    internal_only("assign a lead")
    return _transition("auto_assign", lead_id)


@blp.route("/<lead_id>/convert", methods=["POST"])
@blp.arguments(ConvertSchema)
@blp.replies(200, LeadSchema)
def convert_lead(conversion, lead_id):
    """Convert the lead (线索转换) into a customer, and a contact and an opportunity

    The customer is linked (`account.account_id`, one you can see: else 400) or created
    from the lead's company (with the duplicate check on, an existing customer of the
    same name is linked instead). From unprocessed or following up (409 naming the state
    otherwise); converting a converted lead again answers the same result."""
    internal_only("convert a lead; accept an offer of it instead")
    scope = scope_for("lead", "update", lead_id)
    return call("leads", "convert_lead", lead_id, ConvertSchema().dump(conversion), scope,
                g.subject.user_id, scope_for("account", "read"))


@blp.route("/<lead_id>/offers", methods=["POST"])
@blp.arguments(OfferRequestSchema)
@blp.replies(201, LeadOfferSchema)
def offer_lead(offer, lead_id):
    """Offer the lead to a partner organisation

    To the one named, or (`by_rule: true`) to one the offer rule chooses among the
    active partner organisations, those of the lead's region first, weighted by tier.
    The lead must be unprocessed or following up and not on offer already (409);
    offering it again to the organisation that has it answers that offer."""
    internal_only("offer leads")
    require("lead_offer", "create")
    scope = scope_for("lead", "update", lead_id)
    if offer["by_rule"]:
        candidates = [{"partner_org_id": str(org["_id"]), "region": org.get("region"),
                       "tier": org["tier"]} for org in active_partner_orgs()]
        if not candidates:
            raise Conflict("There is no active partner organisation to offer the lead to.")
        return call("leads", "offer_lead_by_rule", lead_id, candidates, scope,
                    g.subject.user_id)
    org = partner_org(offer["partner_org_id"], "partner_org_id")
    return call("leads", "offer_lead", lead_id, str(org["_id"]), scope, g.subject.user_id)

