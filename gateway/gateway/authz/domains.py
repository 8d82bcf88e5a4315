"""Casbin domains: ``internal`` or ``partner:<org id>``; ``partner:*`` in a policy or
role link means every partner domain.

One matching function serves the model's matcher, the role manager and the scope
query, so the three can never disagree about which policies hold in a domain. It is
deliberately stricter than Casbin's ``keyMatch``: ``partner:*`` is the only pattern,
so a stray ``*`` in a policy (``partner:1*``, ``*``) matches nothing instead of a
prefix of the organisations or every domain including ``internal``.
"""
from .subject import INTERNAL

PARTNER_PREFIX = "partner:"
PARTNER_WILDCARD = PARTNER_PREFIX + "*"


def is_partner_domain(domain):
    """``partner:<org id>`` with a non-empty id that is not a pattern."""
    return (isinstance(domain, str) and domain.startswith(PARTNER_PREFIX)
            and len(domain) > len(PARTNER_PREFIX) and "*" not in domain)


def domain_matches(domain, pattern):
    """Does a rule written for ``pattern`` hold in the request's ``domain``? A request
    is always in one concrete domain: one that is itself a pattern matches nothing."""
    if not isinstance(domain, str) or "*" in domain:
        return False
    return domain == pattern or (pattern == PARTNER_WILDCARD and is_partner_domain(domain))


def is_policy_domain(domain):
    """A domain a policy or role link may be written for."""
    return domain in (INTERNAL, PARTNER_WILDCARD) or is_partner_domain(domain)
