"""POST /language: remember the chosen language in a cookie and go back where the
partner was, but only ever to a path on this site (never an open redirect)."""
from flask import Blueprint, abort, current_app, redirect, url_for
from flask_babel import get_locale

from ..redirects import here, local_path
from . import COOKIE, COOKIE_MAX_AGE, DEFAULT_LANGUAGE, LANGUAGES
from .forms import LanguageForm

bp = Blueprint("language", __name__)


@bp.post("/language")
def switch():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    response = redirect(local_path(form.next.data) or url_for("catalogue.products"))
    response.set_cookie(COOKIE, form.lang.data, max_age=COOKIE_MAX_AGE,
                        httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def language_switcher():
    """Template context for the base layout: the page's language and a fresh form
    for the switcher."""
    current = get_locale().language
    return {
        "language_form": LanguageForm(formdata=None, next=here()),
        "languages": LANGUAGES,
        "current_language": current,
        "html_lang": LANGUAGES.get(current, LANGUAGES[DEFAULT_LANGUAGE])[0],
    }
