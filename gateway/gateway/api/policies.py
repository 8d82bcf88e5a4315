"""The Casbin policy, managed over HTTP: /api/v1/admin/policies. Grants give a role an
action on an object type with a scope in a domain; role links give a user (or role)
a role in a domain. Changes are stored in the gateway's database at once."""
from flask import current_app
from marshmallow import fields, validate

from sfa_common.errors import NotFound, ValidationFailed
from sfa_common.schemas import BaseSchema

from ..authz import policies
from ..authz.scopes import OBJECT_TYPES, SCOPES
from ..identity.web import require_admin
from . import Blueprint

blp = Blueprint("policies", __name__, url_prefix="/api/v1/admin/policies",
                description="Authorization policy: grants and role links")

_TEXT = {"required": True, "validate": validate.Length(min=1, max=200)}


class GrantSchema(BaseSchema):
    role = fields.String(**_TEXT)
    domain = fields.String(**_TEXT, metadata={"description": "internal or partner:*"})
    object_type = fields.String(required=True, validate=validate.OneOf(OBJECT_TYPES))
    action = fields.String(required=True, validate=validate.OneOf(policies.ACTIONS))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))


class RoleLinkSchema(BaseSchema):
    user = fields.String(**_TEXT, metadata={"description": "a user id or a role"})
    role = fields.String(**_TEXT)
    domain = fields.String(**_TEXT)


class PolicySchema(BaseSchema):
    grants = fields.List(fields.Nested(GrantSchema))
    role_links = fields.List(fields.Nested(RoleLinkSchema))


class DomainQuerySchema(BaseSchema):
    domain = fields.String(load_default=None)


@blp.before_request
def _policy_admins_only():
    require_admin("policy")


def enforcer():
    return current_app.extensions["enforcer"]


def _checked(change, **arguments):
    try:
        return change(enforcer(), **arguments)
    except policies.PolicyRejected as error:
        raise ValidationFailed(str(error), {"_schema": [str(error)]}) from None


@blp.route("", methods=["GET"])
@blp.arguments(DomainQuerySchema, location="query")
@blp.replies(200, PolicySchema)
def get_policy(query):
    """Every grant and role link (optionally of one domain)"""
    return {"grants": policies.list_grants(enforcer(), query["domain"]),
            "role_links": policies.list_role_links(enforcer(), query["domain"])}


@blp.route("/grants", methods=["POST"])
@blp.arguments(GrantSchema)
@blp.replies(201, GrantSchema)
def add_grant(grant):
    """Add a grant (201 even when it was already there: the policy holds it)"""
    _checked(policies.add_grant, **grant)
    return grant


@blp.route("/grants", methods=["DELETE"])
@blp.arguments(GrantSchema)
@blp.replies(200, GrantSchema)
def remove_grant(grant):
    """Remove a grant (404 when there is no such grant)"""
    if not policies.remove_grant(enforcer(), **grant):
        raise NotFound("No such grant.")
    return grant


@blp.route("/role-links", methods=["POST"])
@blp.arguments(RoleLinkSchema)
@blp.replies(201, RoleLinkSchema)
def assign_role(link):
    """Give a user (or role) a role in a domain"""
    _checked(policies.assign_role, **link)
    return link


@blp.route("/role-links", methods=["DELETE"])
@blp.arguments(RoleLinkSchema)
@blp.replies(200, RoleLinkSchema)
def unassign_role(link):
    """Take a role back (404 when the link does not exist)"""
    if not policies.unassign_role(enforcer(), **link):
        raise NotFound("No such role link.")
    return link
