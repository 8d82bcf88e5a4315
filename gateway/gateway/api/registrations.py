"""Deal registrations (报备): /api/v1/deal-registrations.

A partner registers a deal (a draft, stamped with its organisation, user and tier),
edits it while it is a draft or returned, and submits it; the leads service then
checks it against existing customers, their open opportunities and other partners'
active registrations. A channel manager reviews it: approve (an opportunity attributed
to the partner, and protection for the days of its tier), reject or return for more
information; and may extend an approved registration's protection.

Partners get the partner view: a conflict says that there is one and why (kind, score,
reasons), never with whom; the review without the internal reviewer. The live hint of
the portal's form asks POST .../conflict-check.
"""
from flask import g
from marshmallow import fields, validate

from sfa_common.contracts.registrations import (
    MAX_EXTENSION_DAYS,
    ConflictCheckSchema,
    ConflictReportSchema,
    PartnerConflictReportSchema,
    PartnerRegistrationPageSchema,
    PartnerRegistrationSchema,
    RegistrationCreateSchema,
    RegistrationPageSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    RegistrationUpdateSchema,
    ReviewSchema,
)
from sfa_common.schemas import BaseSchema

from ..scopes import creatable, require, scope_for
from ..services import call
from ..views import PartnerConflictCheckSchema, PartnerRegistrationCreateSchema
from . import Blueprint
from .directory import granted, internal_only, own_partner_org, partner_org, partner_user_of

blp = Blueprint("registrations", __name__, url_prefix="/api/v1/deal-registrations",
                description="Deal registrations (报备) and their review")


class InternalRegistrationCreateSchema(RegistrationCreateSchema):
    """A registration made inside the company on a partner's behalf: it names the
    partner organisation and user; the tier comes from the organisation."""

    class Meta(RegistrationCreateSchema.Meta):
        exclude = ("partner_tier",)


class ExtendSchema(BaseSchema):
    days = fields.Integer(required=True,
                          validate=validate.Range(min=1, max=MAX_EXTENSION_DAYS))


def _stamped(facts):
    """The registration with its partner organisation, user and tier: a partner's own,
    whatever it sent; inside the company, the ones named (checked to exist)."""
    if g.subject.is_partner:
        org = own_partner_org()
        record = {**facts, "partner_org_id": str(org["_id"]),
                  "partner_user_id": g.subject.user_id}
    else:
        org = partner_org(facts["partner_org_id"], "partner_org_id")
        partner_user_of(org, facts["partner_user_id"], "partner_user_id")
        record = dict(facts)
    creatable("deal_registration", record)
    return {**record, "partner_tier": org["tier"]}


@blp.route("", methods=["GET"])
@blp.arguments(RegistrationQuerySchema, location="query")
@blp.replies(200, RegistrationPageSchema, partner_view=PartnerRegistrationPageSchema)
def list_registrations(query):
    """List the deal registrations in your scope

    One page per call; pass `next_cursor` back as `cursor`; `q` finds a company."""
    return call("leads", "list_registrations", RegistrationQuerySchema().dump(query),
                scope_for("deal_registration", "read"))


@blp.route("", methods=["POST"])
@granted("deal_registration", "create")
@blp.arguments(InternalRegistrationCreateSchema, partner_schema=PartnerRegistrationCreateSchema)
@blp.replies(201, RegistrationSchema, partner_view=PartnerRegistrationSchema)
def create_registration(registration):
    """Register a deal (a draft)

    A partner's registration is its own, its organisation's, at its tier. Inside the
    company (on a partner's behalf) name `partner_org_id` and `partner_user_id`. The
    estimated amount and expected close date may wait until it is submitted."""
    facts = InternalRegistrationCreateSchema().dump(registration) if not g.subject.is_partner \
        else PartnerRegistrationCreateSchema().dump(registration)
    return call("leads", "create_registration", _stamped(facts))


@blp.route("/conflict-check", methods=["POST"])
@blp.arguments(ConflictCheckSchema, partner_schema=PartnerConflictCheckSchema)
@blp.replies(200, ConflictReportSchema, partner_view=PartnerConflictReportSchema)
def check_conflicts(draft):
    """Would this registration conflict? (the form's live hint)

    Against existing customers and their open opportunities (the same unified social
    credit code, the same or a similar name) and other partners' submitted or approved
    registrations. A partner's own organisation's registrations are left out, and so is
    `registration_id` (one the caller can see: else 404)."""
    require("deal_registration", "read")
    draft = ConflictCheckSchema().dump(draft)
    if g.subject.is_partner:
        draft["partner_org_id"] = g.subject.partner_org_id
    if draft.get("registration_id"):
        registration_id = draft["registration_id"]
        call("leads", "get_registration", registration_id,
             scope_for("deal_registration", "read", registration_id))
    return call("leads", "check_registration_conflicts", draft)


@blp.route("/<registration_id>", methods=["GET"])
@blp.replies(200, RegistrationSchema, partner_view=PartnerRegistrationSchema)
def get_registration(registration_id):
    """Read one deal registration (404 when it does not exist or lies outside your scope)"""
    return call("leads", "get_registration", registration_id,
                scope_for("deal_registration", "read", registration_id))


@blp.route("/<registration_id>", methods=["PATCH"])
@blp.arguments(RegistrationUpdateSchema)
@blp.replies(200, RegistrationSchema, partner_view=PartnerRegistrationSchema)
def update_registration(changes, registration_id):
    """Change a draft or returned registration (409 naming its state otherwise)

    Only the fields sent change; the partner fields never do."""
    scope = scope_for("deal_registration", "update", registration_id)
    return call("leads", "update_registration", registration_id,
                RegistrationUpdateSchema().dump(changes), scope, g.subject.user_id)


@blp.route("/<registration_id>/submit", methods=["POST"])
@blp.replies(200, RegistrationSchema, partner_view=PartnerRegistrationSchema)
def submit_registration(registration_id):
    """Submit a draft or returned registration for review

    It needs its estimated amount and expected close date (400 naming them). The
    conflict check runs now and its findings are kept with the registration."""
    scope = scope_for("deal_registration", "update", registration_id)
    return call("leads", "submit_registration", registration_id, scope, g.subject.user_id)


@blp.route("/<registration_id>/review", methods=["POST"])
@blp.arguments(ReviewSchema)
@blp.replies(200, RegistrationSchema)
def review_registration(review, registration_id):
    """Review a submitted registration: approve, reject or return it

    A reason is required to reject or return. Approval creates the opportunity,
    attributed to the partner and owned by you, on the customer of that name (created
    when there is none), and protects it for the days of the partner's tier. Channel
    managers (and whoever may change every registration); partners get 403."""
    internal_only("review deal registrations")
    scope = scope_for("deal_registration", "update", registration_id)
    return call("leads", "review_registration", registration_id, ReviewSchema().dump(review),
                scope, g.subject.user_id)


@blp.route("/<registration_id>/extend", methods=["POST"])
@blp.arguments(ExtendSchema)
@blp.replies(200, RegistrationSchema)
def extend_registration(extension, registration_id):
    """Extend an approved registration's protection by `days` (409 unless approved)"""
    internal_only("extend a registration's protection")
    scope = scope_for("deal_registration", "update", registration_id)
    return call("leads", "extend_registration", registration_id, extension["days"], scope,
                g.subject.user_id)
