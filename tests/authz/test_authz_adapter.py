"""Policies live in the gateway's database: what the admin functions change persists,
a new enforcer over the same collection sees it, and the defaults go in only once."""
import mongomock
import pytest
from authz_subjects import partner_user

from gateway.authz.adapter import MongoPolicyAdapter
from gateway.authz.policies import (
    DEFAULT_POLICIES,
    SEEDED_MARKER,
    add_grant,
    assign_role,
    build_enforcer,
    remove_grant,
    seed_defaults,
    unassign_role,
)
from gateway.authz.scopes import scopes_for

GRANT = ("partner_rep", "partner:*", "commission_statement", "read", "own")


def stored_rules(collection):
    return sorted(tuple(document[f"v{i}"] for i in range(6) if f"v{i}" in document)
                  for document in collection.find({"ptype": "p"}))


def test_added_and_removed_grants_persist_for_the_next_enforcer(policy_collection):
    first = build_enforcer(policy_collection)
    add_grant(first, *GRANT)
    assert build_enforcer(policy_collection).has_policy(*GRANT)
    assert scopes_for(build_enforcer(policy_collection), partner_user(roles=["partner_rep"]),
                      "commission_statement", "read") == {"own"}
    remove_grant(first, *GRANT)
    assert not build_enforcer(policy_collection).has_policy(*GRANT)
    assert GRANT not in stored_rules(policy_collection)


def test_role_assignments_persist_for_the_next_enforcer(policy_collection):
    first = build_enforcer(policy_collection)
    assign_role(first, "carol", "partner_admin", "partner:A")
    second = build_enforcer(policy_collection)
    assert second.enforce("carol", "partner:A", "identity", "admin")
    unassign_role(second, "carol", "partner_admin", "partner:A")
    assert not build_enforcer(policy_collection).enforce("carol", "partner:A", "identity", "admin")


def test_defaults_are_seeded_into_an_empty_collection_once(policy_collection):
    build_enforcer(policy_collection)
    rules = policy_collection.count_documents({"ptype": {"$exists": True}})
    assert rules == len(DEFAULT_POLICIES)
    build_enforcer(policy_collection)
    assert policy_collection.count_documents({"ptype": {"$exists": True}}) == rules


def test_a_removed_default_stays_removed_after_a_restart(policy_collection):
    default = ("sales_rep", "internal", "lead", "read", "shared")
    remove_grant(build_enforcer(policy_collection), *default)
    assert not build_enforcer(policy_collection).has_policy(*default)


def test_an_emptied_policy_is_not_reseeded(policy_collection):
    enforcer = build_enforcer(policy_collection)
    enforcer.clear_policy()
    enforcer.save_policy()
    assert policy_collection.count_documents({"ptype": {"$exists": True}}) == 0
    assert build_enforcer(policy_collection).get_policy() == []


def test_two_workers_seeding_at_once_store_each_rule_once(policy_collection):
    adapter = MongoPolicyAdapter(policy_collection)
    adapter.ensure_indexes()
    assert seed_defaults(adapter)
    policy_collection.delete_one({"_id": SEEDED_MARKER})   # the other worker did not see it
    assert seed_defaults(adapter)
    assert policy_collection.count_documents({"ptype": {"$exists": True}}) == len(
        DEFAULT_POLICIES)
    assert not seed_defaults(adapter)


def test_a_default_a_later_release_adds_arrives_and_a_removed_one_stays_away(
        policy_collection):
    adapter = MongoPolicyAdapter(policy_collection)
    adapter.ensure_indexes()
    # The release before quotas existed, then this one.
    first_release = [policy for policy in DEFAULT_POLICIES if "quota" not in policy]
    added_later = [policy for policy in DEFAULT_POLICIES if "quota" in policy]
    assert seed_defaults(adapter, first_release)
    removed = first_release[0]
    adapter.remove_policy(removed[0][:1], removed[0], list(removed[1:]))
    assert seed_defaults(adapter)
    stored = stored_rules(policy_collection)
    assert added_later and all(tuple(rule[1:]) in stored for rule in added_later)
    assert tuple(removed[1:]) not in stored
    assert not seed_defaults(adapter)


def test_save_policy_makes_the_store_hold_exactly_the_model(policy_collection):
    enforcer = build_enforcer(policy_collection)
    policy_collection.insert_one({"ptype": "p", "v0": "stale", "v1": "internal", "v2": "lead",
                                  "v3": "read", "v4": "all"})
    enforcer.enable_auto_save(False)
    enforcer.add_policy(*GRANT)
    enforcer.save_policy()
    expected = sorted(tuple(rule) for rule in enforcer.get_policy())
    assert stored_rules(policy_collection) == expected
    assert GRANT in expected
    assert policy_collection.find_one({"_id": SEEDED_MARKER}) is not None


def test_remove_filtered_policy_deletes_the_matching_rules_from_the_store(policy_collection):
    enforcer = build_enforcer(policy_collection)
    assert enforcer.remove_filtered_policy(0, "partner_rep")
    assert [rule for rule in stored_rules(policy_collection) if rule[0] == "partner_rep"] == []
    assert build_enforcer(policy_collection).get_filtered_policy(0, "partner_rep") == []
    assert build_enforcer(policy_collection).get_filtered_policy(0, "partner_admin") != []


def test_rules_round_trip_verbatim_commas_and_all(policy_collection):
    adapter = MongoPolicyAdapter(policy_collection)
    adapter.ensure_indexes()
    adapter.add_policy("p", "p", ["role, with comma", "internal", "lead", "read", "mine"])
    adapter.add_policy("g", "g", ["u1", "role, with comma", "internal"])
    adapter.add_policy("g", "g", ["u1", "role, with comma", "internal"])
    enforcer = build_enforcer(policy_collection, policies=())
    assert enforcer.get_policy() == [["role, with comma", "internal", "lead", "read", "mine"]]
    assert enforcer.get_grouping_policy() == [["u1", "role, with comma", "internal"]]


def test_load_skips_documents_that_are_not_rules_of_this_model(policy_collection):
    policy_collection.insert_many([{"_id": "note", "text": "not a rule"},
                                   {"ptype": "p9", "v0": "x"}])
    enforcer = build_enforcer(policy_collection, policies=())
    assert enforcer.get_policy() == [] and enforcer.get_grouping_policy() == []


def test_removing_a_rule_that_is_not_stored_reports_false(policy_collection):
    adapter = MongoPolicyAdapter(policy_collection)
    assert adapter.remove_policy("p", "p", list(GRANT)) is False


def test_rules_longer_than_the_layout_are_refused():
    adapter = MongoPolicyAdapter(mongomock.MongoClient().db.policies)
    with pytest.raises(ValueError):
        adapter.add_policy("p", "p", ["a"] * 7)
