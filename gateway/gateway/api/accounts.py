"""Customers (accounts): /api/v1/accounts. Partners get and send the partner view
(``gateway.views``)."""
from sfa_common.contracts.opportunities import (
    AccountCreateSchema,
    AccountPageSchema,
    AccountQuerySchema,
    AccountSchema,
    AccountUpdateSchema,
    PartnerAccountSchema,
)

from ..scopes import owned_new_record, scope_for, with_owner_department
from ..services import call
from ..views import (
    ApiAccountCreateSchema,
    PartnerAccountCreateSchema,
    PartnerAccountPageSchema,
    PartnerAccountQuerySchema,
    PartnerAccountUpdateSchema,
)
from . import Blueprint

blp = Blueprint("accounts", __name__, url_prefix="/api/v1/accounts",
                description="Customers (客户)")


@blp.route("", methods=["GET"])
@blp.arguments(AccountQuerySchema, location="query", partner_schema=PartnerAccountQuerySchema)
@blp.replies(200, AccountPageSchema, partner_view=PartnerAccountPageSchema)
def list_accounts(query):
    """List the customers in your scope

    One page per call; pass `next_cursor` back as `cursor`. `q` finds a name (legal
    suffixes and places ignored)."""
    return call("opportunities", "list_accounts", AccountQuerySchema().dump(query),
                scope_for("account", "read"))


@blp.route("", methods=["POST"])
@blp.arguments(ApiAccountCreateSchema, partner_schema=PartnerAccountCreateSchema)
@blp.replies(201, AccountSchema, partner_view=PartnerAccountSchema)
def create_account(account):
    """Create a customer (409 when its unified social credit code is already taken)"""
    record = owned_new_record("account", AccountCreateSchema().dump(account),
                              owner_department=True)
    return call("opportunities", "create_account", record)


@blp.route("/<account_id>")
@blp.replies(200, AccountSchema, partner_view=PartnerAccountSchema)
def get_account(account_id):
    """Read one customer (404 when it does not exist or lies outside your scope)"""
    scope = scope_for("account", "read", account_id)
    return call("opportunities", "get_account", account_id, scope)


@blp.route("/<account_id>", methods=["PATCH"])
@blp.arguments(AccountUpdateSchema, partner_schema=PartnerAccountUpdateSchema)
@blp.replies(200, AccountSchema, partner_view=PartnerAccountSchema)
def update_account(changes, account_id):
    """Change a customer

    Only the fields sent change. A new owner without a department brings their main
    department; the customer's contacts follow its owner, team, department and
    partners. Partners may change `name`, `industry`, `region` and `segment` only."""
    changes = with_owner_department(AccountUpdateSchema().dump(changes))
    scope = scope_for("account", "update", account_id)
    return call("opportunities", "update_account", account_id, changes, scope)
