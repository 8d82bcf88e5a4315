"""The identity API's wire formats. Each request schema refuses unknown fields
(BaseSchema); each is also what the OpenAPI document shows."""
from marshmallow import fields, validate

from sfa_common.schemas import BaseSchema, ObjectIdField, RecordSchema, UTCDateTime

from .passwords import MAX_LENGTH, password_problem
from .store import (
    INTERNAL_ROLES,
    ORG_STATUSES,
    PARTNER_ROLES,
    PARTNER_USER_STATUSES,
    SHARING_SOURCES,
    SHARING_TARGETS,
    TIERS,
)

DEFAULT_PAGE = 50
MAX_PAGE = 200


def Name(**kwargs):  # noqa: N802 - a field factory reads like a field class
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)


def Reference(**kwargs):  # noqa: N802
    """An optional id of another record; null clears it."""
    return ObjectIdField(allow_none=True, **kwargs)


class EmailField(fields.Email):
    """An email address, compared and stored in lower case."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=254), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class NewPassword(fields.String):
    """A password being set: the one policy in passwords.py."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = password_problem(text)
        if problem:
            raise self.make_error("policy", problem=problem)
        return text

    default_error_messages = {"policy": "{problem}"}


class StrictBoolean(fields.Boolean):
    """JSON true or false; not "no", 0 or "off", which marshmallow would take."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Password(**kwargs):  # noqa: N802 - a password being checked, never a policy error
    return fields.String(validate=validate.Length(max=MAX_LENGTH), **kwargs)


# -- authentication --------------------------------------------------------------------

class SignInSchema(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = Password(required=True)
    audience = fields.String(load_default="api", validate=validate.OneOf(["api", "portal"]),
                             metadata={"description": "api: internal users' API token; "
                                                      "portal: a partner user's, through "
                                                      "the portal"})


class PartnerOrgBriefSchema(BaseSchema):
    id = fields.String()
    name = fields.String()
    tier = fields.String()


class MeSchema(BaseSchema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["internal", "partner"]})
    name = fields.String()
    email = fields.String()
    roles = fields.List(fields.String())
    partner_org = fields.Nested(PartnerOrgBriefSchema, allow_none=True)


class TokenSchema(BaseSchema):
    access_token = fields.String()
    token_type = fields.String(metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(metadata={"description": "seconds"})
    user = fields.Nested(MeSchema)


class ChangePasswordSchema(BaseSchema):
    current_password = Password(required=True)
    new_password = NewPassword(required=True)


class AcceptInvitationSchema(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = NewPassword(required=True)


# -- paging ------------------------------------------------------------------------------

class PageQuerySchema(BaseSchema):
    limit = fields.Integer(load_default=DEFAULT_PAGE,
                           validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = ObjectIdField(load_default=None, metadata={
        "description": "`next_cursor` of the previous page"})


def page_schema(item_schema, name):
    return type(name, (BaseSchema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True)})


# -- internal users ----------------------------------------------------------------------

class UserCreateSchema(BaseSchema):
    name = Name(required=True)
    email = EmailField(required=True)
    password = NewPassword(required=True, load_only=True)
    roles = fields.List(fields.String(validate=validate.OneOf(INTERNAL_ROLES)),
                        load_default=list)
    main_department_id = Reference(load_default=None)
    department_ids = fields.List(ObjectIdField(), load_default=list,
                                 metadata={"description": "departments besides the main one"})
    manager_id = Reference(load_default=None)
    active = StrictBoolean(load_default=True)


class UserUpdateSchema(BaseSchema):
    name = Name()
    email = EmailField()
    password = NewPassword(load_only=True, metadata={
        "description": "an admin's reset: revokes every token the user holds"})
    roles = fields.List(fields.String(validate=validate.OneOf(INTERNAL_ROLES)))
    main_department_id = Reference()
    department_ids = fields.List(ObjectIdField())
    manager_id = Reference()
    active = StrictBoolean(metadata={"description": "false disables the user and revokes "
                                                     "every token they hold"})


class UserSchema(RecordSchema):
    name = fields.String()
    email = fields.String()
    roles = fields.List(fields.String())
    main_department_id = ObjectIdField(allow_none=True)
    department_ids = fields.List(ObjectIdField())
    manager_id = ObjectIdField(allow_none=True)
    active = StrictBoolean()


UserPageSchema = page_schema(UserSchema, "UserPageSchema")


# -- departments and groups --------------------------------------------------------------

class DepartmentCreateSchema(BaseSchema):
    name = Name(required=True)
    parent_id = Reference(load_default=None)
    head_id = Reference(load_default=None)


class DepartmentUpdateSchema(BaseSchema):
    name = Name()
    parent_id = Reference()
    head_id = Reference()


class DepartmentSchema(RecordSchema):
    name = fields.String()
    parent_id = ObjectIdField(allow_none=True)
    head_id = ObjectIdField(allow_none=True)


DepartmentPageSchema = page_schema(DepartmentSchema, "DepartmentPageSchema")


class GroupCreateSchema(BaseSchema):
    name = Name(required=True)
    member_ids = fields.List(ObjectIdField(), load_default=list)


class GroupUpdateSchema(BaseSchema):
    name = Name()
    member_ids = fields.List(ObjectIdField())


class GroupSchema(RecordSchema):
    name = fields.String()
    member_ids = fields.List(ObjectIdField())


GroupPageSchema = page_schema(GroupSchema, "GroupPageSchema")


# -- partner organisations and partner users -------------------------------------------------

class PartnerOrgCreateSchema(BaseSchema):
    name = Name(required=True)
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    region = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=100), metadata={
                               "description": "where it sells: lead offers by rule prefer "
                                              "partners of the lead's region"})
    channel_manager_id = Reference(load_default=None)
    parent_distributor_id = Reference(load_default=None, metadata={
        "description": "two-tier distribution: the distributor this reseller sells under"})
    status = fields.String(load_default="active", validate=validate.OneOf(ORG_STATUSES))


class PartnerOrgUpdateSchema(BaseSchema):
    name = Name()
    tier = fields.String(validate=validate.OneOf(TIERS))
    region = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    channel_manager_id = Reference()
    parent_distributor_id = Reference()
    status = fields.String(validate=validate.OneOf(ORG_STATUSES), metadata={
        "description": "suspended: its users cannot sign in and their tokens are revoked"})


class PartnerOrgSchema(RecordSchema):
    name = fields.String()
    tier = fields.String()
    region = fields.String(allow_none=True)
    channel_manager_id = ObjectIdField(allow_none=True)
    parent_distributor_id = ObjectIdField(allow_none=True)
    status = fields.String()


PartnerOrgPageSchema = page_schema(PartnerOrgSchema, "PartnerOrgPageSchema")


class PartnerUserSchema(BaseSchema):
    id = ObjectIdField(attribute="_id")
    name = fields.String()
    email = fields.String()
    role = fields.String(metadata={"enum": list(PARTNER_ROLES)})
    status = fields.String(metadata={"enum": list(PARTNER_USER_STATUSES)})
    created_at = UTCDateTime()


PartnerUserPageSchema = page_schema(PartnerUserSchema, "PartnerUserPageSchema")


class PartnerUserCreateSchema(BaseSchema):
    name = Name(required=True)
    email = EmailField(required=True)
    role = fields.String(required=True, validate=validate.OneOf(PARTNER_ROLES))


class PartnerUserUpdateSchema(BaseSchema):
    role = fields.String(validate=validate.OneOf(PARTNER_ROLES))
    active = StrictBoolean(metadata={"description": "false disables the user and revokes "
                                                     "every token they hold"})


class PartnerUserInvitationSchema(BaseSchema):
    user = fields.Nested(PartnerUserSchema)
    invitation_token = fields.String(metadata={
        "description": "shown once; the user accepts it at POST /api/v1/auth/accept-invitation"})
    invitation_expires_at = UTCDateTime()


class AdminPartnerUserSchema(PartnerUserSchema):
    org_id = ObjectIdField()
    updated_at = UTCDateTime()


AdminPartnerUserPageSchema = page_schema(AdminPartnerUserSchema, "AdminPartnerUserPageSchema")


class AdminPartnerUserCreateSchema(PartnerUserCreateSchema):
    org_id = ObjectIdField(required=True)


class AdminPartnerUserUpdateSchema(PartnerUserUpdateSchema):
    name = Name()


class AdminPartnerUserQuerySchema(PageQuerySchema):
    org_id = ObjectIdField(load_default=None)


class AdminPartnerUserInvitationSchema(PartnerUserInvitationSchema):
    user = fields.Nested(AdminPartnerUserSchema)


# -- sharing rules --------------------------------------------------------------------------

class SharingRuleCreateSchema(BaseSchema):
    source = fields.String(required=True, validate=validate.OneOf(list(SHARING_SOURCES)),
                           metadata={"description": "share the records of an owner "
                                                    "(a user) or of a department"})
    source_id = ObjectIdField(required=True)
    target = fields.String(required=True, validate=validate.OneOf(list(SHARING_TARGETS)),
                           metadata={"description": "with a user, a department or a group"})
    target_id = ObjectIdField(required=True)


class SharingRuleSchema(RecordSchema):
    source = fields.String()
    source_id = ObjectIdField()
    target = fields.String()
    target_id = ObjectIdField()


SharingRulePageSchema = page_schema(SharingRuleSchema, "SharingRulePageSchema")
