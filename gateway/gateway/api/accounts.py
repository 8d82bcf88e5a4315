"""Customers (accounts): /api/v1/accounts."""
from sfa_common.contracts.opportunities import AccountCreateSchema, AccountSchema

from ..scopes import owned_new_record, scope_for
from ..services import call
from . import Blueprint

blp = Blueprint("accounts", __name__, url_prefix="/api/v1/accounts",
                description="Customers (客户)")


@blp.route("", methods=["POST"])
@blp.arguments(AccountCreateSchema)
@blp.replies(201, AccountSchema)
def create_account(account):
    """Create a customer (409 when its unified social credit code is already taken)"""
    record = owned_new_record("account", AccountCreateSchema().dump(account))
    return call("opportunities", "create_account", record)


@blp.route("/<account_id>")
@blp.replies(200, AccountSchema)
def get_account(account_id):
    """Read one customer (404 when it does not exist or lies outside your scope)"""
    scope = scope_for("account", "read", account_id)
    return call("opportunities", "get_account", account_id, scope)
