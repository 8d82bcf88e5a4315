"""Who is calling: the verified token's user, as the request sees them."""
from dataclasses import dataclass

from ..authz.subject import INTERNAL, partner_domain


@dataclass(frozen=True)
class Principal:
    id: str
    kind: str                 # "internal" or "partner"
    domain: str               # "internal" or "partner:<org id>"
    name: str
    email: str
    roles: tuple
    user: dict                # the stored user (internal) or partner user
    org: dict | None = None   # the partner organisation, for partner users
    claims: dict | None = None  # the access token's claims, when there is one

    @property
    def is_partner(self):
        return self.kind == "partner"

    @classmethod
    def internal(cls, user, claims=None):
        return cls(id=str(user["_id"]), kind="internal", domain=INTERNAL, name=user["name"],
                   email=user["email"], roles=tuple(user["roles"]), user=user, claims=claims)

    @classmethod
    def partner(cls, user, org, claims=None):
        return cls(id=str(user["_id"]), kind="partner", domain=partner_domain(org["_id"]),
                   name=user["name"], email=user["email"], roles=(user["role"],), user=user,
                   org=org, claims=claims)
