"""The admin API: /api/v1/admin. Internal users, the department tree, user groups,
partner organisations and their users, sharing rules. Internal admins only."""
from ..identity import schemas as s
from ..identity.web import identity, require_admin
from . import Blueprint

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="Administration: users, org tree, groups, partners, sharing")


@blp.before_request
def _admins_only():
    require_admin()


def store():
    return identity().store


def _page(collection, item_schema, query, wanted):
    docs, next_cursor = store().page(collection, query, wanted["cursor"], wanted["limit"])
    return {"items": item_schema(many=True).dump(docs), "next_cursor": next_cursor}


# -- internal users ---------------------------------------------------------------------

@blp.route("/users", methods=["GET"])
@blp.arguments(s.PageQuerySchema, location="query")
@blp.replies(200, s.UserPageSchema)
def list_users(wanted):
    """Internal users, one page per call"""
    return _page("users", s.UserSchema, {}, wanted)


@blp.route("/users", methods=["POST"])
@blp.arguments(s.UserCreateSchema)
@blp.replies(201, s.UserSchema)
def create_user(user):
    """Create an internal user with an initial password (409 when the email is taken)"""
    password_hash = identity().passwords.hash(user.pop("password"))
    return s.UserSchema().dump(store().create_user(user, password_hash))


@blp.route("/users/<user_id>", methods=["GET"])
@blp.replies(200, s.UserSchema)
def get_user(user_id):
    """One internal user"""
    return s.UserSchema().dump(store().get("users", user_id))


@blp.route("/users/<user_id>", methods=["PATCH"])
@blp.arguments(s.UserUpdateSchema)
@blp.replies(200, s.UserSchema)
def update_user(changes, user_id):
    """Change roles, departments, manager, name or email; `active: false` disables the
    user and a new `password` resets theirs (both revoke every token they hold)"""
    password = changes.pop("password", None)
    password_hash = identity().passwords.hash(password) if password else None
    return s.UserSchema().dump(store().update_user(user_id, changes, password_hash))


# -- departments -------------------------------------------------------------------------

@blp.route("/departments", methods=["GET"])
@blp.arguments(s.PageQuerySchema, location="query")
@blp.replies(200, s.DepartmentPageSchema)
def list_departments(wanted):
    """Departments of the org tree, one page per call"""
    return _page("departments", s.DepartmentSchema, {}, wanted)


@blp.route("/departments", methods=["POST"])
@blp.arguments(s.DepartmentCreateSchema)
@blp.replies(201, s.DepartmentSchema)
def create_department(department):
    """Add a department under `parent_id` (none: a top-level department)"""
    return s.DepartmentSchema().dump(store().create_department(department))


@blp.route("/departments/<department_id>", methods=["GET"])
@blp.replies(200, s.DepartmentSchema)
def get_department(department_id):
    """One department"""
    return s.DepartmentSchema().dump(store().get("departments", department_id))


@blp.route("/departments/<department_id>", methods=["PATCH"])
@blp.arguments(s.DepartmentUpdateSchema)
@blp.replies(200, s.DepartmentSchema)
def update_department(changes, department_id):
    """Rename, move (a move under its own sub-department is refused) or change the head"""
    return s.DepartmentSchema().dump(store().update_department(department_id, changes))


@blp.route("/departments/<department_id>", methods=["DELETE"])
@blp.alt_response(204, success=True, description="Deleted")
def delete_department(department_id):
    """Delete a department that has no sub-departments, members or sharing rules (else 409)"""
    store().delete_department(department_id)
    return "", 204


# -- user groups ---------------------------------------------------------------------------

@blp.route("/groups", methods=["GET"])
@blp.arguments(s.PageQuerySchema, location="query")
@blp.replies(200, s.GroupPageSchema)
def list_groups(wanted):
    """User groups, one page per call"""
    return _page("groups", s.GroupSchema, {}, wanted)


@blp.route("/groups", methods=["POST"])
@blp.arguments(s.GroupCreateSchema)
@blp.replies(201, s.GroupSchema)
def create_group(group):
    """Create a user group"""
    return s.GroupSchema().dump(store().create_group(group))


@blp.route("/groups/<group_id>", methods=["GET"])
@blp.replies(200, s.GroupSchema)
def get_group(group_id):
    """One user group"""
    return s.GroupSchema().dump(store().get("groups", group_id))


@blp.route("/groups/<group_id>", methods=["PATCH"])
@blp.arguments(s.GroupUpdateSchema)
@blp.replies(200, s.GroupSchema)
def update_group(changes, group_id):
    """Rename a group or replace its members"""
    return s.GroupSchema().dump(store().update_group(group_id, changes))


