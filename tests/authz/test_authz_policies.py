"""The default policy, table-driven like pycasbin's tests/test_enforcer.py:
(sub, dom, obj, act, expected) through enforce(), and the scopes the compiler's
policy query finds for the same requests."""
import itertools

import mongomock
import pytest
from authz_subjects import internal_user, partner_user

from gateway.authz.policies import (
    ACTIONS,
    DEFAULT_POLICIES,
    INTERNAL_ROLES,
    PARTNER_ROLES,
    PolicyRejected,
    add_grant,
    assign_role,
    check_grant,
    list_grants,
    list_role_links,
    remove_grant,
    unassign_role,
)
from gateway.authz.scopes import OBJECT_TYPES, PARTNER_SCOPES, compile_filter, scopes_for
from gateway.authz.subject import INTERNAL

ENFORCE_CASES = [
    # internal roles in their own domain
    ("sales_rep", "internal", "lead", "read", True),
    ("sales_rep", "internal", "lead", "create", True),
    ("sales_rep", "internal", "opportunity", "update", True),
    ("sales_rep", "internal", "commission_statement", "read", True),
    ("sales_rep", "internal", "commission_statement", "update", False),
    ("sales_rep", "internal", "deal_registration", "update", False),
    ("sales_rep", "internal", "identity", "admin", False),
    ("sales_rep", "internal", "lead", "delete", False),
    ("sales_manager", "internal", "lead", "create", True),        # inherited from sales_rep
    ("sales_manager", "internal", "deal_registration", "read", True),
    ("sales_manager", "internal", "policy", "admin", False),
    ("channel_manager", "internal", "deal_registration", "update", True),
    ("channel_manager", "internal", "commission_statement", "update", False),
    ("sales_ops", "internal", "commission_statement", "create", True),
    ("sales_ops", "internal", "quote", "read", True),
    ("sales_ops", "internal", "quote", "update", False),
    ("sales_ops", "internal", "identity", "admin", False),
    ("admin", "internal", "policy", "admin", True),
    ("admin", "internal", "identity", "admin", True),
    ("admin", "internal", "quote", "update", True),
    # internal roles hold nothing in a partner domain
    ("sales_rep", "partner:A", "lead", "read", False),
    ("admin", "partner:A", "policy", "admin", False),
    ("sales_ops", "partner:A", "opportunity", "read", False),
    # partner roles: `partner:*` holds in every partner domain ...
    ("partner_rep", "partner:A", "opportunity", "read", True),
    ("partner_rep", "partner:zz-9", "opportunity", "read", True),
    ("partner_rep", "partner:A", "deal_registration", "create", True),
    ("partner_rep", "partner:A", "lead", "create", False),
    ("partner_rep", "partner:A", "commission_statement", "read", False),
    ("partner_rep", "partner:A", "identity", "admin", False),
    ("partner_admin", "partner:A", "identity", "admin", True),
    ("partner_admin", "partner:A", "commission_statement", "read", True),
    ("partner_admin", "partner:A", "account", "create", True),
    ("partner_admin", "partner:A", "policy", "admin", False),
    ("partner_admin", "partner:A", "deal_registration", "update", True),
    # ... and never in `internal`, nor in a domain that is not one organisation
    ("partner_rep", "internal", "opportunity", "read", False),
    ("partner_admin", "internal", "identity", "admin", False),
    ("partner_admin", "internal", "deal_registration", "read", False),
    ("partner_admin", "partner:", "opportunity", "read", False),
    ("partner_admin", "partner:*", "opportunity", "read", False),
    ("partner_admin", "partner", "opportunity", "read", False),
    ("partner_admin", "", "opportunity", "read", False),
    ("nobody", "internal", "lead", "read", False),
]


@pytest.mark.parametrize(("sub", "dom", "obj", "act", "expected"), ENFORCE_CASES)
def test_enforce_default_policies(default_enforcer, sub, dom, obj, act, expected):
    assert default_enforcer.enforce(sub, dom, obj, act) is expected


def test_a_user_holds_a_partner_role_only_in_the_domain_it_was_given_in(enforcer):
    assign_role(enforcer, "alice", "partner_admin", "partner:A")
    assert enforcer.enforce("alice", "partner:A", "opportunity", "read")
    assert enforcer.enforce("alice", "partner:A", "opportunity", "update")   # partner_admin's own
    assert enforcer.enforce("alice", "partner:A", "deal_registration", "create")  # via partner_rep
    assert not enforcer.enforce("alice", "partner:B", "opportunity", "read")
    assert not enforcer.enforce("alice", "internal", "opportunity", "read")


@pytest.mark.parametrize(("role", "obj", "act"),
                         list(itertools.product(PARTNER_ROLES, OBJECT_TYPES, ACTIONS)))
