"""Commission periods (pure): the month a key names, and dumping for the gateway."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfa_common.periods import is_period_key, period_bounds


@pytest.mark.parametrize("key, starts_on, ends_on", [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),   # leap year
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),   # a century is not a leap year...
    ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),   # ...unless it divides by 400
])
def test_a_period_runs_from_the_first_to_the_last_day_of_its_month(key, starts_on, ends_on):
    assert period_bounds(key) == (starts_on, ends_on)


@given(st.integers(1000, 9998), st.integers(1, 12))
def test_consecutive_periods_tile_the_calendar(year, month):
    starts_on, ends_on = period_bounds(f"{year:04d}-{month:02d}")
    following = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    assert (starts_on.year, starts_on.month, starts_on.day) == (year, month, 1)
    assert period_bounds(following)[0] == ends_on + timedelta(days=1)


@pytest.mark.parametrize("key", [
    "2026-00", "2026-13", "2026-1", "26-11", "0999-12", "2026-11\n", "٢٠٢٦-11", "2026/11",
    "", None, 202611,
])
def test_anything_but_yyyy_mm_is_no_period_key(key):
    assert not is_period_key(key)
    with pytest.raises(ValueError):
        period_bounds(key)
