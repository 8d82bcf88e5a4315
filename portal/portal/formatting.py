"""Template filters."""
from collections.abc import Mapping
from datetime import datetime

from babel.numbers import get_currency_symbol
from flask_babel import format_date, get_locale


def money(price):
    """{"amount": "12.50", "currency": "CNY"} -> "¥12.50" (the symbol for the page's
    language). The amount is shown exactly as the gateway gave it: it is a decimal
    string, and turning it into a float (or re-rounding it) would change what a partner
    is quoted."""
    if not isinstance(price, Mapping) or price.get("amount") in (None, ""):
        return "—"
    currency = str(price.get("currency") or "")
    symbol = get_currency_symbol(currency, locale=get_locale()) if currency else ""
    return f"{symbol}{price['amount']}"


def date(value):
    """An ISO 8601 timestamp from the gateway as a date in the page's language; a value
    that is not one is shown as it came."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(moment, "medium")
