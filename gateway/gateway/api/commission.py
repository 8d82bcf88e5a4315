"""Commission periods: /api/v1/commission/periods."""
from sfa_common.contracts.commission import PeriodCreateSchema, PeriodSchema

from ..scopes import require
from ..services import call
from . import Blueprint

blp = Blueprint("commission", __name__, url_prefix="/api/v1/commission",
                description="Commission (佣金)")


@blp.route("/periods", methods=["POST"])
@blp.arguments(PeriodCreateSchema)
@blp.replies(201, PeriodSchema)
def create_period(period):
    """Open a commission period for a month (409 when it exists)"""
    require("commission_period", "create")
    return call("commission", "create_period", PeriodCreateSchema().dump(period))


@blp.route("/periods/<key>")
@blp.replies(200, PeriodSchema)
def get_period(key):
    """Read one period by its key, e.g. 2026-11"""
    require("commission_period", "read")
    return call("commission", "get_period", key)
