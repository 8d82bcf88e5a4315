"""The commission service's contract: commission periods (佣金结算期间) so far.

A period is one calendar month, named by its key ("2026-11"); its first and last days
follow from the key, so they are never input.
"""
from marshmallow import fields, validate

from sfa_common.periods import PERIOD_KEY_PATTERN
from sfa_common.schemas import BaseSchema, RecordSchema

PERIOD_STATES = ("open", "closed")


class PeriodCreateSchema(BaseSchema):
    key = fields.String(required=True, validate=validate.Regexp(
        PERIOD_KEY_PATTERN, error="Must be a month as YYYY-MM, e.g. 2026-11."))


class PeriodSchema(RecordSchema, PeriodCreateSchema):
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
