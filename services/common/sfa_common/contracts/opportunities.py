"""The opportunities service's contract: accounts (customers, 客户) so far.

``is_valid_credit_code`` lives here, not in the service, because the gateway
validates HTTP input with these same schemas and has no service package installed.
"""
import re

from marshmallow import ValidationError, fields, validate

from sfa_common.schemas import BaseSchema, RecordSchema

# 统一社会信用代码 (GB 32100-2015): 18 characters from this 31-character alphabet
# (no I, O, S, V, Z); characters 3-8 are the administrative-division digits and the
# last one is a check character over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = [pow(3, position, 31) for position in range(17)]
# \Z, not $: Python's $ also matches before a trailing newline.
CREDIT_CODE_PATTERN = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}\Z")


def credit_code_check_character(first_17):
    """The check character GB 32100 assigns to the first 17 characters of a code."""
    total = sum(CREDIT_CODE_ALPHABET.index(character) * weight
                for character, weight in zip(first_17, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code):
    """True when ``code`` is a well-formed unified social credit code with a correct
    check character (a typo in one character is caught this way)."""
    if not isinstance(code, str) or not CREDIT_CODE_PATTERN.match(code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


def _validate_credit_code(code):
    if not CREDIT_CODE_PATTERN.match(code):
        raise ValidationError("Must be 18 characters: digits and uppercase letters "
                              "(no I, O, S, V or Z), characters 3-8 digits.")
    if not is_valid_credit_code(code):
        raise ValidationError("The check character does not match; is a character mistyped?")


def _not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


class AccountCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _not_blank])
    unified_social_credit_code = fields.String(load_default=None, validate=_validate_credit_code)
    industry = fields.String(load_default=None, validate=validate.Length(max=100))
    region = fields.String(load_default=None, validate=validate.Length(max=100))
    owner_id = fields.String(load_default=None)
    department_id = fields.String(load_default=None)
    # The partner organisations whose channel serves this customer (their scope field).
    partner_org_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                  load_default=list)
    partner_user_id = fields.String(load_default=None)   # the partner user who brought it


class AccountSchema(RecordSchema, AccountCreateSchema):
    normalised_name = fields.String(dump_only=True)
