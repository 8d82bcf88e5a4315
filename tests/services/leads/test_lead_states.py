"""The lead state rules (pure): every action from every state against the spec's table,
and random sequences of actions against the model."""
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lead_model import ACTIONS, STATES, expected

from leads import lead_states
from sfa_common.errors import Conflict, ValidationFailed

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def apply(lead, action):
    """The service's rule for ``action``: the lead after it."""
    if action == "follow_up":
        changes = lead_states.follow_up(lead, {"next_follow_up_at": None})
    elif action == "invalidate":
        changes = lead_states.invalidate(lead, "no answer")
    elif action == "convert":
        changes = lead_states.convert(lead, {"account_id": "a1"})
    else:
        changes = getattr(lead_states, action)(lead)
    return {**lead, **changes}


@pytest.mark.parametrize("state", [state for state in STATES if state != "voided"])
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_state_follows_the_table(state, action):
    lead = {"status": state, "voided_from": None}
    wanted = expected(state, None, action)
    if wanted is None:
        with pytest.raises(Conflict) as raised:
            apply(lead, action)
        assert f"The lead is {state};" in raised.value.message
        assert list(raised.value.details) == ["status"]
    else:
        assert apply(lead, action)["status"] == wanted[0]


@pytest.mark.parametrize("before", ["unprocessed", "following_up", "invalid"])
def test_restore_returns_a_voided_lead_to_the_state_it_was_voided_from(before):
    voided = apply({"status": before, "voided_from": None}, "void")
    assert voided == {"status": "voided", "voided_from": before}
    assert apply(voided, "restore") == {"status": before, "voided_from": None}


@pytest.mark.parametrize("reason", [None, "", "   ", 42])
def test_marking_invalid_needs_a_reason(reason):
    with pytest.raises(ValidationFailed) as raised:
        lead_states.invalidate({"status": "unprocessed"}, reason)
    assert list(raised.value.details) == ["reason"]


def test_a_follow_up_sets_the_next_date_and_a_conversion_clears_it():
    lead = {"status": "unprocessed", "next_follow_up_at": None}
    assert lead_states.follow_up(lead, {"next_follow_up_at": NOW}) == {
        "status": "following_up", "next_follow_up_at": NOW}
    assert lead_states.convert({"status": "following_up"}, {"x": 1})["next_follow_up_at"] is None


def test_overdue_means_a_passed_follow_up_date_on_an_open_lead():
    past, future = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert lead_states.is_overdue({"status": "following_up", "next_follow_up_at": past}, NOW)
    assert lead_states.is_overdue({"status": "unprocessed", "next_follow_up_at": past}, NOW)
    assert not lead_states.is_overdue({"status": "following_up", "next_follow_up_at": future},
                                      NOW)
    assert not lead_states.is_overdue({"status": "invalid", "next_follow_up_at": past}, NOW)
    assert not lead_states.is_overdue({"status": "following_up", "next_follow_up_at": None},
                                      NOW)


@given(st.lists(st.sampled_from(ACTIONS), max_size=30))
def test_random_sequences_of_actions_follow_the_model(actions):
    lead = {"status": "unprocessed", "voided_from": None}
    state, voided_from = "unprocessed", None
    for action in actions:
        wanted = expected(state, voided_from, action)
        if wanted is None:
            with pytest.raises(Conflict):
                apply(lead, action)
            continue
        lead = apply(lead, action)
        state, voided_from = wanted
        assert lead["status"] == state
        assert (lead.get("voided_from") or None) == voided_from