def test_a_partner_role_never_gets_anything_internal(default_enforcer, role, obj, act):
    assert not default_enforcer.enforce(role, INTERNAL, obj, act)
    assert scopes_for(default_enforcer, internal_user(roles=[role]), obj, act) == frozenset()


SCOPE_CASES = [
    (("sales_rep",), INTERNAL, "lead", "read",
     {"to_follow_up", "mine", "participating", "shared"}),
    (("sales_rep",), INTERNAL, "opportunity", "update", {"mine", "participating"}),
    (("sales_manager",), INTERNAL, "lead", "read",
     {"to_follow_up", "mine", "participating", "shared",
      "subordinates", "subordinates_participating", "department"}),
    (("sales_manager",), INTERNAL, "commission_statement", "read",
     {"mine", "subordinates", "department"}),
    (("channel_manager",), INTERNAL, "deal_registration", "read", {"all"}),
    (("sales_ops",), INTERNAL, "lead", "read", {"all"}),
    (("sales_rep", "sales_ops"), INTERNAL, "lead", "update", {"mine", "participating", "all"}),
    (("admin",), INTERNAL, "policy", "admin", {"all"}),
    (("partner_rep",), "partner:A", "opportunity", "read", {"own"}),
    (("partner_admin",), "partner:A", "opportunity", "read", {"own", "partner_org", "resellers"}),
    (("partner_admin",), "partner:A", "opportunity", "update", {"own", "partner_org"}),
    (("partner_admin",), "partner:A", "deal_registration", "update",
     {"own", "partner_org", "resellers"}),
    (("partner_admin",), "partner:A", "identity", "admin", {"partner_org"}),
    (("partner_rep",), "partner:A", "commission_statement", "read", set()),
    (("sales_rep",), "partner:A", "lead", "read", set()),
    ((), INTERNAL, "lead", "read", set()),
]


@pytest.mark.parametrize(("roles", "dom", "obj", "act", "expected"), SCOPE_CASES)
def test_scopes_for_default_policies(default_enforcer, roles, dom, obj, act, expected):
    subject = (internal_user(roles=roles) if dom == INTERNAL
               else partner_user(org=dom.split(":", 1)[1], roles=roles))
    assert scopes_for(default_enforcer, subject, obj, act) == frozenset(expected)


@pytest.mark.parametrize("role", INTERNAL_ROLES + PARTNER_ROLES)
def test_scopes_for_agrees_with_enforce_on_every_request(default_enforcer, role):
    """The compiler's policy query and Casbin's matcher read the policy the same way."""
    for dom in (INTERNAL, "partner:A"):
        subject = (internal_user(roles=[role]) if dom == INTERNAL
                   else partner_user(org="A", roles=[role]))
        for obj, act in itertools.product(OBJECT_TYPES, ACTIONS):
            held = scopes_for(default_enforcer, subject, obj, act)
            allowed = default_enforcer.enforce(role, dom, obj, act)
            assert bool(held) is allowed, (role, dom, obj, act)


def test_scopes_for_follows_role_links_of_the_user_itself(enforcer):
    assign_role(enforcer, "me", "partner_admin", "partner:A")
    assert scopes_for(enforcer, partner_user(org="A"), "opportunity", "read") == {
        "own", "partner_org", "resellers"}
    assert scopes_for(enforcer, partner_user(org="B"), "opportunity", "read") == frozenset()
    unassign_role(enforcer, "me", "partner_admin", "partner:A")
    assert scopes_for(enforcer, partner_user(org="A"), "opportunity", "read") == frozenset()


def test_every_default_grant_passes_the_admin_checks():
    for kind, *rule in DEFAULT_POLICIES:
        if kind == "p":
            check_grant(*rule)


def test_no_default_grant_gives_a_partner_domain_anything_but_partner_scopes():
    for kind, *rule in DEFAULT_POLICIES:
        if kind == "p" and rule[1] != INTERNAL:
            assert rule[4] in PARTNER_SCOPES, rule


REJECTED_GRANTS = [
    ("partner_rep", "partner:*", "lead", "read", "all"),          # `all` never for partners
    ("partner_rep", "partner:A", "lead", "read", "mine"),         # internal scope, partner domain
    ("sales_rep", "internal", "lead", "read", "own"),             # partner scope, internal domain
    ("partner_rep", "partner:A*", "lead", "read", "own"),         # only partner:* is a pattern
    ("partner_rep", "*", "lead", "read", "own"),
    ("partner_rep", "partner:", "lead", "read", "own"),
    ("sales_rep", "intern", "lead", "read", "mine"),
    ("sales_rep", "internal", "invoice", "read", "mine"),          # unknown object type
    ("sales_rep", "internal", "lead", "delete", "mine"),           # unknown action
    ("sales_rep", "internal", "lead", "read", "everything"),       # unknown scope
    ("sales_rep", "internal", "lead", "admin", "all"),             # admin is for identity/policy
    ("admin", "internal", "policy", "read", "all"),
    ("sales_rep", "internal", "account", "read", "to_follow_up"),  # accounts have no status
    ("partner_admin", "partner:*", "policy", "admin", "partner_org"),  # policies have no org
    ("", "internal", "lead", "read", "mine"),
]