@blp.route("/groups/<group_id>", methods=["DELETE"])
@blp.alt_response(204, success=True, description="Deleted")
def delete_group(group_id):
    """Delete a group no sharing rule shares with (else 409)"""
    store().delete_group(group_id)
    return "", 204


# -- partner organisations -------------------------------------------------------------

@blp.route("/partner-orgs", methods=["GET"])
@blp.arguments(s.PageQuerySchema, location="query")
@blp.replies(200, s.PartnerOrgPageSchema)
def list_partner_orgs(wanted):
    """Partner organisations, one page per call"""
    return _page("partner_orgs", s.PartnerOrgSchema, {}, wanted)


@blp.route("/partner-orgs", methods=["POST"])
@blp.arguments(s.PartnerOrgCreateSchema)
@blp.replies(201, s.PartnerOrgSchema)
def create_partner_org(org):
    """Register a partner organisation (a reseller names its distributor)"""
    return s.PartnerOrgSchema().dump(store().create_org(org))


@blp.route("/partner-orgs/<org_id>", methods=["GET"])
@blp.replies(200, s.PartnerOrgSchema)
def get_partner_org(org_id):
    """One partner organisation"""
    return s.PartnerOrgSchema().dump(store().get("partner_orgs", org_id))


@blp.route("/partner-orgs/<org_id>", methods=["PATCH"])
@blp.arguments(s.PartnerOrgUpdateSchema)
@blp.replies(200, s.PartnerOrgSchema)
def update_partner_org(changes, org_id):
    """Change tier, channel manager or distributor; `status: suspended` suspends the
    organisation (its users cannot sign in and their tokens are revoked)"""
    return s.PartnerOrgSchema().dump(store().update_org(org_id, changes))


# -- partner users --------------------------------------------------------------------------

@blp.route("/partner-users", methods=["GET"])
@blp.arguments(s.AdminPartnerUserQuerySchema, location="query")
@blp.replies(200, s.AdminPartnerUserPageSchema)
def list_partner_users(wanted):
    """Partner users, of one organisation with `org_id`, one page per call"""
    query = {"org_id": wanted["org_id"]} if wanted["org_id"] else {}
    return _page("partner_users", s.AdminPartnerUserSchema, query, wanted)


@blp.route("/partner-users", methods=["POST"])
@blp.arguments(s.AdminPartnerUserCreateSchema)
@blp.replies(201, s.AdminPartnerUserInvitationSchema)
def create_partner_user(user):
    """Invite a partner user; the answer carries the invitation token, once"""
    token, digest, expires_at = identity().new_invitation()
    doc = store().create_partner_user(user, digest, expires_at)
    return s.AdminPartnerUserInvitationSchema().dump(
        {"user": doc, "invitation_token": token, "invitation_expires_at": expires_at})


@blp.route("/partner-users/<user_id>", methods=["GET"])
@blp.replies(200, s.AdminPartnerUserSchema)
def get_partner_user(user_id):
    """One partner user"""
    return s.AdminPartnerUserSchema().dump(store().get("partner_users", user_id))


@blp.route("/partner-users/<user_id>", methods=["PATCH"])
@blp.arguments(s.AdminPartnerUserUpdateSchema)
@blp.replies(200, s.AdminPartnerUserSchema)
def update_partner_user(changes, user_id):
    """Rename, change the role, or disable (`active: false`, revoking their tokens)"""
    return s.AdminPartnerUserSchema().dump(store().update_partner_user(user_id, changes))


# -- sharing rules ------------------------------------------------------------------------

@blp.route("/sharing-rules", methods=["GET"])
@blp.arguments(s.PageQuerySchema, location="query")
@blp.replies(200, s.SharingRulePageSchema)
def list_sharing_rules(wanted):
    """Sharing rules, one page per call"""
    return _page("sharing_rules", s.SharingRuleSchema, {}, wanted)


@blp.route("/sharing-rules", methods=["POST"])
@blp.arguments(s.SharingRuleCreateSchema)
@blp.replies(201, s.SharingRuleSchema)
def create_sharing_rule(rule):
    """Share the records of an owner or a department with a user, a department or a group"""
    return s.SharingRuleSchema().dump(store().create_sharing_rule(rule))


@blp.route("/sharing-rules/<rule_id>", methods=["GET"])
@blp.replies(200, s.SharingRuleSchema)
def get_sharing_rule(rule_id):
    """One sharing rule"""
    return s.SharingRuleSchema().dump(store().get("sharing_rules", rule_id))


@blp.route("/sharing-rules/<rule_id>", methods=["DELETE"])
@blp.alt_response(204, success=True, description="Deleted")
def delete_sharing_rule(rule_id):
    """Stop sharing"""
    store().delete_sharing_rule(rule_id)
    return "", 204
