"""The register-a-deal form (also the edit form of a draft or returned registration),
the list's status filter and the conflict preview's input. Field names are the
gateway's, so its field errors land next to the fields; ids are the stable ones the
browser tests use. Messages are lazy and named ``_`` so pybabel extracts them."""
import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..labels import REGISTRATION_STATUS_LABELS
from ..opportunities.forms import SEARCH_MAX, blank_to_none, choices, day

CURRENCY = "CNY"  # partners register deals in yuan
# A unified social credit code (统一社会信用代码): 18 characters, digits and capitals
# without I, O, S, V, Z. The gateway checks it too (and its check character); this
# catches a half-typed one before a trip.
CREDIT_CODE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}\Z")
PHONE = r"\+?[0-9][0-9 ()-]{4,30}\Z"
# Only the obvious slip (no @, spaces); the gateway's check is the real one.
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+\Z"


def upper_stripped(text):
    text = blank_to_none(text)
    return text.upper() if text else text


def at_most(limit):
    return Length(max=limit, message=_("At most %(max)d characters.", max=limit))


class RegistrationForm(FlaskForm):
    """What a partner says about the deal it registers. ``draft()`` is the gateway's
    create body; ``changes()`` its PATCH body (every field, an emptied one cleared)."""
    company = StringField(id="company", filters=[blank_to_none], validators=[
        DataRequired(message=_("Name the customer's company.")), at_most(200)])
    unified_social_credit_code = StringField(
        id="credit-code", filters=[upper_stripped], validators=[
            Optional(), Regexp(CREDIT_CODE, message=_(
                "A unified social credit code is 18 digits and capital letters."))])
    contact_name = StringField(id="contact-name", filters=[blank_to_none],
                               validators=[at_most(100)])
    phone = StringField(id="phone", filters=[blank_to_none], validators=[
        Optional(), Regexp(PHONE, message=_(
            "Digits, spaces, brackets and dashes, with an optional leading +."))])
    email = StringField(id="email", filters=[blank_to_none], validators=[
        Optional(), Regexp(EMAIL, message=_("Not a valid email address.")), at_most(254)])
    region = StringField(id="region", filters=[blank_to_none], validators=[at_most(100)])
    industry = StringField(id="industry", filters=[blank_to_none], validators=[at_most(100)])
    # A draft may leave these two out; submitting needs both (see ``validate_for``).
    estimated_amount = DecimalField(id="amount", places=None, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), message=_("More than zero."))])
    expected_close_date = DateField(id="close-date", format="%Y-%m-%d",
                                    validators=[Optional()])
    notes = TextAreaField(id="notes", filters=[blank_to_none], validators=[at_most(2000)])

    TEXT_FIELDS = ("company", "unified_social_credit_code", "contact_name", "phone",
                   "email", "region", "industry", "notes")

    def validate_for(self, submitting):
        """``validate_on_submit``, and when the registration is to be submitted, the
        amount and the close date the channel manager's approval needs."""
        valid = self.validate_on_submit()
        if submitting:
            for name, message in (("estimated_amount", _("Estimate the deal's amount.")),
                                  ("expected_close_date",
                                   _("Give the expected close date."))):
                if self[name].data is None and not self[name].errors:
                    self[name].errors = [*self[name].errors, message]
                    valid = False
        return valid

    @classmethod
    def of(cls, registration):
        """The form showing a stored registration (no submitted data)."""
        amount = (registration.get("estimated_amount") or {}).get("amount")
        data = {name: registration.get(name) for name in cls.TEXT_FIELDS}
        data["estimated_amount"] = Decimal(str(amount)) if amount not in (None, "") else None
        data["expected_close_date"] = _date(registration.get("expected_close_date"))
        return cls(formdata=None, data=data)

    def changes(self):
        body = {name: self[name].data for name in self.TEXT_FIELDS}
        amount = self.estimated_amount.data
        body["estimated_amount"] = None if amount is None else {
            "amount": str(amount), "currency": CURRENCY}
        body["expected_close_date"] = day(self.expected_close_date.data)
        return body

    def draft(self):
        """The create body: only what was given (the gateway fills its defaults)."""
        return {name: value for name, value in self.changes().items() if value is not None}

    def probe(self):
        """What the conflict preview looks at, when there is something to look at."""
        return conflict_probe(self.company.data, self.unified_social_credit_code.data)


def conflict_probe(company, credit_code):
    """The conflict preview's body: the company (the gateway needs one) and the credit
    code once it is complete (a half-typed one would only be refused), else None."""
    company = blank_to_none(company)
    if not company:
        return None
    probe = {"company": company}
    credit_code = upper_stripped(credit_code)
    if credit_code and CREDIT_CODE.match(credit_code):
        probe["unified_social_credit_code"] = credit_code
    return probe


def _date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class RegistrationFilterForm(FlaskForm):
    """The list's filters, from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(id="filter-status", validate_choice=True, default="", choices=choices(
        [("", _("Any status")), *REGISTRATION_STATUS_LABELS.items()]))
    q = StringField(id="filter-q", filters=[blank_to_none], validators=[
        Length(max=SEARCH_MAX, message=_("Search for at most %(max)d characters.",
                                         max=SEARCH_MAX))])

    def filters(self):
        return {"status": self.status.data, "q": self.q.data}
