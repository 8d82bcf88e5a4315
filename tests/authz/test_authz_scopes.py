"""The scope compiler, one scope at a time, against records on the embedded engine
with hand-made expected sets."""
import mongomock
import pytest
from authz_subjects import internal_user, partner_user

from gateway.authz.scopes import (
    MATCH_NOTHING,
    OBJECT_TYPES,
    SCOPES,
    ScopeRefused,
    ScopeSettings,
    UnknownScope,
    compile_filter,
    whitelisted_fields,
)
from gateway.authz.subject import Subject
from sfa_common.scope import scoped

LEADS = [
    {"_id": "mine-new", "owner_id": "me", "status": "unprocessed", "department_id": "d0"},
    {"_id": "mine-converted", "owner_id": "me", "status": "converted", "department_id": "d0"},
    {"_id": "on-my-team", "owner_id": "other", "team_member_ids": ["x", "me"],
     "status": "following_up"},
    {"_id": "subordinate-owns", "owner_id": "sub1", "status": "unprocessed"},
    {"_id": "subordinate-on-team", "owner_id": "other", "team_member_ids": ["sub2"]},
    {"_id": "shared-by-owner", "owner_id": "sharer", "department_id": "d0"},
    {"_id": "shared-by-department", "owner_id": "other", "department_id": "d-shared"},
    {"_id": "in-my-department", "owner_id": "other", "department_id": "d-headed"},
    {"_id": "elsewhere", "owner_id": "other", "department_id": "d2", "status": "unprocessed"},
    {"_id": "partner-lead", "partner_org_id": "A", "partner_user_id": "me"},
]

ME = internal_user(subordinate_ids={"sub1", "sub2"}, headed_department_ids={"d-headed"},
                   shared_owner_ids={"sharer"}, shared_department_ids={"d-shared"})

INTERNAL_EXPECTED = {
    "to_follow_up": {"mine-new"},
    "mine": {"mine-new", "mine-converted"},
    "subordinates": {"subordinate-owns"},
    "participating": {"mine-new", "mine-converted", "on-my-team"},
    "subordinates_participating": {"subordinate-owns", "subordinate-on-team"},
    "shared": {"shared-by-owner", "shared-by-department"},
    "department": {"in-my-department"},
    "all": {lead["_id"] for lead in LEADS},
    # partner scopes select nothing for an internal user
    "own": set(),
    "partner_org": set(),
    "resellers": set(),
}

OPPORTUNITIES = [
    {"_id": "A-mine", "partner_org_id": "A", "partner_user_id": "me", "owner_id": "me"},
    {"_id": "A-colleague", "partner_org_id": "A", "partner_user_id": "colleague"},
    {"_id": "A-no-partner-user", "partner_org_id": "A"},
    {"_id": "B-same-user-id", "partner_org_id": "B", "partner_user_id": "me", "owner_id": "me"},
    {"_id": "B-other", "partner_org_id": "B", "partner_user_id": "b1"},
    {"_id": "R-reseller", "partner_org_id": "R", "partner_user_id": "r1"},
    {"_id": "internal-only", "owner_id": "me"},
    {"_id": "null-partner", "partner_org_id": None, "partner_user_id": "me"},
]

ACCOUNTS = [
    {"_id": "acc-A", "partner_org_ids": ["A"], "partner_user_id": "me"},
    {"_id": "acc-A-and-B", "partner_org_ids": ["B", "A"]},
    {"_id": "acc-B", "partner_org_ids": ["B"], "partner_user_id": "me"},
    {"_id": "acc-R", "partner_org_ids": ["R"]},
    {"_id": "acc-none", "partner_org_ids": [], "partner_user_id": "me"},
    {"_id": "acc-internal", "owner_id": "me"},
]

DISTRIBUTOR = partner_user(org="A", resellers={"R"})
PARTNER_EXPECTED = {
    "opportunity": {
        "own": {"A-mine"},
        "partner_org": {"A-mine", "A-colleague", "A-no-partner-user"},
        "resellers": {"A-mine", "A-colleague", "A-no-partner-user", "R-reseller"},
        # internal scopes select nothing for a partner, even where owner_id == me
        "mine": set(), "participating": set(), "to_follow_up": set(),
    },
    "account": {
        "own": {"acc-A"},
        "partner_org": {"acc-A", "acc-A-and-B"},
        "resellers": {"acc-A", "acc-A-and-B", "acc-R"},
        "mine": set(),
    },
}


def find_ids(records, query):
    collection = mongomock.MongoClient().db.records
    if records:
        collection.insert_many([dict(record) for record in records])
    return {record["_id"] for record in collection.find(query)}


@pytest.mark.parametrize(("scope", "expected"), sorted(INTERNAL_EXPECTED.items()))
def test_each_internal_scope_selects_exactly_its_records(scope, expected):
    assert find_ids(LEADS, compile_filter(ME, "lead", {scope})) == expected


@pytest.mark.parametrize(("object_type", "scope", "expected"),
                         [(object_type, scope, expected)
                          for object_type, by_scope in PARTNER_EXPECTED.items()
                          for scope, expected in sorted(by_scope.items())])
def test_each_partner_scope_selects_exactly_its_records(object_type, scope, expected):
    records = OPPORTUNITIES if object_type == "opportunity" else ACCOUNTS
    assert find_ids(records, compile_filter(DISTRIBUTOR, object_type, {scope})) == expected


