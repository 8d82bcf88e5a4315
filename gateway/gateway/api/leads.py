"""Leads: /api/v1/leads."""

from sfa_common.contracts.leads import LeadCreateSchema, LeadSchema

from ..scopes import owned_new_record, scope_for
from ..services import call
from . import Blueprint

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads (线索)")


@blp.route("", methods=["POST"])
@blp.arguments(LeadCreateSchema)
@blp.replies(201, LeadSchema)
def create_lead(lead):
    """Create a lead (yours, unless your create scope lets you name another owner)"""
    return call("leads", "create_lead", owned_new_record("lead", LeadCreateSchema().dump(lead)))


@blp.route("/<lead_id>")
@blp.replies(200, LeadSchema)
def get_lead(lead_id):
    """Read one lead (404 when it does not exist or lies outside your scope)"""
    return call("leads", "get_lead", lead_id, scope_for("lead", "read", lead_id))
