"""Contacts: /api/v1/accounts/<account_id>/contacts and /api/v1/contacts/<contact_id>.

A contact belongs to one customer and carries its customer's owner, team, department
and partners, so the customer's scopes select its contacts too. Partners see
contacts as they are."""
from sfa_common.contracts.opportunities import (
    ContactCreateSchema,
    ContactPageSchema,
    ContactQuerySchema,
    ContactSchema,
    ContactUpdateSchema,
)
from sfa_common.errors import NotFound, ValidationFailed

from ..scopes import require, scope_for
from ..services import call
from . import Blueprint

blp = Blueprint("contacts", __name__, url_prefix="/api/v1", description="Contacts (联系人)")


class AccountContactQuerySchema(ContactQuerySchema):
    """The customer is the one in the path."""

    class Meta(ContactQuerySchema.Meta):
        exclude = ("account_id",)


class AccountContactCreateSchema(ContactCreateSchema):
    """The customer is the one in the path; ``source_key`` is the services' own (see
    ``gateway.views``)."""

    class Meta(ContactCreateSchema.Meta):
        exclude = ("account_id", "source_key")


@blp.route("/accounts/<account_id>/contacts", methods=["GET"])
@blp.arguments(AccountContactQuerySchema, location="query")
@blp.replies(200, ContactPageSchema)
def list_contacts(query, account_id):
    """List a customer's contacts in your scope

    One page per call; pass `next_cursor` back as `cursor`."""
    wire = ContactQuerySchema().dump({**query, "account_id": account_id})
    return call("opportunities", "list_contacts", wire, scope_for("contact", "read"))


@blp.route("/accounts/<account_id>/contacts", methods=["POST"])
@blp.arguments(AccountContactCreateSchema)
@blp.replies(201, ContactSchema)
def create_contact(contact, account_id):
    """Add a contact to a customer you may change

    404 when the customer does not exist or you may not change it."""
    require("contact", "create")
    scope = scope_for("account", "update", account_id)
    payload = ContactCreateSchema().dump({**contact, "account_id": account_id})
    try:
        return call("opportunities", "create_contact", payload, scope)
    except ValidationFailed as error:
        # The service names the customer as a field of the body; here it is the path.
        if "account_id" in error.details:
            raise NotFound(f"No account {account_id!r}.") from None
        raise


@blp.route("/contacts/<contact_id>")
@blp.replies(200, ContactSchema)
def get_contact(contact_id):
    """Read one contact (404 when it does not exist or lies outside your scope)"""
    scope = scope_for("contact", "read", contact_id)
    return call("opportunities", "get_contact", contact_id, scope)


@blp.route("/contacts/<contact_id>", methods=["PATCH"])
@blp.arguments(ContactUpdateSchema)
@blp.replies(200, ContactSchema)
def update_contact(changes, contact_id):
    """Change a contact

    Only the fields sent change; the contact stays with its customer."""
    scope = scope_for("contact", "update", contact_id)
    return call("opportunities", "update_contact", contact_id,
                ContactUpdateSchema().dump(changes), scope)