def test_a_reseller_scope_without_resellers_is_the_own_organisation():
    plain = partner_user(org="A")
    assert find_ids(OPPORTUNITIES, compile_filter(plain, "opportunity", {"resellers"})) == {
        "A-mine", "A-colleague", "A-no-partner-user"}


def test_the_union_of_scopes_is_one_filter():
    query = compile_filter(ME, "lead", {"to_follow_up", "subordinates", "department"})
    assert find_ids(LEADS, query) == {"mine-new", "subordinate-owns", "in-my-department"}
    assert set(query) == {"$or"}


def test_every_partner_filter_is_anded_with_the_partner_domain():
    query = compile_filter(DISTRIBUTOR, "opportunity", {"own"})
    assert query["$and"][0] == {"partner_org_id": {"$in": ["A", "R"]}}


def test_all_is_the_empty_filter_for_internal_users_whatever_else_is_held():
    assert compile_filter(ME, "lead", {"all", "mine"}) == {}


@pytest.mark.parametrize("others", [set(), {"own"}, {"partner_org", "resellers"}])
def test_all_is_refused_for_a_partner_even_if_a_policy_grants_it(others):
    with pytest.raises(ScopeRefused):
        compile_filter(DISTRIBUTOR, "opportunity", {"all", *others})


def test_no_scope_means_no_access():
    assert compile_filter(ME, "lead", set()) is None
    assert compile_filter(DISTRIBUTOR, "opportunity", frozenset()) is None


@pytest.mark.parametrize("subject", [ME, DISTRIBUTOR])
def test_unknown_scope_names_raise(subject):
    with pytest.raises(UnknownScope, match="'everything'"):
        compile_filter(subject, "opportunity", {"mine", "everything"})


def test_unknown_object_types_raise():
    with pytest.raises(ValueError, match="invoice"):
        compile_filter(ME, "invoice", {"mine"})


@pytest.mark.parametrize("scope", ["subordinates", "subordinates_participating", "shared",
                                   "department"])
def test_empty_facts_select_nothing_not_everything(scope):
    nobody = internal_user()
    query = compile_filter(nobody, "lead", {scope})
    assert query == MATCH_NOTHING
    assert find_ids(LEADS, query) == set()


def test_a_scope_needing_a_field_the_type_lacks_selects_nothing():
    accounts = [{"_id": "a1", "owner_id": "me", "status": "unprocessed"}]
    assert compile_filter(ME, "account", {"to_follow_up"}) == MATCH_NOTHING
    assert find_ids(accounts, compile_filter(ME, "account", {"to_follow_up", "mine"})) == {"a1"}


def test_a_partner_on_a_type_without_an_organisation_field_gets_nothing():
    assert compile_filter(DISTRIBUTOR, "policy", {"partner_org"}) == MATCH_NOTHING


def test_match_nothing_is_a_fresh_filter_each_time():
    first = compile_filter(internal_user(), "lead", {"department"})
    first["_id"]["$in"].append("mine-new")
    assert compile_filter(internal_user(), "lead", {"department"}) == {"_id": {"$in": []}}


def test_follow_up_statuses_are_a_setting():
    settings = ScopeSettings(follow_up_statuses=("converted",))
    assert find_ids(LEADS, compile_filter(ME, "lead", {"to_follow_up"}, settings)) == {
        "mine-converted"}


def test_participating_degrades_to_mine_where_a_type_has_no_team():
    statements = [{"_id": "s-mine", "owner_id": "me"},
                  {"_id": "s-team", "owner_id": "x", "team_member_ids": ["me"]}]
    assert find_ids(statements, compile_filter(ME, "commission_statement",
                                               {"participating"})) == {"s-mine"}


@pytest.mark.parametrize("subject", [
    Subject(user_id="me", kind="partner", domain="partner:B", partner_org_id="A"),
    Subject(user_id="me", kind="partner", domain="partner:A"),
    Subject(user_id="me", kind="partner", domain="internal", partner_org_id="A"),
    Subject(user_id="me", kind="internal", domain="partner:A"),
    Subject(user_id="me", kind="robot", domain="internal"),
    Subject(user_id="", kind="internal", domain="internal"),
], ids=["other-org-domain", "no-org", "partner-internal", "internal-partner", "kind", "no-id"])
def test_a_subject_whose_facts_disagree_is_refused(subject):
    with pytest.raises(ValueError):
        compile_filter(subject, "opportunity", {"mine", "own"})


def _field_names(query):
    if isinstance(query, dict):
        for key, value in query.items():
            if not key.startswith("$"):
                yield key
            yield from _field_names(value)
    elif isinstance(query, list):
        for item in query:
            yield from _field_names(item)


@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_filters_name_only_whitelisted_fields(object_type):
    internal = [name for name in SCOPES if name not in ("own", "partner_org", "resellers")]
    for subject, names in ((ME, internal), (DISTRIBUTOR, ["own", "partner_org", "resellers"])):
        for name in names:
            query = compile_filter(subject, object_type, {name})
            assert set(_field_names(query)) <= whitelisted_fields(object_type), (name, query)


def test_services_and_the_filter_with_their_own_query():
    query = scoped({"status": "unprocessed"}, compile_filter(ME, "lead", {"mine", "subordinates"}))
    assert find_ids(LEADS, query) == {"mine-new", "subordinate-owns"}
