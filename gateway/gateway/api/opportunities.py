"""Opportunities (商机): /api/v1/opportunities, their stages and competitors, and the
stage pipeline (/api/v1/pipeline). Partners get and send the partner view
(``gateway.views``); they move their deals' stages but never reopen one."""
from flask import g

from sfa_common.contracts.opportunities import (
    CompetitorLinkSchema,
    OpportunityCreateSchema,
    OpportunityPageSchema,
    OpportunityQuerySchema,
    OpportunitySchema,
    OpportunityUpdateSchema,
    PartnerOpportunityPageSchema,
    PartnerOpportunitySchema,
    PipelineSchema,
    ReopenSchema,
    StageMoveSchema,
)
from sfa_common.errors import Forbidden

from ..scopes import owned_new_record, scope_for, with_owner_department
from ..services import call
from ..views import (
    ApiOpportunityCreateSchema,
    PartnerOpportunityChangeSchema,
    PartnerOpportunityCreateSchema,
    PartnerOpportunityQuerySchema,
)
from . import Blueprint

blp = Blueprint("opportunities", __name__, url_prefix="/api/v1",
                description="Opportunities (商机) and the stage pipeline")


@blp.route("/pipeline")
@blp.replies(200, PipelineSchema)
def get_pipeline():
    """The stages an opportunity moves through

    In order, with their default probabilities: the open stages, then won and lost."""
    return call("opportunities", "get_pipeline")


@blp.route("/opportunities", methods=["GET"])
@blp.arguments(OpportunityQuerySchema, location="query",
               partner_schema=PartnerOpportunityQuerySchema)
@blp.replies(200, OpportunityPageSchema, partner_view=PartnerOpportunityPageSchema)
def list_opportunities(query):
    """List the opportunities in your scope

    One page per call; pass `next_cursor` back as `cursor`. `close_from`/`close_to`
    bound the expected close date (both inclusive); `q` finds a name."""
    return call("opportunities", "list_opportunities", OpportunityQuerySchema().dump(query),
                scope_for("opportunity", "read"))


@blp.route("/opportunities", methods=["POST"])
@blp.arguments(ApiOpportunityCreateSchema, partner_schema=PartnerOpportunityCreateSchema)
@blp.replies(201, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def create_opportunity(opportunity):
    """Create an opportunity

    For a customer you can see (else 400 naming `account_id`); its contacts must be
    that customer's. Without a stage it starts in the first one."""
    record = owned_new_record("opportunity", OpportunityCreateSchema().dump(opportunity),
                              owner_department=True)
    return call("opportunities", "create_opportunity", record, scope_for("account", "read"),
                g.subject.user_id)


@blp.route("/opportunities/<opportunity_id>")
@blp.replies(200, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def get_opportunity(opportunity_id):
    """Read one opportunity (404 when it does not exist or lies outside your scope)"""
    scope = scope_for("opportunity", "read", opportunity_id)
    return call("opportunities", "get_opportunity", opportunity_id, scope)


@blp.route("/opportunities/<opportunity_id>", methods=["PATCH"])
@blp.arguments(OpportunityUpdateSchema, partner_schema=PartnerOpportunityChangeSchema)
@blp.replies(200, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def update_opportunity(changes, opportunity_id):
    """Change an opportunity's facts

    Only the fields sent change; the stage moves with POST .../stage. The amount of a
    won or lost deal changes only after reopening it (409). Partners may change
    `next_step` and `notes` only."""
    changes = with_owner_department(OpportunityUpdateSchema().dump(changes))
    scope = scope_for("opportunity", "update", opportunity_id)
    return call("opportunities", "update_opportunity", opportunity_id, changes, scope,
                g.subject.user_id)


@blp.route("/opportunities/<opportunity_id>/stage", methods=["POST"])
@blp.arguments(StageMoveSchema)
@blp.replies(200, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def move_stage(move, opportunity_id):
    """Move an opportunity to another stage

    See GET /api/v1/pipeline for the stages. Losing needs a `lost_reason`; a won or
    lost deal is reopened first (409). Of two moves at once, the later one gets a 409
    naming the stage the deal now has."""
    scope = scope_for("opportunity", "update", opportunity_id)
    return call("opportunities", "move_stage", opportunity_id, StageMoveSchema().dump(move),
                scope, g.subject.user_id)


@blp.route("/opportunities/<opportunity_id>/reopen", methods=["POST"])
@blp.arguments(ReopenSchema)
@blp.replies(200, OpportunitySchema)
def reopen_opportunity(reopen, opportunity_id):
    """Reopen a won or lost opportunity

    Into the given open stage, or the one it closed from (409 when it is open).
    Internal users only: partners get 403."""
    if g.subject.is_partner:
        raise Forbidden("Partners may not reopen an opportunity; ask your channel manager.")
    scope = scope_for("opportunity", "update", opportunity_id)
    return call("opportunities", "reopen_opportunity", opportunity_id,
                ReopenSchema().dump(reopen), scope, g.subject.user_id)


@blp.route("/opportunities/<opportunity_id>/competitors/<competitor_id>", methods=["PUT"])
@blp.arguments(CompetitorLinkSchema)
@blp.replies(200, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def link_competitor(link, opportunity_id, competitor_id):
    """Name a competitor on the opportunity

    Or change its status and note there; 400 naming `competitor_id` when there is no
    such competitor."""
    scope = scope_for("opportunity", "update", opportunity_id)
    return call("opportunities", "link_competitor", opportunity_id, competitor_id,
                CompetitorLinkSchema().dump(link), scope, g.subject.user_id)


@blp.route("/opportunities/<opportunity_id>/competitors/<competitor_id>", methods=["DELETE"])
@blp.replies(200, OpportunitySchema, partner_view=PartnerOpportunitySchema)
def unlink_competitor(opportunity_id, competitor_id):
    """Take a competitor off the opportunity"""
    scope = scope_for("opportunity", "update", opportunity_id)
    return call("opportunities", "unlink_competitor", opportunity_id, competitor_id, scope,
                g.subject.user_id)
