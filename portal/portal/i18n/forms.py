"""The language switcher, a POST form like every other (CSRF-protected)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired

from . import LANGUAGES


class LanguageForm(FlaskForm):
    lang = StringField(validators=[InputRequired(), AnyOf(list(LANGUAGES))])
    next = HiddenField()
