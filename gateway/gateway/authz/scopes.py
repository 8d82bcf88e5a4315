"""The scope compiler: (subject, object type, action) -> one MongoDB filter.

Casbin decides *which* scopes a subject holds (``scopes_for``: one policy query per
request); ``compile_filter`` turns the union of those scopes into one filter over
whitelisted record fields, which the gateway hands to the service with the call
(``sfa_common.scope.scoped`` ANDs it onto the service's own query). Never one
``enforce()`` per record.

No I/O here: the enforcer is an in-memory object, the subject is plain facts
loaded upstream (``authz.subject.Subject``).

What a scope means for each action: for ``read`` and ``update`` the filter selects
the records the subject may see or change (a record outside it answers 404); for
``create`` it describes the records the subject may create (the new record, with
the owner and partner fields the gateway stamps on it, must satisfy it).

Fail closed everywhere:
- no scope at all -> ``None`` (no access; the caller answers 403/404);
- a scope that is meaningless for this subject (``department`` for someone who heads
  nothing, ``subordinates`` without subordinates) or for this object type (a field it
  does not have) -> ``MATCH_NOTHING``, never the empty filter;
- an unknown scope name -> ``UnknownScope``; ``all`` for a partner -> ``ScopeRefused``
  (defence in depth: policy validation refuses both before they reach the store);
- a partner's filter is always ANDed with its domain (its organisation and, for a
  distributor, its resellers), so no scope or combination of scopes reaches further.
"""
import copy
from dataclasses import dataclass

from .domains import domain_matches
from .subject import INTERNAL, partner_domain

# Matches no document, on MongoDB and on the embedded engine alike. compile_filter
# returns a fresh copy every time, so a caller that edits its filter edits only its own.
MATCH_NOTHING = {"_id": {"$in": []}}
_NOTHING = object()   # inside the compiler: "this part selects no record"

INTERNAL_SCOPES = ("to_follow_up", "mine", "subordinates", "participating",
                   "subordinates_participating", "shared", "department", "all")
PARTNER_SCOPES = ("own", "partner_org", "resellers")
SCOPES = INTERNAL_SCOPES + PARTNER_SCOPES


class UnknownScope(ValueError):
    """A policy names a scope the compiler does not know."""


class ScopeRefused(ValueError):
    """A scope this kind of subject must never hold (``all`` for a partner)."""


@dataclass(frozen=True)
class RecordFields:
    """Where an object type keeps the facts scopes look at. ``None``: it has no such
    field, and a scope that needs it matches nothing for this type.

    ``partner_org`` may name a list field (accounts are served by several partners):
    MongoDB's equality and ``$in`` match a list by its elements, so the same filter
    works for both shapes."""
    owner: str | None = "owner_id"
    team: str | None = "team_member_ids"          # list of user ids
    department: str | None = "department_id"
    status: str | None = None
    partner_org: str | None = "partner_org_id"
    partner_user: str | None = "partner_user_id"

    def names(self):
        return frozenset(name for name in (self.owner, self.team, self.department,
                                           self.status, self.partner_org, self.partner_user)
                         if name)


# The whitelist: the only record fields a compiled filter ever names (plus ``_id`` in
# MATCH_NOTHING). The services index these fields.
RECORD_FIELDS = {
    "lead": RecordFields(status="status"),
    "account": RecordFields(partner_org="partner_org_ids"),
    "contact": RecordFields(partner_org="partner_org_ids"),   # as its account
    "opportunity": RecordFields(),
    "quote": RecordFields(),
    "deal_registration": RecordFields(),
    "commission_statement": RecordFields(team=None),
    # An offer of a lead goes to a partner organisation as a whole; who made it
    # (offered_by) is internal and scopes nothing: internal users reach offers with `all`.
    "lead_offer": RecordFields(owner=None, team=None, department=None, partner_user=None),
    # A quota belongs to one rep (owner_id) or one partner organisation.
    "quota": RecordFields(team=None, partner_user=None),
    # Identity administration: partner users carry their organisation; internal
    # users and policies are administered with `all` only.
    # Catalogues (not owned records): only `all` applies, and only sales ops and
    # admins hold it; reading the product catalogue needs no grant (every signed-in
    # user, partners included, sees the catalogue).
    "product": RecordFields(owner=None, team=None, department=None, partner_org=None,
                            partner_user=None),
    # Price lists and their rules: a catalogue like products, but reading one is a
    # grant (internal users only: partners never see rules, costs or other tiers).
    "price_list": RecordFields(owner=None, team=None, department=None, partner_org=None,
                               partner_user=None),
    "commission_period": RecordFields(owner=None, team=None, department=None,
                                      partner_org=None, partner_user=None),
    "identity": RecordFields(owner=None, team=None, department=None, partner_user=None),
    "policy": RecordFields(owner=None, team=None, department=None, partner_org=None,
                           partner_user=None),
}
OBJECT_TYPES = tuple(RECORD_FIELDS)

