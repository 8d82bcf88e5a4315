"""The Casbin policy: the default grants, the enforcer the gateway builds once per
process over its MongoDB collection, and the functions the admin API manages it with.

A grant is ``p, role, domain, object type, action, scope``; a role link is
``g, user-or-role, role, domain``. Users get their roles from the identity store
(``Subject.roles``); ``g`` links add role inheritance (below) and any extra per-user
grants an administrator makes. The scope compiler (``scopes.py``) reads both.
"""
from pathlib import Path

import casbin

from .adapter import MongoPolicyAdapter
from .domains import PARTNER_WILDCARD, domain_matches, is_policy_domain
from .scopes import INTERNAL_SCOPES, OBJECT_TYPES, PARTNER_SCOPES, RECORD_FIELDS, applies_to
from .subject import INTERNAL

MODEL_PATH = Path(__file__).with_name("model.conf")

RECORD_ACTIONS = ("read", "create", "update")
ADMIN_ACTION = "admin"                       # identity and policy management
APPROVE_ACTION = "approve"                   # a quote's discount, above its author's limit
ACTIONS = RECORD_ACTIONS + (APPROVE_ACTION, ADMIN_ACTION)
ADMIN_OBJECTS = ("identity", "policy")
APPROVAL_OBJECTS = ("quote",)

# The roles the identity store hands out (gateway.identity.store has the same lists).
INTERNAL_ROLES = ("sales_rep", "sales_manager", "channel_manager", "sales_ops", "admin")
PARTNER_ROLES = ("partner_rep", "partner_admin")

POLICY_COLLECTION = "casbin_policies"
SEEDED_MARKER = "defaults_seeded"   # _id of the document that says the defaults went in

_LEAD = ("lead",)
_CUSTOMER = ("account", "contact", "opportunity")
_SELLING = _LEAD + _CUSTOMER + ("quote",)
_CHANNEL = _SELLING + ("deal_registration",)
_RECORDS = _CHANNEL + ("commission_statement",)
_P = PARTNER_WILDCARD

