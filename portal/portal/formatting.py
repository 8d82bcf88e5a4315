"""Template filters."""
from collections.abc import Mapping

from babel.numbers import get_currency_symbol
from flask_babel import get_locale


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
