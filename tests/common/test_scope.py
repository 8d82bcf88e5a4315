"""scoped(): a service's own query restricted to the caller's data scope."""
import copy

import mongomock
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfa_common.errors import Forbidden, ValidationFailed
from sfa_common.scope import scoped

QUERY = {"status": {"$ne": "voided"}}


def test_no_scope_is_forbidden():
    with pytest.raises(Forbidden):
        scoped(QUERY, None)


@pytest.mark.parametrize("scope", [[], [{"owner_id": "u1"}], "owner_id=u1", 1, True,
                                   ("owner_id", "u1")])
def test_a_scope_that_is_not_an_object_is_a_validation_failure(scope):
    with pytest.raises(ValidationFailed) as raised:
        scoped(QUERY, scope)
    assert set(raised.value.details) == {"scope"}


def test_an_empty_scope_leaves_the_query_unchanged():
    assert scoped(QUERY, {}) == QUERY
    assert scoped({}, {}) == {}


def test_a_scope_is_anded_onto_the_query():
    scope = {"owner_id": "u1"}
    assert scoped(QUERY, scope) == {"$and": [QUERY, scope]}


def test_a_scope_on_the_same_field_narrows_never_overrides():
    # A dict merge would let the scope's owner_id replace the query's (or the reverse).
    combined = scoped({"owner_id": "u2"}, {"owner_id": "u1"})
    collection = mongomock.MongoClient().db.leads
    collection.insert_many([{"owner_id": "u1"}, {"owner_id": "u2"}])
    assert list(collection.find(combined)) == []


def test_an_empty_query_is_just_the_scope():
    collection = mongomock.MongoClient().db.leads
    collection.insert_many([{"owner_id": "u1"}, {"owner_id": "u2"}])
    assert [d["owner_id"] for d in collection.find(scoped({}, {"owner_id": "u1"}))] == ["u1"]


def test_scoped_does_not_mutate_its_arguments():
    query, scope = {"status": "unprocessed"}, {"$or": [{"owner_id": "u1"}, {"team": "u1"}]}
    before = copy.deepcopy((query, scope))
    scoped(query, scope)
    assert (query, scope) == before


# --- property: find(scoped(q, s)) is exactly what matches both q and s -----------------

FIELDS = {
    "owner_id": ["u1", "u2", "u3"],
    "status": ["unprocessed", "following_up", "converted", "voided"],
    "partner_org_id": ["p1", "p2"],
    "department_id": ["d1", "d2"],
}


def _value(field):
    return st.sampled_from(FIELDS[field])


def _condition(field):
    return st.one_of(
        _value(field),
        st.fixed_dictionaries({"$in": st.lists(_value(field), max_size=3)}),
        st.fixed_dictionaries({"$nin": st.lists(_value(field), max_size=3)}),
        st.fixed_dictionaries({"$ne": _value(field)}),
        st.fixed_dictionaries({"$exists": st.booleans()}),
    )


# A leaf is a plain filter on zero or more fields; $or / $and nest them.
FIELD_FILTER = st.fixed_dictionaries({}, optional={field: _condition(field) for field in FIELDS})
FILTERS = st.recursive(
    FIELD_FILTER,
    lambda children: st.one_of(
        st.fixed_dictionaries({"$or": st.lists(children, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"$and": st.lists(children, min_size=1, max_size=3)}),
    ),
    max_leaves=5,
)
QUERIES = st.one_of(st.just({}), FILTERS)
SCOPES = st.one_of(st.just({}), FILTERS)
# A field a record does not have is a real case (a lead with no partner), hence optional.
RECORDS = st.lists(
    st.fixed_dictionaries({}, optional={field: _value(field) for field in FIELDS}),
    max_size=12,
)


EMBEDDED = mongomock.MongoClient()


@settings(max_examples=200, database=None, deadline=None)
@given(records=RECORDS, query=QUERIES, scope=SCOPES)
def test_property_scoped_find_is_the_intersection(records, query, scope):
    collection = EMBEDDED.db.leads
    collection.delete_many({})
    if records:
        collection.insert_many([dict(r) for r in records])

    def ids(filter_):
        return {document["_id"] for document in collection.find(filter_)}

    assert ids(scoped(query, scope)) == ids(query) & ids(scope)
