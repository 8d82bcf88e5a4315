"""Lead offers: /api/v1/lead-offers. A lead offered to a partner organisation (POST
/api/v1/leads/{id}/offers) waits for the organisation's answer: accepted, the lead
converts into an opportunity attributed to the partner; declined (with a reason), the
lead goes back to the pool. An offer nobody answers expires.

An offer goes to the organisation, so any of its users answers it; the company's side
(channel managers, sales operations, admins) reads every offer."""
from flask import g
from marshmallow import fields, validate

from sfa_common.contracts.registrations import (
    LeadOfferPageSchema,
    LeadOfferSchema,
    OfferOpportunitySchema,
    OfferQuerySchema,
)
from sfa_common.errors import Forbidden
from sfa_common.schemas import BaseSchema

from ..scopes import scope_for
from ..services import call
from ..views import PartnerLeadOfferPageSchema, PartnerLeadOfferSchema
from . import Blueprint

blp = Blueprint("offers", __name__, url_prefix="/api/v1/lead-offers",
                description="Leads offered to partner organisations")


class AcceptOfferSchema(BaseSchema):
    opportunity = fields.Nested(OfferOpportunitySchema, load_default=None, allow_none=True,
                                metadata={"description": "the opportunity to create; by "
                                          "default named after the lead's company"})


class DeclineOfferSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def _answer(offer_id, answer):
    if not g.subject.is_partner:
        raise Forbidden("Only the partner organisation the lead is offered to answers it.")
    scope = scope_for("lead_offer", "update", offer_id)
    return call("leads", "answer_offer", offer_id, answer, scope, g.subject.user_id)


@blp.route("", methods=["GET"])
@blp.arguments(OfferQuerySchema, location="query")
@blp.replies(200, LeadOfferPageSchema, partner_view=PartnerLeadOfferPageSchema)
def list_offers(query):
    """List the lead offers in your scope (a partner: those to its organisation)

    One page per call; pass `next_cursor` back as `cursor`."""
    return call("leads", "list_offers", OfferQuerySchema().dump(query),
                scope_for("lead_offer", "read"))


@blp.route("/<offer_id>", methods=["GET"])
@blp.replies(200, LeadOfferSchema, partner_view=PartnerLeadOfferSchema)
def get_offer(offer_id):
    """Read one lead offer (404 when it does not exist or lies outside your scope)"""
    return call("leads", "get_offer", offer_id, scope_for("lead_offer", "read", offer_id))


@blp.route("/<offer_id>/accept", methods=["POST"])
@blp.arguments(AcceptOfferSchema)
@blp.replies(200, LeadOfferSchema, partner_view=PartnerLeadOfferSchema)
def accept_offer(acceptance, offer_id):
    """Accept the offer: the lead converts into an opportunity attributed to you

    409 naming its state unless the offer is still open. Partners only."""
    answer = {"answer": "accept", **AcceptOfferSchema().dump(acceptance)}
    return _answer(offer_id, answer)


@blp.route("/<offer_id>/decline", methods=["POST"])
@blp.arguments(DeclineOfferSchema)
@blp.replies(200, LeadOfferSchema, partner_view=PartnerLeadOfferSchema)
def decline_offer(decline, offer_id):
    """Decline the offer with a reason: the lead goes back to the pool

    409 naming its state unless the offer is still open. Partners only."""
    return _answer(offer_id, {"answer": "decline", "reason": decline["reason"]})
