"""The offers list's status filter and the decline form (one per offered row; its
reason field's id names the offer, the stable id the browser tests use)."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..labels import OFFER_STATUS_LABELS
from ..opportunities.forms import blank_to_none, choices

OFFERED = "offered"


class OfferFilterForm(FlaskForm):
    """From the query string (a GET form: no CSRF). Open offers first, by default."""

    class Meta:
        csrf = False

    status = SelectField(id="filter-status", validate_choice=True, default=OFFERED,
                         choices=choices([*OFFER_STATUS_LABELS.items(), ("", _("Any status"))]))

    def filters(self):
        return {"status": self.status.data}


class DeclineForm(FlaskForm):
    reason = TextAreaField(filters=[blank_to_none], validators=[
        DataRequired(message=_("Say why you decline this lead.")),
        Length(max=2000, message=_("At most %(max)d characters.", max=2000))])


class AcceptForm(FlaskForm):
    """Nothing but the CSRF token."""
