"""The customer search (a GET form, no CSRF: it changes nothing). Its field name is
the gateway's, so the gateway's error on it lands next to it."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ..opportunities.forms import SEARCH_MAX, blank_to_none


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(id="customer-search", filters=[blank_to_none], validators=[
        Length(max=SEARCH_MAX, message=_("Search for at most %(max)d characters.",
                                         max=SEARCH_MAX))])
