"""A partner admin manages their own organisation's users: /api/v1/partner/users.
Another organisation's user answers 404, exactly like one that does not exist."""
from sfa_common.errors import Forbidden

from ..identity.schemas import (
    PageQuerySchema,
    PartnerUserCreateSchema,
    PartnerUserInvitationSchema,
    PartnerUserPageSchema,
    PartnerUserSchema,
    PartnerUserUpdateSchema,
)
from ..identity.store import object_id
from ..identity.web import identity, require_partner_admin
from . import Blueprint

blp = Blueprint("partner_users", __name__, url_prefix="/api/v1/partner/users",
                description="Partner admins: their organisation's users")


@blp.before_request
def _partner_admins_only():
    require_partner_admin()


def _my_org():
    return require_partner_admin().user["org_id"]


@blp.route("", methods=["GET"])
@blp.arguments(PageQuerySchema, location="query")
@blp.replies(200, PartnerUserPageSchema)
def list_users(wanted):
    """Your organisation's users, one page per call"""
    docs, next_cursor = identity().store.page("partner_users", {"org_id": _my_org()},
                                              wanted["cursor"], wanted["limit"])
    return {"items": PartnerUserSchema(many=True).dump(docs), "next_cursor": next_cursor}


@blp.route("", methods=["POST"])
@blp.arguments(PartnerUserCreateSchema)
@blp.replies(201, PartnerUserInvitationSchema)
def invite_user(user):
    """Invite a colleague; the answer carries the invitation token, shown once"""
    token, digest, expires_at = identity().new_invitation()
    doc = identity().store.create_partner_user({**user, "org_id": _my_org()}, digest,
                                               expires_at)
    return PartnerUserInvitationSchema().dump(
        {"user": doc, "invitation_token": token, "invitation_expires_at": expires_at})


@blp.route("/<user_id>", methods=["PATCH"])
@blp.arguments(PartnerUserUpdateSchema)
@blp.replies(200, PartnerUserSchema)
def update_user(changes, user_id):
    """Change a colleague's role, or disable (`active: false`) or re-enable them;
    you cannot demote or disable yourself"""
    me = require_partner_admin()
    if object_id(user_id) == me.user["_id"] and (
            changes.get("role", "partner_admin") != "partner_admin"
            or changes.get("active", True) is False):
        raise Forbidden("A partner admin cannot demote or disable themselves; "
                        "ask another partner admin.")
    return PartnerUserSchema().dump(
        identity().store.update_partner_user(user_id, changes, org_id=me.user["org_id"]))
