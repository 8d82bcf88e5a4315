"""Subjects for the authorization tests: the facts the identity store would load."""
from gateway.authz.subject import INTERNAL, Subject, partner_domain


def internal_user(user_id="me", roles=(), **facts):
    facts = {name: frozenset(value) for name, value in facts.items()}
    return Subject(user_id=user_id, kind="internal", domain=INTERNAL, roles=tuple(roles), **facts)


def partner_user(user_id="me", org="A", roles=(), resellers=()):
    return Subject(user_id=user_id, kind="partner", domain=partner_domain(org), roles=tuple(roles),
                   partner_org_id=org, reseller_org_ids=frozenset(resellers))
