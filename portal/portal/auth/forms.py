"""Sign-in and accept-invitation forms. Labels live in the templates; the messages
here are lazy (translated when shown) and named ``_`` so pybabel extracts them."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

EMAIL_MAX = 254
PASSWORD_MIN = 12
PASSWORD_MAX = 1024  # argon2 takes any length; this only bounds the work per request


class SignInForm(FlaskForm):
    email = StringField(validators=[
        InputRequired(message=_("Enter your email address.")),
        Length(max=EMAIL_MAX, message=_("This email address is too long."))])
    password = PasswordField(validators=[
        InputRequired(message=_("Enter your password.")),
        Length(max=PASSWORD_MAX, message=_("This password is too long."))])
    next = HiddenField()


class AcceptInvitationForm(FlaskForm):
    token = HiddenField()
    password = PasswordField(validators=[
        InputRequired(message=_("Choose a password.")),
        Length(min=PASSWORD_MIN,
               message=_("Use at least %(num)d characters.", num=PASSWORD_MIN)),
        Length(max=PASSWORD_MAX, message=_("This password is too long."))])
    confirm_password = PasswordField(validators=[
        InputRequired(message=_("Enter the password again.")),
        EqualTo("password", message=_("The two passwords are not the same."))])
