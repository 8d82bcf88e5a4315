"""Competitors (竞争对手): /api/v1/competitors, one catalogue shared by everyone.
Reading it needs only a sign-in; whoever may create opportunities may add to it."""
from sfa_common.contracts.opportunities import (
    CompetitorCreateSchema,
    CompetitorPageSchema,
    CompetitorQuerySchema,
    CompetitorSchema,
)

from ..scopes import require
from ..services import call
from . import Blueprint

blp = Blueprint("competitors", __name__, url_prefix="/api/v1/competitors",
                description="Competitors (竞争对手)")


@blp.route("", methods=["GET"])
@blp.arguments(CompetitorQuerySchema, location="query")
@blp.replies(200, CompetitorPageSchema)
def list_competitors(query):
    """List competitors by name

    One page per call; pass `next_cursor` back as `cursor`. `q` finds a name."""
    return call("opportunities", "list_competitors", CompetitorQuerySchema().dump(query))


@blp.route("", methods=["POST"])
@blp.arguments(CompetitorCreateSchema)
@blp.replies(201, CompetitorSchema)
def create_competitor(competitor):
    """Add a competitor (409 when one of that name exists)"""
    require("opportunity", "create")
    return call("opportunities", "create_competitor", CompetitorCreateSchema().dump(competitor))


@blp.route("/<competitor_id>")
@blp.replies(200, CompetitorSchema)
def get_competitor(competitor_id):
    """Read one competitor"""
    return call("opportunities", "get_competitor", competitor_id)
