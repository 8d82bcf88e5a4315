"""Assignment over the real broker: by hand with history, by rule in turn, the cap, no
rep left, and the rules' own RPCs."""
import pytest
from bson import ObjectId
from leads_support import EVERYTHING, new_lead
from support import stored

from sfa_common.errors import Conflict, NotFound, ValidationFailed


def reps(*users):
    return [{"user_id": user, "department_id": f"d-{user}"} for user in users]


def test_manual_assignment_records_who_handed_it_to_whom(proxy, clock):
    lead = new_lead(proxy, owner_id="u1")
    assigned = proxy.assign_lead(lead["id"], "u2", "d2", EVERYTHING, "boss")
    assert (assigned["owner_id"], assigned["department_id"]) == ("u2", "d2")
    assert assigned["assignment_history"] == [
        {"from": "u1", "to": "u2", "department_id": "d2", "by": "boss",
         "at": "2026-11-20T08:00:00Z", "rule_id": None}]
    with pytest.raises(ValidationFailed) as raised:
        proxy.assign_lead(lead["id"], "", None, EVERYTHING, "boss")
    assert list(raised.value.details) == ["owner_id"]


def test_rules_hand_leads_out_in_turn_skipping_reps_at_their_cap(proxy, clock):
    east = proxy.create_assignment_rule({"name": "East", "priority": 10, "region": "East",
                                         "reps": reps("a", "b", "c"), "cap_per_rep": 2})
    proxy.create_assignment_rule({"name": "Everyone else", "reps": reps("z")})
    owners = []
    for number in range(6):
        lead = new_lead(proxy, f"East {number}", owner_id=None, region="East")
        owners.append(proxy.auto_assign(lead["id"], EVERYTHING, "ops")["owner_id"])
    assert owners == ["a", "b", "c", "a", "b", "c"]
    last = proxy.get_lead(lead["id"], EVERYTHING)
    assert last["assignment_history"][0]["rule_id"] == east["id"]
    assert last["department_id"] == "d-c"
    # Everyone holds 2 open leads: the next East lead finds no rep.
    blocked = new_lead(proxy, "East 6", owner_id=None, region="East")
    with pytest.raises(Conflict) as raised:
        proxy.auto_assign(blocked["id"], EVERYTHING, "ops")
    assert "'East'" in raised.value.message and list(raised.value.details) == ["rule"]
    # a's first lead is no longer open: a has room again, whoever's turn it was.
    first_of_a = proxy.list_leads({"owner_id": "a", "sort": "created_at"}, EVERYTHING)["items"][0]
    proxy.mark_invalid(first_of_a["id"], "Wrong number", EVERYTHING, "a")
    assert proxy.auto_assign(blocked["id"], EVERYTHING, "ops")["owner_id"] == "a"
    west = new_lead(proxy, "West", owner_id=None, region="West")
    assert proxy.auto_assign(west["id"], EVERYTHING, "ops")["owner_id"] == "z"


def test_no_matching_rule_is_a_conflict_and_an_inactive_rule_does_not_match(proxy, clock):
    rule = proxy.create_assignment_rule({"name": "IT", "industry": "IT", "reps": reps("a")})
    lead = new_lead(proxy, industry="Retail")
    with pytest.raises(Conflict, match="No active assignment rule"):
        proxy.auto_assign(lead["id"], EVERYTHING, "ops")
    it_lead = new_lead(proxy, "It Co", industry="it")
    proxy.update_assignment_rule(rule["id"], {"active": False})
    with pytest.raises(Conflict):
        proxy.auto_assign(it_lead["id"], EVERYTHING, "ops")
    proxy.update_assignment_rule(rule["id"], {"active": True})
    assert proxy.auto_assign(it_lead["id"], EVERYTHING, "ops")["owner_id"] == "a"


def test_rules_are_validated_listed_by_priority_and_changed(proxy, clock):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_assignment_rule({"name": "", "reps": [], "cap_per_rep": 0})
    assert set(raised.value.details) == {"name", "reps", "cap_per_rep"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_assignment_rule({"name": "x", "reps": reps("a", "a")})
    assert list(raised.value.details) == ["reps"]
    low = proxy.create_assignment_rule({"name": "low", "priority": 50, "reps": reps("a")})
    high = proxy.create_assignment_rule({"name": "high", "priority": 5, "reps": reps("b")})
    assert low["pointer"] == 0 and low["active"] is True
    listed = proxy.list_assignment_rules({})
    assert [rule["name"] for rule in listed["items"]] == ["high", "low"]
    changed = proxy.update_assignment_rule(low["id"], {"priority": 1, "cap_per_rep": 3})
    assert (changed["priority"], changed["cap_per_rep"], changed["name"]) == (1, 3, "low")
    assert proxy.get_assignment_rule(high["id"])["name"] == "high"
    assert [rule["name"] for rule in proxy.list_assignment_rules({"active": True})["items"]] \
        == ["low", "high"]
    with pytest.raises(NotFound):
        proxy.update_assignment_rule("0" * 24, {"priority": 1})
    with pytest.raises(ValidationFailed):
        proxy.update_assignment_rule(low["id"], {})


def test_a_converted_lead_cannot_be_reassigned(leads, proxy, clock):
    lead = new_lead(proxy)
    stored(leads, "leads").update_one({"_id": ObjectId(lead["id"])},
                                      {"$set": {"status": "converted"}})
    with pytest.raises(Conflict, match="The lead is converted;"):
        proxy.assign_lead(lead["id"], "u2", None, EVERYTHING, "boss")
