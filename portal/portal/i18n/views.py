"""POST /language: remember the chosen language in a cookie and go back where the
partner was, but only ever to a path on this site (never an open redirect)."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import get_locale

from . import COOKIE, COOKIE_MAX_AGE, DEFAULT_LANGUAGE, LANGUAGES
from .forms import LanguageForm

bp = Blueprint("language", __name__)


def local_path(target):
    """``target`` if it is a path on this site, else None. Browsers read "//host" and
    "/\\host" as another host, and drop tabs and newlines inside a URL, so those fail."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\t\r\n") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


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


def here():
    """The current page as a local path with its query string, for the switcher."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


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
