"""Template filters."""
from collections.abc import Mapping
from datetime import datetime

from babel.numbers import get_currency_symbol
from flask_babel import format_date, format_datetime, get_locale


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
    return _timestamp(value, lambda moment: format_date(moment, "medium"))


def date_time(value):
    """An ISO 8601 timestamp from the gateway as a date and time in the page's language,
    in UTC (the portal's clock; it says so); a value that is not one is shown as it
    came."""
    return _timestamp(value, lambda moment: f"{format_datetime(moment, 'medium')} UTC")


def _timestamp(value, shown):
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return shown(moment)


def percent(value):
    """A percentage the gateway gave (an integer or a decimal string) with its sign;
    None (nothing to divide by) as a dash."""
    if value is None or value == "":
        return "—"
    return f"{value}%"
