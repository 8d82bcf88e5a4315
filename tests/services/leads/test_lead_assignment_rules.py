"""Automatic assignment (pure): which rule, whose turn, the cap, no rep left."""
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from leads import assignment
from sfa_common.errors import Conflict

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rule(name, priority=100, region=None, industry=None, reps=("a", "b", "c"), cap=None,
         active=True, age=0):
    return {"_id": ObjectId(), "name": name, "priority": priority, "region": region,
            "industry": industry, "reps": [{"user_id": rep, "department_id": f"d-{rep}"}
                                           for rep in reps],
            "cap_per_rep": cap, "active": active, "created_at": T0 + timedelta(days=age)}


def test_the_first_active_matching_rule_by_priority_handles_the_lead():
    anywhere = rule("anywhere", priority=100)
    east_it = rule("east IT", priority=10, region="East", industry="IT")
    east = rule("east", priority=20, region="east")
    off = rule("off", priority=1, active=False)
    rules = [anywhere, east_it, east, off]
    assert assignment.matching_rule(rules, {"region": "East", "industry": "IT"}) is east_it
    assert assignment.matching_rule(rules, {"region": "EAST", "industry": "Retail"}) is east
    assert assignment.matching_rule(rules, {"region": "West", "industry": "IT"}) is anywhere
    assert assignment.matching_rule(rules, {"region": None, "industry": None}) is anywhere
    assert assignment.matching_rule([east_it, off], {"region": "West"}) is None


def test_equal_priorities_go_to_the_older_rule():
    older, newer = rule("older", age=0), rule("newer", age=1)
    assert assignment.matching_rule([newer, older], {}) is older


def test_round_robin_follows_the_turn_and_wraps():
    handler = rule("r")
    chosen = [assignment.choose_rep(handler, turn, {}).rep["user_id"] for turn in range(7)]
    assert chosen == ["a", "b", "c", "a", "b", "c", "a"]
    assert assignment.choose_rep(handler, 0, {}).rule_id == str(handler["_id"])


def test_a_rep_at_the_cap_is_skipped():
    handler = rule("r", cap=2)
    counts = {"a": 2, "b": 1}
    assert assignment.choose_rep(handler, 0, counts).rep["user_id"] == "b"
    assert assignment.choose_rep(handler, 3, {"a": 2, "b": 2}).rep["user_id"] == "c"


def test_no_rep_under_the_cap_is_a_conflict_naming_the_rule():
    handler = rule("Big accounts", cap=1)
    with pytest.raises(Conflict) as raised:
        assignment.choose_rep(handler, 5, {"a": 1, "b": 3, "c": 1})
    assert "'Big accounts'" in raised.value.message
    assert list(raised.value.details) == ["rule"]


def test_a_history_entry_says_from_whom_to_whom_by_whom_and_by_which_rule():
    entry = assignment.history_entry({"owner_id": "old"}, "new", "d1", "boss", T0, "r1")
    assert entry == {"from": "old", "to": "new", "department_id": "d1", "by": "boss",
                     "at": T0, "rule_id": "r1"}
