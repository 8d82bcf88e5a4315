"""Quotas (销售定额): /api/v1/quotas, a target per rep or partner organisation and
month, each read with its attainment so far."""
from sfa_common.contracts.opportunities import (
    QuotaCreateSchema,
    QuotaPageSchema,
    QuotaQuerySchema,
    QuotaSchema,
    QuotaUpdateSchema,
)

from ..scopes import creatable, scope_for, with_owner_department
from ..services import call
from ..views import PartnerQuotaQuerySchema
from . import Blueprint

blp = Blueprint("quotas", __name__, url_prefix="/api/v1/quotas",
                description="Quotas (销售定额) and their attainment")


@blp.route("", methods=["GET"])
@blp.arguments(QuotaQuerySchema, location="query", partner_schema=PartnerQuotaQuerySchema)
@blp.replies(200, QuotaPageSchema)
def list_quotas(query):
    """List the quotas in your scope, with their attainment

    One page per call; pass `next_cursor` back as `cursor`."""
    return call("opportunities", "list_quotas", QuotaQuerySchema().dump(query),
                scope_for("quota", "read"))


@blp.route("", methods=["POST"])
@blp.arguments(QuotaCreateSchema)
@blp.replies(201, QuotaSchema)
def create_quota(quota):
    """Set a quota

    A rep's (`owner_id`) or a partner organisation's target for a month. A rep's quota
    takes the rep's main department unless it names one. 409 when that payee has a
    quota for the month."""
    # Not owned_new_record: the owner of a quota is its payee, never who sets it.
    record = creatable("quota", with_owner_department(QuotaCreateSchema().dump(quota)))
    return call("opportunities", "create_quota", record)


@blp.route("/<quota_id>")
@blp.replies(200, QuotaSchema)
def get_quota(quota_id):
    """Read one quota, with its attainment

    404 when it does not exist or lies outside your scope."""
    scope = scope_for("quota", "read", quota_id)
    return call("opportunities", "get_quota", quota_id, scope)


@blp.route("/<quota_id>", methods=["PATCH"])
@blp.arguments(QuotaUpdateSchema)
@blp.replies(200, QuotaSchema)
def update_quota(changes, quota_id):
    """Change a quota's target"""
    scope = scope_for("quota", "update", quota_id)
    return call("opportunities", "update_quota", quota_id, QuotaUpdateSchema().dump(changes),
                scope)