# (role, domain, object types, action, scopes). Inherited roles add to these (ROLE_LINKS).
GRANTS = (
    # A rep works their own records, the ones they are on the team of, and those shared
    # with them; "to follow up" is the leads view of "mine".
    ("sales_rep", INTERNAL, _LEAD, "read", ("to_follow_up", "mine", "participating", "shared")),
    ("sales_rep", INTERNAL, _CUSTOMER + ("quote",), "read", ("mine", "participating", "shared")),
    ("sales_rep", INTERNAL, _SELLING, "create", ("mine",)),
    ("sales_rep", INTERNAL, _SELLING, "update", ("mine", "participating")),
    ("sales_rep", INTERNAL, ("deal_registration",), "read", ("mine", "participating")),
    ("sales_rep", INTERNAL, ("commission_statement",), "read", ("mine",)),
    # A manager also sees the team below them and the departments they head.
    ("sales_manager", INTERNAL, _CHANNEL, "read",
     ("subordinates", "subordinates_participating", "department")),
    ("sales_manager", INTERNAL, _SELLING, "update", ("subordinates",)),
    ("sales_manager", INTERNAL, ("commission_statement",), "read", ("subordinates", "department")),
    # A channel manager reviews every partner's deal registrations and works accounts
    # and opportunities like a rep, plus the departments they head.
    ("channel_manager", INTERNAL, _LEAD, "read", ("mine", "participating", "shared")),
    ("channel_manager", INTERNAL, _CUSTOMER, "read",
     ("mine", "participating", "shared", "department")),
    ("channel_manager", INTERNAL, _SELLING, "create", ("mine",)),
    ("channel_manager", INTERNAL, _SELLING, "update", ("mine", "participating")),
    ("channel_manager", INTERNAL, ("quote",), "read", ("mine", "participating")),
    ("channel_manager", INTERNAL, ("deal_registration",), "read", ("all",)),
    ("channel_manager", INTERNAL, ("deal_registration",), "update", ("all",)),
    ("channel_manager", INTERNAL, ("commission_statement",), "read", ("mine",)),
    # Sales operations: every record to read, customer data to maintain (imports,
    # reassignment), registrations to process, commission runs to produce.
    ("sales_ops", INTERNAL, _RECORDS, "read", ("all",)),
    ("sales_ops", INTERNAL, _LEAD + _CUSTOMER, "create", ("all",)),
    ("sales_ops", INTERNAL, _LEAD + _CUSTOMER + ("deal_registration",), "update", ("all",)),
    ("sales_ops", INTERNAL, ("commission_statement",), "create", ("all",)),
    ("sales_ops", INTERNAL, ("commission_statement",), "update", ("all",)),
    ("admin", INTERNAL, _RECORDS, "read", ("all",)),
    ("admin", INTERNAL, _RECORDS, "create", ("all",)),
    ("admin", INTERNAL, _RECORDS, "update", ("all",)),
    ("admin", INTERNAL, ADMIN_OBJECTS, ADMIN_ACTION, ("all",)),
    # Catalogues: sales ops and admins maintain products, price lists and their rules,
    # and open commission periods. Every internal user reads the price lists (and how
    # a price came about); partners price under their organisation's tier only and
    # never read a list (reading the product catalogue needs no grant).
    ("sales_ops", INTERNAL, ("product", "price_list"), "create", ("all",)),
    ("sales_ops", INTERNAL, ("product", "price_list"), "update", ("all",)),
    ("sales_ops", INTERNAL, ("commission_period",), "read", ("all",)),
    ("sales_ops", INTERNAL, ("commission_period",), "create", ("all",)),
    # Closing a period (it locks its statements) and recomputing one.
    ("sales_ops", INTERNAL, ("commission_period",), "update", ("all",)),
    ("admin", INTERNAL, ("product", "price_list"), "create", ("all",)),
    ("admin", INTERNAL, ("product", "price_list"), "update", ("all",)),
    # Every internal role reads price lists (sales managers through sales_rep).
    *[(role, INTERNAL, ("price_list",), "read", ("all",))
      for role in ("sales_rep", "channel_manager", "sales_ops", "admin")],
    ("admin", INTERNAL, ("commission_period",), "read", ("all",)),
    ("admin", INTERNAL, ("commission_period",), "create", ("all",)),
    ("admin", INTERNAL, ("commission_period",), "update", ("all",)),
    # A quote whose discount exceeds its author's limit waits for approval: by the
    # author's manager (the team below them, the departments they head), sales
    # operations or an admin. Never by a partner, never by the author themselves
    # (the gateway refuses that).
    ("sales_manager", INTERNAL, ("quote",), APPROVE_ACTION, ("subordinates", "department")),
    ("sales_ops", INTERNAL, ("quote",), APPROVE_ACTION, ("all",)),
    ("admin", INTERNAL, ("quote",), APPROVE_ACTION, ("all",)),
    # Quotas: sales ops set them; a rep reads their own, a manager the team's and the
    # departments they head, a partner admin the organisation's.
    ("sales_rep", INTERNAL, ("quota",), "read", ("mine",)),
    ("sales_manager", INTERNAL, ("quota",), "read", ("subordinates", "department")),
    ("channel_manager", INTERNAL, ("quota",), "read", ("mine", "department")),
    ("sales_ops", INTERNAL, ("quota",), "read", ("all",)),
    ("sales_ops", INTERNAL, ("quota",), "create", ("all",)),
    ("sales_ops", INTERNAL, ("quota",), "update", ("all",)),
    ("admin", INTERNAL, ("quota",), "read", ("all",)),
    ("admin", INTERNAL, ("quota",), "create", ("all",)),
    ("admin", INTERNAL, ("quota",), "update", ("all",)),
    ("partner_admin", _P, ("quota",), "read", ("partner_org",)),
    # Partners, in every partner domain: a rep their own deals, an admin the whole
    # organisation and its users. Two-tier distribution: a distributor's admin also
    # reads its resellers' records and vets their deal registrations. That is the
    # `resellers` scope, which the data makes a distributor's: for an organisation
    # without resellers it is the organisation itself, no more.
    ("partner_rep", _P, _CHANNEL, "read", ("own",)),
    ("partner_rep", _P, _CUSTOMER + ("quote", "deal_registration"), "create", ("own",)),
    ("partner_rep", _P, _CHANNEL, "update", ("own",)),
    ("partner_admin", _P, _CHANNEL + ("commission_statement",), "read",
     ("partner_org", "resellers")),
    ("partner_admin", _P, _CUSTOMER + ("quote", "deal_registration"), "create", ("partner_org",)),
    ("partner_admin", _P, _CHANNEL, "update", ("partner_org",)),
    ("partner_admin", _P, ("deal_registration",), "update", ("resellers",)),
    ("partner_admin", _P, ("identity",), ADMIN_ACTION, ("partner_org",)),
    # Lead offers: the channel side (channel managers, sales ops, admins) offers leads
    # to partners; an offer goes to the whole organisation, whose users (the admin
    # through partner_rep) read it and accept or decline it.
    ("channel_manager", INTERNAL, ("lead_offer",), "read", ("all",)),
    ("channel_manager", INTERNAL, ("lead_offer",), "create", ("all",)),
    ("channel_manager", INTERNAL, ("lead_offer",), "update", ("all",)),
    ("sales_ops", INTERNAL, ("lead_offer",), "read", ("all",)),
    ("sales_ops", INTERNAL, ("lead_offer",), "create", ("all",)),
    ("sales_ops", INTERNAL, ("lead_offer",), "update", ("all",)),
    ("admin", INTERNAL, ("lead_offer",), "read", ("all",)),
    ("admin", INTERNAL, ("lead_offer",), "create", ("all",)),
    ("admin", INTERNAL, ("lead_offer",), "update", ("all",)),
    ("partner_rep", _P, ("lead_offer",), "read", ("partner_org",)),
    ("partner_rep", _P, ("lead_offer",), "update", ("partner_org",)),
)

