"""Loading the ``Subject`` the scope compiler works from: a handful of queries per
request (one per level of the manager and department trees, one each for groups,
sharing rules and resellers), never one per user or department."""
from ..authz.subject import Subject


def _strings(ids):
    return frozenset(str(i) for i in ids)


def load_subject(store, principal, settings):
    """The facts about ``principal`` (see ``Subject``). ``settings`` needs
    ``department_scope_includes_subdepartments``."""
    user = principal.user
    if principal.is_partner:
        return Subject(user_id=principal.id, kind="partner", domain=principal.domain,
                       roles=principal.roles, partner_org_id=str(user["org_id"]),
                       reseller_org_ids=_strings(store.reseller_org_ids(user["org_id"])))
    user_id = user["_id"]
    department_ids = {user["main_department_id"]} if user.get("main_department_id") else set()
    department_ids |= set(user.get("department_ids") or [])
    group_ids = store.group_ids(user_id)
    shared_owners, shared_departments = store.shared_sources(user_id, department_ids,
                                                             group_ids)
    return Subject(
        user_id=principal.id, kind="internal", domain=principal.domain, roles=principal.roles,
        department_ids=_strings(department_ids),
        headed_department_ids=_strings(store.headed_department_ids(
            user_id, settings.department_scope_includes_subdepartments)),
        subordinate_ids=_strings(store.subordinate_ids(user_id)),
        group_ids=_strings(group_ids),
        shared_owner_ids=_strings(shared_owners),
        shared_department_ids=_strings(shared_departments),
    )
