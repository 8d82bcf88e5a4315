"""The gateway's in-memory reading of a compiled scope on one record (authz/matcher):
MongoDB's meaning for the compiler's own shapes, and a refusal of every other shape."""
import pytest
from hypothesis import given, settings
from test_authz_properties import cases, matched

from gateway.authz.matcher import UnsupportedFilter, matches
from gateway.authz.scopes import MATCH_NOTHING, compile_filter

# (filter, record, expected)
CASES = [
    ({}, {}, True),
    ({}, {"owner_id": "u1"}, True),
    ({"owner_id": "u1"}, {"owner_id": "u1"}, True),
    ({"owner_id": "u1"}, {"owner_id": "u2"}, False),
    ({"owner_id": "u1"}, {}, False),
    ({"owner_id": None}, {}, True),                       # missing equals null
    ({"owner_id": None}, {"owner_id": None}, True),
    ({"owner_id": None}, {"owner_id": "u1"}, False),
    ({"owner_id": "1"}, {"owner_id": 1}, False),          # types as BSON compares them
    ({"active": True}, {"active": 1}, False),
    ({"n": 1}, {"n": 1.0}, True),                         # numbers compare by value
    ({"owner_id": "u1", "status": "new"}, {"owner_id": "u1", "status": "new"}, True),
    ({"owner_id": "u1", "status": "new"}, {"owner_id": "u1", "status": "won"}, False),
    ({"owner_id": {"$in": ["u1", "u2"]}}, {"owner_id": "u2"}, True),
    ({"owner_id": {"$in": ["u1", "u2"]}}, {"owner_id": "u3"}, False),
    ({"owner_id": {"$in": ["u1", None]}}, {}, True),
    ({"owner_id": {"$in": []}}, {"owner_id": "u1"}, False),
    (MATCH_NOTHING, {"_id": "x"}, False),
    (MATCH_NOTHING, {}, False),
    # A list field matches by its elements (partner_org_ids on accounts, teams).
    ({"partner_org_ids": "A"}, {"partner_org_ids": ["B", "A"]}, True),
    ({"partner_org_ids": "A"}, {"partner_org_ids": []}, False),
    ({"partner_org_ids": {"$in": ["C", "A"]}}, {"partner_org_ids": ["A"]}, True),
    ({"partner_org_ids": {"$in": ["C"]}}, {"partner_org_ids": ["A", "B"]}, False),
    ({"$or": [{"owner_id": "u1"}, {"team_member_ids": "u1"}]},
     {"owner_id": "u2", "team_member_ids": ["u1"]}, True),
    ({"$or": [{"owner_id": "u1"}, {"team_member_ids": "u1"}]},
     {"owner_id": "u2", "team_member_ids": ["u3"]}, False),
    ({"$and": [{"partner_org_id": {"$in": ["A"]}}, {"partner_user_id": "p1"}]},
     {"partner_org_id": "A", "partner_user_id": "p1"}, True),
    ({"$and": [{"partner_org_id": {"$in": ["A"]}}, {"partner_user_id": "p1"}]},
     {"partner_org_id": "B", "partner_user_id": "p1"}, False),
]


@pytest.mark.parametrize(("scope", "record", "expected"), CASES)
def test_a_scope_reads_one_record_as_mongodb_does(scope, record, expected):
    assert matches(scope, record) is expected


@pytest.mark.parametrize("scope", [
    {"owner_id": {"$ne": "u1"}},                  # an operator the compiler never writes
    {"owner_id": {"$in": "u1"}},                  # $in over a non-list
    {"owner_id": {"$in": ["u1"], "$nin": ["u2"]}},
    {"$nor": [{"owner_id": "u1"}]},
    {"$or": []},
    {"$and": {"owner_id": "u1"}},
    {"owner.id": "u1"},                           # dotted paths are not whitelisted fields
    {"owner_id": {"u1": 1}},
    {"owner_id": ["u1"]},                         # equality with an array
    ["owner_id"],
])
def test_a_shape_the_compiler_never_writes_is_refused_not_guessed(scope):
    with pytest.raises(UnsupportedFilter):
        matches(scope, {"owner_id": "u1"})


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_compiled_scope_selects_what_the_store_selects(case):
    """For random subjects, scope combinations and records, the matcher keeps exactly
    the records the store's own query keeps."""
    subject, object_type, scope_names, documents = case
    query = compile_filter(subject, object_type, scope_names)
    if query is None:
        return
    numbered = [{**document, "_id": index} for index, document in enumerate(documents)]
    assert {d["_id"] for d in numbered if matches(query, d)} == matched(documents, query)
