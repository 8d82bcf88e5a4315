"""The Chinese catalogue is complete and its compiled .mo matches the .po: a visible
string added without a translation, or a .po edited without `pybabel compile`, fails."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PORTAL = Path(__file__).resolve().parents[2] / "portal"
CATALOGUE = PORTAL / "portal" / "translations" / "zh" / "LC_MESSAGES"
METHOD_MAP = [("portal/**.py", "python"), ("portal/**/templates/**.html", "jinja2")]


def source_messages():
    return {message for _, _, message, _, _ in extract_from_dir(str(PORTAL), METHOD_MAP)}


def po_catalogue():
    with open(CATALOGUE / "messages.po", "rb") as file:
        return read_po(file)


def test_babel_cfg_matches_the_method_map_used_here():
    text = (PORTAL / "babel.cfg").read_text()

    assert "[python: portal/**.py]" in text
    assert "[jinja2: portal/**/templates/**.html]" in text


def test_the_source_has_visible_strings_to_check():
    messages = source_messages()

    assert "Product catalogue" in messages
    assert "Service temporarily unavailable" in messages
    assert "Sign in" in messages
    assert "Enter your password." in messages  # lazy form messages are extracted too
    assert ("Too many sign-in attempts. Please try again in %(num)d minute.",
            "Too many sign-in attempts. Please try again in %(num)d minutes.") in messages


def is_translated(string):
    """A plural message's translation is a tuple, one string per plural form."""
    forms = string if isinstance(string, tuple | list) else (string,)
    return bool(forms) and all(forms)


def test_every_visible_string_has_a_chinese_translation():
    translated = {m.id: m.string for m in po_catalogue() if m.id and not m.fuzzy}

    missing = sorted((m for m in source_messages() if not is_translated(translated.get(m))),
                     key=str)

    assert missing == []


def frozen(value):
    """A plural message's id and string are sequences: lists from the .mo, tuples from
    the .po."""
    return tuple(value) if isinstance(value, tuple | list) else value


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.mo", "rb") as file:
        compiled = {frozen(m.id): frozen(m.string) for m in read_mo(file) if m.id}
    source = {frozen(m.id): frozen(m.string) for m in po_catalogue()
              if m.id and is_translated(m.string) and not m.fuzzy}

    assert compiled == source
