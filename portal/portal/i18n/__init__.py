"""Which language a page is in: the ``lang`` cookie (set by the switcher) if it names a
supported language, else the browser's Accept-Language, else Simplified Chinese."""
from flask import request

DEFAULT_LANGUAGE = "zh"
# code -> (the <html lang> value, the language's own name). Each language is offered
# under its own name, which is why these names are not translated.
LANGUAGES = {
    "zh": ("zh-CN", "简体中文"),
    "en": ("en", "English"),
}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale():
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language() or DEFAULT_LANGUAGE


def from_accept_language():
    """The browser's most preferred language we speak, by primary tag ("zh-CN",
    "zh-Hans-CN" -> zh; "en-GB" -> en). Werkzeug's ``best_match`` would let an exact
    "en;q=0.5" beat "zh-CN;q=0.9", as it tries exact matches before primary tags."""
    for value, quality in request.accept_languages:  # highest quality first
        primary = value.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return None


def vary_on_language(response):
    """A page's language follows these headers, so a shared cache must key on them."""
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
