"""Properties of the scope compiler over random subjects and random records on the
embedded engine: partners stay inside their domain whatever scopes they hold, a
union is the union of its parts, and each scope selects what its definition says
(checked against a plain-Python reading of the definitions)."""
import mongomock
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.authz.scopes import (
    DEFAULT_SETTINGS,
    INTERNAL_SCOPES,
    PARTNER_SCOPES,
    RECORD_FIELDS,
    SCOPES,
    compile_filter,
)
from gateway.authz.subject import INTERNAL, Subject, partner_domain
from sfa_common.contracts.leads import LEAD_STATES

# Small pools, so that random subjects and records share ids and collide often.
USERS = ("u0", "u1", "u2", "u3")
ORGS = ("A", "B", "C", "D")
DEPARTMENTS = ("d0", "d1", "d2")
RECORD_TYPES = ("lead", "account", "contact", "opportunity", "quote", "deal_registration",
                "commission_statement")

ids = st.sets(st.sampled_from(USERS), max_size=3)
departments = st.sets(st.sampled_from(DEPARTMENTS), max_size=2)


@st.composite
def internal_subjects(draw):
    return Subject(user_id=draw(st.sampled_from(USERS)), kind="internal", domain=INTERNAL,
                   subordinate_ids=frozenset(draw(ids)),
                   headed_department_ids=frozenset(draw(departments)),
                   shared_owner_ids=frozenset(draw(ids)),
                   shared_department_ids=frozenset(draw(departments)))


@st.composite
def partner_subjects(draw):
    org = draw(st.sampled_from(ORGS))
    resellers = draw(st.sets(st.sampled_from([o for o in ORGS if o != org]), max_size=2))
    # Internal facts a partner should never have; if it had, they must not widen it.
    return Subject(user_id=draw(st.sampled_from(USERS)), kind="partner",
                   domain=partner_domain(org), partner_org_id=org,
                   reseller_org_ids=frozenset(resellers),
                   subordinate_ids=frozenset(draw(ids)),
                   headed_department_ids=frozenset(draw(departments)),
                   shared_owner_ids=frozenset(draw(ids)))


subjects = st.one_of(internal_subjects(), partner_subjects())


def records(object_type):
    fields = RECORD_FIELDS[object_type]
    list_orgs = fields.partner_org.endswith("_ids")
    optional = {
        fields.owner: st.one_of(st.none(), st.sampled_from(USERS)),
        fields.department: st.one_of(st.none(), st.sampled_from(DEPARTMENTS)),
        fields.partner_org: (st.lists(st.sampled_from(ORGS), max_size=2, unique=True)
                             if list_orgs else st.one_of(st.none(), st.sampled_from(ORGS))),
        fields.partner_user: st.sampled_from(USERS),
    }
    if fields.team:
        optional[fields.team] = st.lists(st.sampled_from(USERS), max_size=3, unique=True)
    if fields.status:
        optional[fields.status] = st.sampled_from(LEAD_STATES)
    return st.lists(st.fixed_dictionaries({}, optional=optional), max_size=25)


@st.composite
def cases(draw, subject_strategy=subjects):
    object_type = draw(st.sampled_from(RECORD_TYPES))
    subject = draw(subject_strategy)
    allowed = [s for s in SCOPES if not (subject.is_partner and s == "all")]
    scope_names = draw(st.sets(st.sampled_from(allowed), max_size=len(allowed)))
    return subject, object_type, scope_names, draw(records(object_type))


def matched(documents, query):
    collection = mongomock.MongoClient().db.records
    if documents:
        collection.insert_many([{**document, "_id": index}
                                for index, document in enumerate(documents)])
    return {document["_id"] for document in collection.find(query)}


def partner_orgs(record, object_type):
    value = record.get(RECORD_FIELDS[object_type].partner_org)
    return set(value) if isinstance(value, list) else {value} - {None}


