"""Commission periods (pure): a period is one calendar month named by its key."""
import calendar
import re
from datetime import date

from sfa_common.contracts.commission import PERIOD_KEY_PATTERN

_KEY = re.compile(PERIOD_KEY_PATTERN)


def is_period_key(key):
    return isinstance(key, str) and _KEY.match(key) is not None


def period_bounds(key):
    """The first and the last day (both inclusive) of the month ``key`` names."""
    if not is_period_key(key):
        raise ValueError(f"not a period key (YYYY-MM): {key!r}")
    year, month = int(key[:4]), int(key[5:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