# The fields each scope cannot do without (participating without a team field is
# just "owner is me"; shared without a department field is just the owner rules).
_NEEDS = {
    "to_follow_up": ("owner", "status"),
    "mine": ("owner",),
    "subordinates": ("owner",),
    "participating": ("owner",),
    "subordinates_participating": ("owner",),
    "shared": ("owner",),
    "department": ("department",),
    "all": (),
    "own": ("partner_org", "partner_user"),
    "partner_org": ("partner_org",),
    "resellers": ("partner_org",),
}


@dataclass(frozen=True)
class ScopeSettings:
    """Settings that change what a scope means when it is compiled.

    Settings about the org tree are resolved before the compiler sees the subject,
    into its facts: "the department scope includes sub-departments"
    (``GatewaySettings.department_scope_includes_subdepartments``) is applied by
    ``gateway.identity.subjects.load_subject`` when it fills
    ``Subject.headed_department_ids`` (the headed departments, plus all below them
    when it is on). The compiler only ever reads that set.
    """
    follow_up_statuses: tuple = ("unprocessed", "following_up")


DEFAULT_SETTINGS = ScopeSettings()


def applies_to(scope, fields):
    """Can ``scope`` select anything among records with these ``RecordFields``?"""
    return all(getattr(fields, need) for need in _NEEDS[scope])


def whitelisted_fields(object_type):
    return RECORD_FIELDS[object_type].names() | {"_id"}


def held_roles(enforcer, subject):
    """The subject itself, the roles the identity store gives it, and everything
    those inherit through ``g`` links in the subject's domain."""
    names = {subject.user_id, *subject.roles}
    for name in list(names):
        names.update(enforcer.get_implicit_roles_for_user(name, subject.domain))
    return frozenset(names)


def scopes_for(enforcer, subject, object_type, action):
    """The scope names the subject holds for (object type, action): one pass over the
    policy, keeping the rules on (object type, action) of a held role whose domain
    holds in the subject's domain. (Casbin's get_implicit_permissions_for_user does
    the same with one get_filtered_policy per role; that generic filter costs ~1 us
    per rule per call, this pass a tenth of it.)"""
    roles = held_roles(enforcer, subject)
    # get_policy() hands out Casbin's live list; list() snapshots it in one step, so
    # an admin change in another thread cannot shift it under the loop.
    rules = list(enforcer.get_policy())
    return frozenset(scope for role, domain, rule_object, rule_action, scope in rules
                     if rule_object == object_type and rule_action == action
                     and role in roles and domain_matches(subject.domain, domain))


def compile_filter(subject, object_type, scope_names, settings=DEFAULT_SETTINGS):
    """One MongoDB filter for the union of ``scope_names``; ``None`` = no access."""
    _check_subject(subject)
    fields = RECORD_FIELDS.get(object_type)
    if fields is None:
        raise ValueError(f"unknown object type {object_type!r}")
    names = sorted(set(scope_names))
    unknown = [name for name in names if name not in _NEEDS]
    if unknown:
        raise UnknownScope(f"unknown scope(s) {', '.join(map(repr, unknown))}")
    if not names:
        return None
    if subject.is_partner:
        if "all" in names:
            raise ScopeRefused("the internal scope 'all' is never granted to a partner")
        union = _union([_one(name, subject, fields, settings) for name in names])
        restriction = _partner_domain_filter(subject, fields)
        if union is _NOTHING or restriction is _NOTHING:
            return _match_nothing()
        return {"$and": [restriction, union]}
    if "all" in names:
        return {}
    union = _union([_one(name, subject, fields, settings) for name in names])
    return _match_nothing() if union is _NOTHING else union


