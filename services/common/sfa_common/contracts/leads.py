"""The leads service's contract: what ``create_lead`` accepts and what reads return."""
from marshmallow import fields, validate

from sfa_common.schemas import BaseSchema, RecordSchema

LEAD_STATES = ("unprocessed", "following_up", "converted", "invalid", "voided")
LEAD_SOURCES = ("web", "phone", "event", "referral", "partner", "campaign", "import", "other")


class LeadCreateSchema(BaseSchema):
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_name = fields.String(load_default=None, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"\+?[0-9][0-9 \-]{4,19}\Z", error="Not a valid phone number."))
    email = fields.Email(load_default=None)
    source = fields.String(load_default="other", validate=validate.OneOf(LEAD_SOURCES))
    region = fields.String(load_default=None, validate=validate.Length(max=100))
    industry = fields.String(load_default=None, validate=validate.Length(max=100))
    products_of_interest = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                       load_default=list)
    owner_id = fields.String(load_default=None)
    team_member_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                  load_default=list)
    department_id = fields.String(load_default=None)
    partner_org_id = fields.String(load_default=None)   # partner-sourced leads
    partner_user_id = fields.String(load_default=None)
    notes = fields.String(load_default=None, validate=validate.Length(max=2000))


class LeadSchema(RecordSchema, LeadCreateSchema):
    normalised_company = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