def in_domain(subject, record, object_type):
    if not subject.is_partner:
        return True
    return bool(partner_orgs(record, object_type)
                & {subject.partner_org_id, *subject.reseller_org_ids})


@settings(max_examples=300, deadline=None)
@given(cases(partner_subjects()), st.data())
def test_no_scope_combination_shows_a_partner_another_partners_record(case, data):
    """Records of an organisation outside the partner's domain, made to look like the
    partner's own in every other respect, never match."""
    subject, object_type, scope_names, documents = case
    fields = RECORD_FIELDS[object_type]
    outside = [o for o in ORGS if o not in {subject.partner_org_id, *subject.reseller_org_ids}]
    other = data.draw(st.sampled_from(outside)) if outside else "Z"
    lookalike = {fields.owner: subject.user_id, fields.partner_user: subject.user_id,
                 fields.department: min(subject.headed_department_ids, default="d0"),
                 fields.partner_org: [other] if fields.partner_org.endswith("_ids") else other}
    if fields.team:
        lookalike[fields.team] = [subject.user_id]
    if fields.status:
        lookalike[fields.status] = "unprocessed"
    victims = [lookalike, *(d for d in documents if partner_orgs(d, object_type) == {other})]
    query = compile_filter(subject, object_type, scope_names)
    if query is None:
        return
    assert matched(victims, query) == set()


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_compiled_filter_stays_inside_the_subjects_domain(case):
    subject, object_type, scope_names, documents = case
    query = compile_filter(subject, object_type, scope_names)
    if query is None:
        return
    for index in matched(documents, query):
        assert in_domain(subject, documents[index], object_type), documents[index]


@settings(max_examples=200, deadline=None)
@given(cases())
def test_the_compiled_union_is_the_union_of_the_single_scopes(case):
    subject, object_type, scope_names, documents = case
    union = compile_filter(subject, object_type, scope_names)
    if union is None:
        assert not scope_names
        return
    singles = set()
    for name in scope_names:
        singles |= matched(documents, compile_filter(subject, object_type, {name}))
    assert matched(documents, union) == singles


def selects(scope, subject, record, object_type, statuses=DEFAULT_SETTINGS.follow_up_statuses):
    """The definitions of the scopes, read straight, one record at a time."""
    fields = RECORD_FIELDS[object_type]
    me = subject.user_id
    owner = record.get(fields.owner) if fields.owner else None
    team = set(record.get(fields.team) or ()) if fields.team else set()
    department = record.get(fields.department) if fields.department else None
    orgs = partner_orgs(record, object_type) if fields.partner_org else set()
    if subject.is_partner:
        domain = {subject.partner_org_id, *subject.reseller_org_ids}
        if scope not in PARTNER_SCOPES or not orgs & domain:
            return False
        if scope == "own":
            return (bool(fields.partner_user) and record.get(fields.partner_user) == me
                    and subject.partner_org_id in orgs)
        if scope == "partner_org":
            return subject.partner_org_id in orgs
        return bool(orgs & domain)   # resellers
    if scope not in INTERNAL_SCOPES:
        return False
    subordinates = subject.subordinate_ids
    return {
        "to_follow_up": owner == me and bool(fields.status)
        and record.get(fields.status) in statuses,
        "mine": owner == me,
        "subordinates": owner in subordinates,
        "participating": owner == me or me in team,
        "subordinates_participating": owner in subordinates or bool(team & subordinates),
        "shared": owner in subject.shared_owner_ids
        or department in subject.shared_department_ids,
        "department": department in subject.headed_department_ids,
        "all": True,
    }[scope]


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_each_scope_selects_what_its_definition_says(case, data):
    subject, object_type, _, documents = case
    allowed = [s for s in SCOPES if not (subject.is_partner and s == "all")]
    scope = data.draw(st.sampled_from(allowed))
    expected = {index for index, document in enumerate(documents)
                if selects(scope, subject, document, object_type)}
    assert matched(documents, compile_filter(subject, object_type, {scope})) == expected