# (role, inherits, domain)
ROLE_LINKS = (
    ("sales_manager", "sales_rep", INTERNAL),
    ("partner_admin", "partner_rep", _P),
)

DEFAULT_POLICIES = tuple(
    [("p", role, domain, object_type, action, scope)
     for role, domain, object_types, action, scopes in GRANTS
     for object_type in object_types for scope in scopes]
    + [("g", role, inherits, domain) for role, inherits, domain in ROLE_LINKS])


class PolicyRejected(ValueError):
    """A grant or role link the admin API must not store (answer 422)."""


def check_grant(role, domain, object_type, action, scope):
    """Refuse a grant that could not mean anything or would widen a partner's reach."""
    if not isinstance(role, str) or not role.strip():
        raise PolicyRejected("role must be a non-empty name")
    if not is_policy_domain(domain):
        raise PolicyRejected(f"domain must be {INTERNAL!r}, {PARTNER_WILDCARD!r} or "
                             f"'partner:<organisation id>', not {domain!r}")
    if object_type not in OBJECT_TYPES:
        raise PolicyRejected(f"unknown object type {object_type!r}")
    if action not in ACTIONS:
        raise PolicyRejected(f"unknown action {action!r}")
    allowed = _actions_of(object_type)
    if action not in allowed:
        raise PolicyRejected(f"{object_type!r} takes the action(s) {', '.join(allowed)}, "
                             f"not {action!r}")
    # Internal scopes in internal policies, partner scopes in partner ones: `all`
    # never reaches a partner domain, and no scope means nothing where it is granted.
    kind, kind_scopes = (("internal", INTERNAL_SCOPES) if domain == INTERNAL
                         else ("partner", PARTNER_SCOPES))
    if scope not in kind_scopes:
        raise PolicyRejected(f"scope {scope!r} is not one of the {kind} scopes "
                             f"{', '.join(kind_scopes)}")
    if not applies_to(scope, RECORD_FIELDS[object_type]):
        raise PolicyRejected(f"scope {scope!r} cannot select {object_type!r} records")


