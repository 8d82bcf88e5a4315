"""The quote list's status filter (a GET form: no CSRF, it changes nothing)."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectField

from ..labels import QUOTE_STATUS_LABELS
from ..opportunities.forms import choices


class QuoteFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(id="filter-status", validate_choice=True, default="",
                         choices=choices([("", _("Any status")),
                                          *QUOTE_STATUS_LABELS.items()]))

    def filters(self):
        return {"status": self.status.data}
