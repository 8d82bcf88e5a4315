"""Periods (pure): a period is one calendar month named by its key ("2026-11").

Commission settles by period and quotas are set per period, so both use these."""
import calendar
import re
from datetime import date

# [0-9], not \d (which takes any Unicode digit); \Z, not $ (which allows a trailing
# newline); years from 1000 so every key names a real calendar month.
PERIOD_KEY_PATTERN = r"[1-9][0-9]{3}-(0[1-9]|1[0-2])\Z"
_KEY = re.compile(PERIOD_KEY_PATTERN)


def is_period_key(key):
    return isinstance(key, str) and _KEY.match(key) is not None


def period_bounds(key):
    """The first and the last day (both inclusive) of the month ``key`` names."""
    if not is_period_key(key):
        raise ValueError(f"not a period key (YYYY-MM): {key!r}")
    year, month = int(key[:4]), int(key[5:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
