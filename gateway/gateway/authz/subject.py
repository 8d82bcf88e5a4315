"""What the scope compiler knows about the signed-in user: plain facts, loaded once
per request from the identity store. No I/O here."""
from dataclasses import dataclass, field

INTERNAL = "internal"


def partner_domain(org_id):
    return f"partner:{org_id}"


@dataclass(frozen=True)
class Subject:
    user_id: str
    kind: str                      # "internal" or "partner"
    domain: str                    # "internal" or "partner:<org id>"
    roles: tuple = ()
    # internal users
    department_ids: frozenset = field(default_factory=frozenset)   # main + other departments
    headed_department_ids: frozenset = field(default_factory=frozenset)  # sub-departments
    #   included when the "department scope includes sub-departments" setting is on
    subordinate_ids: frozenset = field(default_factory=frozenset)  # all below me, transitively
    group_ids: frozenset = field(default_factory=frozenset)
    shared_owner_ids: frozenset = field(default_factory=frozenset)       # sharing rules that
    shared_department_ids: frozenset = field(default_factory=frozenset)  # reach me, my
    #   department or my group: records of these owners / departments are shared with me
    # partner users
    partner_org_id: str | None = None
    reseller_org_ids: frozenset = field(default_factory=frozenset)  # a distributor's resellers

    @property
    def is_partner(self):
        return self.kind == "partner"
