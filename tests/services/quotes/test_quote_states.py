"""The quote lifecycle and the approval threshold (pure)."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from quotes import quote_states
from quotes.settings import QuotesSettings
from sfa_common.errors import Conflict
from sfa_common.settings import SettingsError

THRESHOLDS = QuotesSettings.from_mapping({}).discount_thresholds


@pytest.mark.parametrize("action, start, end", [
    ("approve", "pending_approval", "approved"),
    ("reject", "pending_approval", "draft"),
    ("send", "approved", "sent"),
    ("accept", "sent", "accepted"),
    ("decline", "sent", "rejected"),
    ("expire", "sent", "expired"),
    ("revise", "approved", "superseded"),
    ("revise", "sent", "superseded"),
    ("revise", "rejected", "superseded"),
    ("revise", "expired", "superseded"),
    ("edit", "draft", "draft"),
])
def test_allowed_transitions(action, start, end):
    assert quote_states.target({"status": start}, action) == end


@pytest.mark.parametrize("action, start", [
    ("edit", "pending_approval"), ("edit", "approved"), ("edit", "sent"),
    ("edit", "superseded"), ("submit", "approved"), ("approve", "draft"),
    ("send", "pending_approval"), ("send", "draft"), ("accept", "approved"),
    ("accept", "rejected"), ("decline", "accepted"), ("revise", "draft"),
    ("revise", "pending_approval"), ("revise", "accepted"), ("revise", "superseded"),
])
def test_refused_transitions_name_the_state(action, start):
    with pytest.raises(Conflict) as raised:
        quote_states.check({"status": start}, action)
    assert start in str(raised.value) and set(raised.value.details) == {"status"}


@pytest.mark.parametrize("roles, discount, status", [
    (["sales_rep"], "10", "approved"),            # at the threshold: within it
    (["sales_rep"], "10.01", "pending_approval"),
    (["sales_manager"], "20", "approved"),
    (["sales_rep", "sales_manager"], "15", "approved"),   # the most generous role counts
    (["partner_rep"], "5.5", "pending_approval"),
    (["channel_manager"], "15", "approved"),
    (["admin"], "0", "approved"),                 # no threshold: only no discount passes
    (["admin"], "0.5", "pending_approval"),
    ([], "1", "pending_approval"),
])
def test_submission_against_the_authors_threshold(roles, discount, status):
    got, approval = quote_states.submission(Decimal(discount), roles, THRESHOLDS)
    assert got == status
    assert approval["required"] is (status == "pending_approval")
    assert approval["max_discount_percent"] == Decimal(discount)


def test_default_thresholds():
    assert THRESHOLDS == {"sales_rep": 10, "sales_manager": 20, "channel_manager": 15,
                          "partner_rep": 5, "partner_admin": 5}


def test_a_quote_lapses_the_day_after_valid_until():
    quote = {"valid_until": datetime(2026, 11, 30, tzinfo=UTC)}
    assert not quote_states.lapsed(quote, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    assert quote_states.lapsed(quote, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    with pytest.raises(Conflict) as raised:
        quote_states.check_still_valid(quote, datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert set(raised.value.details) == {"valid_until"}


@pytest.mark.parametrize("name, value", [
    ("QUOTE_TAX_PERCENT", "abc"), ("QUOTE_TAX_PERCENT", "101"), ("QUOTE_TAX_PERCENT", "-1"),
    ("QUOTE_DISCOUNT_THRESHOLDS", "sales_rep"), ("QUOTE_DISCOUNT_THRESHOLDS", "sales_rep:x"),
    ("QUOTE_DISCOUNT_THRESHOLDS", "sales_rep:5,sales_rep:6"),
    ("QUOTE_DISCOUNT_THRESHOLDS", "sales_rep:150"),
    ("QUOTE_VALID_DAYS", "0"), ("QUOTE_EXPIRY_SECONDS", "never"),
])
def test_a_malformed_setting_is_named(name, value):
    with pytest.raises(SettingsError) as raised:
        QuotesSettings.from_mapping({name: value})
    assert raised.value.name == name


def test_settings_read_from_the_config():
    settings = QuotesSettings.from_mapping({"QUOTE_TAX_PERCENT": "6",
                                            "QUOTE_DISCOUNT_THRESHOLDS": "sales_rep:7.5",
                                            "QUOTE_VALID_DAYS": "14"})
    assert (settings.tax_percent, settings.discount_thresholds, settings.valid_days) == (
        Decimal(6), {"sales_rep": Decimal("7.5")}, 14)
