"""Deal-registration states and settings as pure rules: a table of every action from
every state, a hypothesis walk against a model, protection days per tier, events."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads import registration_states as states
from leads.settings import RegistrationSettings
from sfa_common.contracts.registrations import REGISTRATION_STATES
from sfa_common.errors import Conflict, ValidationFailed
from sfa_common.money import Money
from sfa_common.settings import SettingsError

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

# (state, action) -> the state it leads to; every pair not listed is a Conflict.
EXPECTED = {
    ("draft", "edit"): "draft", ("returned", "edit"): "returned",
    ("draft", "submit"): "submitted", ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved", ("submitted", "reject"): "rejected",
    ("submitted", "return"): "returned", ("approved", "extend"): "approved",
    ("approved", "convert"): "converted", ("approved", "expire"): "expired",
}


@pytest.mark.parametrize("status", REGISTRATION_STATES)
@pytest.mark.parametrize("action", sorted(states.ACTIONS))
def test_every_action_from_every_state(status, action):
    registration = {"status": status}
    if (status, action) in EXPECTED:
        assert states.target(registration, action) == EXPECTED[status, action]
    else:
        with pytest.raises(Conflict) as raised:
            states.target(registration, action)
        assert f"The registration is {status};" in str(raised.value)
        assert set(raised.value.details) == {"status"}


@given(st.lists(st.sampled_from(sorted(states.ACTIONS)), max_size=30))
def test_a_random_walk_follows_the_model(actions):
    status = "draft"
    for action in actions:
        registration = {"status": status}
        if (status, action) in EXPECTED:
            status = states.target(registration, action)
        else:
            with pytest.raises(Conflict):
                states.check(registration, action)
    # final states stay final
    if status in ("rejected", "converted", "expired"):
        assert not any(states.allowed(status, action) for action in states.ACTIONS)


def test_a_submission_needs_the_amount_and_the_close_date():
    with pytest.raises(ValidationFailed) as raised:
        states.check_complete({"estimated_amount": None, "expected_close_date": None})
    assert set(raised.value.details) == {"estimated_amount", "expected_close_date"}
    states.check_complete({"estimated_amount": Money("1", "CNY"), "expected_close_date": NOW})


@pytest.mark.parametrize("tier, days", [("platinum", 120), ("gold", 90), ("silver", 60),
                                        ("registered", 30)])
def test_protection_days_per_tier_by_default(tier, days):
    settings = RegistrationSettings.from_mapping({})
    assert states.protection_end(NOW, tier, settings.protection_days) == NOW + timedelta(days)


def test_extension_moves_the_end_and_records_who():
    registration = {"status": "approved", "protection_ends_at": NOW}
    changes, extension = states.extended(registration, 10, "cm1", NOW)
    assert changes == {"protection_ends_at": NOW + timedelta(days=10)}
    assert extension == {"by": "cm1", "days": 10, "at": NOW}
    with pytest.raises(Conflict):
        states.extended({"status": "expired", "protection_ends_at": NOW}, 10, "cm1", NOW)


def test_settings_defaults_and_malformed_values_named():
    settings = RegistrationSettings.from_mapping({})
    assert settings.fuzzy_threshold == 0.85 and settings.offer_hours == 72
    assert settings.offer_tier_weights == {"platinum": 4, "gold": 3, "silver": 2,
                                           "registered": 1}
    assert RegistrationSettings.from_mapping(
        {"PROTECTION_DAYS": "gold:1,platinum:2,silver:3,registered:4"}).protection_days["gold"] == 1
    for name, value in [("PROTECTION_DAYS", "gold:90"), ("PROTECTION_DAYS", "gold:x"),
                        ("PROTECTION_DAYS", "platinum:1,gold:1,silver:1,registered:0"),
                        ("OFFER_TIER_WEIGHTS", "bronze:1"), ("REGISTRATION_FUZZY_THRESHOLD", "1.5"),
                        ("REGISTRATION_FUZZY_THRESHOLD", "high"), ("OFFER_HOURS", "0"),
                        ("REGISTRATION_EXPIRY_SECONDS", "-1")]:
        with pytest.raises(SettingsError) as raised:
            RegistrationSettings.from_mapping({name: value})
        assert str(raised.value).startswith(name)


def test_events_for_approved_rejected_and_expired_only():
    registration = {"_id": "r1", "status": "approved", "partner_org_id": "p1",
                    "partner_user_id": "pu1", "partner_tier": "gold", "company": "Acme",
                    "account_id": "a1", "opportunity_id": "o1", "protection_ends_at": NOW,
                    "review": {"reviewer_id": "cm1", "reason": None}}
    event = states.pending_event(registration, NOW)
    assert event["event_type"] == "deal_registration_approved"
    assert event["payload"]["registration_id"] == "r1"
    assert event["payload"]["protection_ends_at"] == "2026-11-20T08:00:00Z"
    assert event["payload"]["event_id"] == event["event_id"]
    assert states.pending_event({**registration, "status": "submitted"}, NOW) is None