def _check_subject(subject):
    """A subject whose facts contradict each other is a bug upstream: refuse it
    rather than guess which fact to trust."""
    if not subject.user_id:
        raise ValueError("subject without a user id")
    if subject.kind == "internal":
        if subject.domain != INTERNAL:
            raise ValueError(f"internal subject in domain {subject.domain!r}")
    elif subject.kind == "partner":
        if not subject.partner_org_id or subject.domain != partner_domain(subject.partner_org_id):
            raise ValueError(f"partner subject of organisation {subject.partner_org_id!r} "
                             f"in domain {subject.domain!r}")
    else:
        raise ValueError(f"unknown subject kind {subject.kind!r}")


def _match_nothing():
    return copy.deepcopy(MATCH_NOTHING)


def _union(parts):
    parts = [part for part in parts if part is not _NOTHING]
    if not parts:
        return _NOTHING
    if len(parts) == 1:
        return parts[0]
    return {"$or": parts}


def _in(field, values):
    return {field: {"$in": sorted(values)}} if values else _NOTHING


def _partner_orgs(subject):
    return {subject.partner_org_id, *subject.reseller_org_ids}


def _partner_domain_filter(subject, fields):
    if not fields.partner_org:
        return _NOTHING
    return _in(fields.partner_org, _partner_orgs(subject))


def _one(name, subject, fields, settings):
    """One scope's filter, or _NOTHING when it cannot select anything here: a scope
    of the other kind of subject (partner scopes for internal users and the other way
    round) or one that needs a field this object type does not have."""
    own_kind = PARTNER_SCOPES if subject.is_partner else INTERNAL_SCOPES
    if name not in own_kind or not applies_to(name, fields):
        return _NOTHING
    return _COMPILERS[name](subject, fields, settings)


def _to_follow_up(subject, fields, settings):
    return {fields.owner: subject.user_id,
            fields.status: {"$in": list(settings.follow_up_statuses)}}


def _mine(subject, fields, settings):
    return {fields.owner: subject.user_id}


def _subordinates(subject, fields, settings):
    return _in(fields.owner, subject.subordinate_ids)


def _participating(subject, fields, settings):
    if not fields.team:
        return _mine(subject, fields, settings)
    return {"$or": [{fields.owner: subject.user_id}, {fields.team: subject.user_id}]}


def _subordinates_participating(subject, fields, settings):
    if not fields.team or not subject.subordinate_ids:
        return _subordinates(subject, fields, settings)
    return {"$or": [_in(fields.owner, subject.subordinate_ids),
                    _in(fields.team, subject.subordinate_ids)]}


def _shared(subject, fields, settings):
    parts = [_in(fields.owner, subject.shared_owner_ids)]
    if fields.department:
        parts.append(_in(fields.department, subject.shared_department_ids))
    return _union(parts)


def _department(subject, fields, settings):
    return _in(fields.department, subject.headed_department_ids)


def _all(subject, fields, settings):
    return {}


def _own(subject, fields, settings):
    return {fields.partner_user: subject.user_id, fields.partner_org: subject.partner_org_id}


def _partner_org(subject, fields, settings):
    return {fields.partner_org: subject.partner_org_id}


def _resellers(subject, fields, settings):
    return _in(fields.partner_org, _partner_orgs(subject))


_COMPILERS = {
    "to_follow_up": _to_follow_up,
    "mine": _mine,
    "subordinates": _subordinates,
    "participating": _participating,
    "subordinates_participating": _subordinates_participating,
    "shared": _shared,
    "department": _department,
    "all": _all,
    "own": _own,
    "partner_org": _partner_org,
    "resellers": _resellers,
}
assert set(_COMPILERS) == set(_NEEDS) == set(SCOPES)
