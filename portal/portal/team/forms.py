"""Team forms. Messages are lazy and named ``_`` so pybabel extracts them."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from ..auth.users import PARTNER_ADMIN, PARTNER_REP

ROLE_LABELS = {PARTNER_REP: _("Sales rep"), PARTNER_ADMIN: _("Partner admin")}
STATUS_LABELS = {"invited": _("Invited"), "active": _("Active"), "disabled": _("Disabled")}


class InviteForm(FlaskForm):
    name = StringField(validators=[
        InputRequired(message=_("Enter the person's name.")),
        Length(max=200, message=_("This name is too long."))])
    email = StringField(validators=[
        InputRequired(message=_("Enter an email address.")),
        Length(max=254, message=_("This email address is too long."))])
    role = SelectField(choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
                       default=PARTNER_REP, validate_choice=True)


class RoleForm(FlaskForm):
    role = StringField(validators=[InputRequired(), AnyOf(list(ROLE_LABELS))])


class ActiveForm(FlaskForm):
    """``active`` is "true" (enable) or "false" (disable)."""
    active = StringField(validators=[InputRequired(), AnyOf(["true", "false"])])