@pytest.mark.parametrize("grant", REJECTED_GRANTS)
def test_the_admin_api_refuses_grants_that_mean_nothing_or_reach_too_far(enforcer, grant):
    before = list_grants(enforcer)
    with pytest.raises(PolicyRejected):
        add_grant(enforcer, *grant)
    assert list_grants(enforcer) == before


def test_grants_added_and_removed_through_the_admin_functions_take_effect(enforcer):
    rep = internal_user(roles=["sales_rep"])
    assert add_grant(enforcer, "sales_rep", INTERNAL, "deal_registration", "update", "mine")
    assert not add_grant(enforcer, "sales_rep", INTERNAL, "deal_registration", "update", "mine")
    assert scopes_for(enforcer, rep, "deal_registration", "update") == {"mine"}
    assert {"role": "sales_rep", "domain": INTERNAL, "object_type": "deal_registration",
            "action": "update", "scope": "mine"} in list_grants(enforcer, INTERNAL)
    assert remove_grant(enforcer, "sales_rep", INTERNAL, "deal_registration", "update", "mine")
    assert not remove_grant(enforcer, "sales_rep", INTERNAL, "deal_registration", "update", "mine")
    assert scopes_for(enforcer, rep, "deal_registration", "update") == frozenset()


def test_list_grants_filters_by_the_domain_written_in_the_grant(enforcer):
    partner_grants = list_grants(enforcer, "partner:*")
    assert partner_grants and all(grant["domain"] == "partner:*" for grant in partner_grants)
    assert len(list_grants(enforcer)) == sum(1 for rule in DEFAULT_POLICIES if rule[0] == "p")


def test_role_links_are_listed_assigned_and_validated(enforcer):
    assert {"user": "sales_manager", "role": "sales_rep", "domain": INTERNAL} in list_role_links(
        enforcer)
    assert assign_role(enforcer, "bob", "partner_rep", "partner:B")
    assert list_role_links(enforcer, "partner:B") == [
        {"user": "bob", "role": "partner_rep", "domain": "partner:B"}]
    with pytest.raises(PolicyRejected):
        assign_role(enforcer, "bob", "partner_admin", "partner:*B")
    with pytest.raises(PolicyRejected):
        assign_role(enforcer, "", "partner_admin", "partner:B")
    assert unassign_role(enforcer, "bob", "partner_rep", "partner:B")
    assert list_role_links(enforcer, "partner:B") == []


DEALS = [{"_id": "A1", "partner_org_id": "A", "partner_user_id": "me"},
         {"_id": "A2", "partner_org_id": "A", "partner_user_id": "colleague"},
         {"_id": "R1", "partner_org_id": "R", "partner_user_id": "r"},
         {"_id": "B1", "partner_org_id": "B", "partner_user_id": "me"}]


@pytest.mark.parametrize(("roles", "resellers", "action", "expected"), [
    (["partner_rep"], (), "read", {"A1"}),
    (["partner_rep"], {"R"}, "read", {"A1"}),            # resellers are the admin's reach
    (["partner_admin"], (), "read", {"A1", "A2"}),       # no resellers: the organisation
    (["partner_admin"], {"R"}, "read", {"A1", "A2", "R1"}),
    (["partner_admin"], {"R"}, "update", {"A1", "A2", "R1"}),  # vets their registrations
    (["partner_admin"], {"R"}, "create", {"A1", "A2"}),
])
def test_default_partner_reach_end_to_end(default_enforcer, roles, resellers, action, expected):
    subject = partner_user(org="A", roles=roles, resellers=resellers)
    query = compile_filter(subject, "deal_registration",
                           scopes_for(default_enforcer, subject, "deal_registration", action))
    collection = mongomock.MongoClient().db.deal_registrations
    collection.insert_many([dict(deal) for deal in DEALS])
    assert {deal["_id"] for deal in collection.find(query)} == expected


def test_a_distributor_admin_updates_only_its_own_opportunities(default_enforcer):
    subject = partner_user(org="A", roles=["partner_admin"], resellers={"R"})
    query = compile_filter(subject, "opportunity",
                           scopes_for(default_enforcer, subject, "opportunity", "update"))
    collection = mongomock.MongoClient().db.opportunities
    collection.insert_many([dict(deal) for deal in DEALS])
    assert {deal["_id"] for deal in collection.find(query)} == {"A1", "A2"}