def _actions_of(object_type):
    if object_type in ADMIN_OBJECTS:
        return (ADMIN_ACTION,)
    if object_type in APPROVAL_OBJECTS:
        return RECORD_ACTIONS + (APPROVE_ACTION,)
    return RECORD_ACTIONS


def check_role_link(user, role, domain):
    for name, value in (("user", user), ("role", role)):
        if not isinstance(value, str) or not value.strip():
            raise PolicyRejected(f"{name} must be a non-empty name")
    if not is_policy_domain(domain):
        raise PolicyRejected(f"domain must be {INTERNAL!r}, {PARTNER_WILDCARD!r} or "
                             f"'partner:<organisation id>', not {domain!r}")


def seed_defaults(adapter, policies=DEFAULT_POLICIES):
    """Store each default rule the first time a release brings it, never again: an
    administrator who removes a default grant does not see it come back at the next
    start, while a grant a later release adds (a new object type) does arrive. The
    marker document lists every default ever seeded. Safe when several workers start
    at once (the unique index makes adding a stored rule a no-op). True when it added
    anything."""
    collection = adapter.collection
    marker = collection.find_one({"_id": SEEDED_MARKER}) or {}
    seeded = {tuple(rule) for rule in marker.get("rules", [])}
    new = [policy for policy in policies if tuple(policy) not in seeded]
    if not new:
        return False
    for ptype in sorted({ptype for ptype, *_ in new}):
        adapter.add_policies(ptype[:1], ptype, [rule for kind, *rule in new if kind == ptype])
    # The marker goes in last: a worker that dies before it seeds again, harmlessly.
    collection.update_one({"_id": SEEDED_MARKER},
                          {"$addToSet": {"rules": {"$each": [list(rule) for rule in new]}}},
                          upsert=True)
    return True


def build_enforcer(collection, policies=DEFAULT_POLICIES):
    """The one enforcer of a gateway process, over the policy ``collection``.

    A ``SyncedEnforcer`` (Casbin's drop-in, read/write-locked enforcer): gunicorn's
    gthread workers read it from several threads while the admin API changes it.
    Changes made through another process reach this one at its next
    ``load_policy()`` (``enforcer.start_auto_load_policy(seconds)`` polls)."""
    adapter = MongoPolicyAdapter(collection)
    adapter.ensure_indexes()
    seed_defaults(adapter, policies)
    enforcer = casbin.SyncedEnforcer(str(MODEL_PATH), adapter)
    enforcer.add_function("domainMatch", domain_matches)
    enforcer.add_named_domain_matching_func("g", domain_matches)
    return enforcer


# -- the admin API's view of the policy ----------------------------------------------

def list_grants(enforcer, domain=None):
    """Every grant, optionally only those written for ``domain`` exactly."""
    rules = enforcer.get_filtered_policy(1, domain) if domain else enforcer.get_policy()
    return sorted((_grant(rule) for rule in rules), key=lambda grant: tuple(grant.values()))


def add_grant(enforcer, role, domain, object_type, action, scope):
    """True when added, False when it was already there."""
    check_grant(role, domain, object_type, action, scope)
    return enforcer.add_policy(role, domain, object_type, action, scope)


def remove_grant(enforcer, role, domain, object_type, action, scope):
    """True when removed, False when there was no such grant."""
    return enforcer.remove_policy(role, domain, object_type, action, scope)


def list_role_links(enforcer, domain=None):
    rules = (enforcer.get_filtered_grouping_policy(2, domain) if domain
             else enforcer.get_grouping_policy())
    return sorted(({"user": user, "role": role, "domain": link_domain}
                   for user, role, link_domain in rules),
                  key=lambda link: (link["domain"], link["user"], link["role"]))


def assign_role(enforcer, user, role, domain):
    check_role_link(user, role, domain)
    return enforcer.add_role_for_user_in_domain(user, role, domain)


def unassign_role(enforcer, user, role, domain):
    return enforcer.remove_grouping_policy(user, role, domain)


def _grant(rule):
    role, domain, object_type, action, scope = rule
    return {"role": role, "domain": domain, "object_type": object_type,
            "action": action, "scope": scope}

