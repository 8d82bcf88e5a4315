"""load_subject: the facts the scope compiler works from, on a small hand-built org:

    HQ (head: ceo)
    └── Sales (head: vp)
        ├── East (head: lead)
        │   └── East-1
        └── West
    Support (head: helper)

    ceo ─ vp ─ lead ─ rep1
               │    └ rep2 ─ intern
               └ (rep3 reports to vp directly)
"""
from dataclasses import dataclass
from types import SimpleNamespace

import mongomock
import pytest

from gateway.authz.subject import Subject
from gateway.identity.principal import Principal
from gateway.identity.subjects import load_subject

ON = SimpleNamespace(department_scope_includes_subdepartments=True)
OFF = SimpleNamespace(department_scope_includes_subdepartments=False)


@dataclass
class Org:
    store: object
    users: dict
    departments: dict
    groups: dict
    orgs: dict
    partners: dict

    def principal(self, name):
        if name in self.partners:
            user = self.partners[name]
            return Principal.partner(user, self.store.get("partner_orgs", user["org_id"]))
        return Principal.internal(self.users[name])

    def subject(self, name, settings=ON):
        return load_subject(self.store, self.principal(name), settings)

    def ids(self, kind, *names):
        return frozenset(str(getattr(self, kind)[name]["_id"]) for name in names)


@pytest.fixture
def org(gw):
    store = gw.store
    users, departments, groups = {}, {}, {}

    def user(name, manager=None, main=None, others=()):
        users[name] = store.create_user({
            "name": name, "email": f"{name}@org.example", "roles": ["sales_rep"],
            "manager_id": users[manager]["_id"] if manager else None,
            "main_department_id": departments[main]["_id"] if main else None,
            "department_ids": [departments[d]["_id"] for d in others]}, "hash")

    def department(name, parent=None, head=None):
        departments[name] = store.create_department({
            "name": name, "parent_id": departments[parent]["_id"] if parent else None,
            "head_id": users[head]["_id"] if head else None})

    for name, manager in (("ceo", None), ("vp", "ceo"), ("lead", "vp"), ("rep1", "lead"),
                          ("rep2", "lead"), ("intern", "rep2"), ("rep3", "vp"),
                          ("helper", None), ("owner_x", None), ("owner_y", None)):
        user(name, manager)
    for name, parent, head in (("HQ", None, "ceo"), ("Sales", "HQ", "vp"),
                               ("East", "Sales", "lead"), ("East-1", "East", None),
                               ("West", "Sales", None), ("Support", None, "helper"),
                               ("Finance", None, None)):
        department(name, parent, head)
    user("member", main="East-1", others=("Support",))
    groups["key"] = store.create_group({"name": "Key accounts",
                                        "member_ids": [users["member"]["_id"]]})
    groups["empty"] = store.create_group({"name": "Nobody"})

    def share(source, source_id, target, target_id):
        store.create_sharing_rule({"source": source, "source_id": source_id,
                                   "target": target, "target_id": target_id})

    share("owner", users["owner_x"]["_id"], "user", users["member"]["_id"])
    share("department", departments["Finance"]["_id"], "department",
          departments["Support"]["_id"])
    share("owner", users["owner_y"]["_id"], "group", groups["key"]["_id"])
    share("department", departments["West"]["_id"], "group", groups["empty"]["_id"])
    share("owner", users["ceo"]["_id"], "user", users["helper"]["_id"])

    orgs = {}
    for name, parent in (("dist", None), ("r1", "dist"), ("r2", "dist"), ("other", None),
                         ("r3", "other")):
        orgs[name] = store.create_org({"name": name, "tier": "gold", "parent_distributor_id":
                                       orgs[parent]["_id"] if parent else None})
    partners = {}
    for name, org_name, role in (("dist_admin", "dist", "partner_admin"),
                                 ("r1_rep", "r1", "partner_rep")):
        partners[name] = store.create_partner_user(
            {"org_id": orgs[org_name]["_id"], "name": name, "email": f"{name}@p.example",
             "role": role}, "hash", None)
    return Org(store, users, departments, groups, orgs, partners)


def test_subordinates_are_everyone_below_transitively(org):
    assert org.subject("vp").subordinate_ids == org.ids("users", "lead", "rep1", "rep2",
                                                        "intern", "rep3")
    assert org.subject("lead").subordinate_ids == org.ids("users", "rep1", "rep2", "intern")
    assert org.subject("intern").subordinate_ids == frozenset()


def test_headed_departments_include_sub_departments_when_the_setting_is_on(org):
    assert org.subject("vp", ON).headed_department_ids == org.ids(
        "departments", "Sales", "East", "East-1", "West")
    assert org.subject("ceo", ON).headed_department_ids == org.ids(
        "departments", "HQ", "Sales", "East", "East-1", "West")
    assert org.subject("vp", OFF).headed_department_ids == org.ids("departments", "Sales")
    assert org.subject("rep1", ON).headed_department_ids == frozenset()


def test_departments_groups_and_what_sharing_rules_reach(org):
    subject = org.subject("member")
    assert subject.department_ids == org.ids("departments", "East-1", "Support")
    assert subject.group_ids == org.ids("groups", "key")
    # owner_x to me, owner_y to my group, Finance to my department Support; not ceo's
    # records (shared with helper) nor West's (shared with a group I am not in).
    assert subject.shared_owner_ids == org.ids("users", "owner_x", "owner_y")
    assert subject.shared_department_ids == org.ids("departments", "Finance")
    assert org.subject("helper").shared_owner_ids == org.ids("users", "ceo")
    assert org.subject("vp").shared_owner_ids == frozenset()


def test_internal_subject_identity_fields(org):
    subject = org.subject("member")
    assert isinstance(subject, Subject)
    assert (subject.user_id, subject.kind, subject.domain, subject.roles) == (
        str(org.users["member"]["_id"]), "internal", "internal", ("sales_rep",))
    assert subject.partner_org_id is None and subject.reseller_org_ids == frozenset()


def test_a_distributor_sees_its_resellers_and_a_reseller_none(org):
    distributor = org.subject("dist_admin")
    assert (distributor.kind, distributor.domain, distributor.roles) == (
        "partner", f"partner:{org.orgs['dist']['_id']}", ("partner_admin",))
    assert distributor.partner_org_id == str(org.orgs["dist"]["_id"])
    assert distributor.reseller_org_ids == org.ids("orgs", "r1", "r2")
    reseller = org.subject("r1_rep")
    assert reseller.partner_org_id == str(org.orgs["r1"]["_id"])
    assert reseller.reseller_org_ids == frozenset()
    assert reseller.subordinate_ids == reseller.headed_department_ids == frozenset()


@pytest.fixture
def queries(monkeypatch):
    """How many reads the embedded engine served."""
    count = {"reads": 0}
    collection = mongomock.collection.Collection
    for method in ("find", "find_one", "aggregate", "count_documents"):
        original = getattr(collection, method)

        def counted(self, *args, _original=original, **kwargs):
            count["reads"] += 1
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(collection, method, counted)
    return count


def test_the_number_of_queries_does_not_grow_with_the_org(org, queries):
    def reads(name):
        queries["reads"] = 0
        org.subject(name)
        return queries["reads"]

    small = reads("vp")
    store = org.store
    # Fifty more people under the lead, fifty more departments under East, ten groups.
    for n in range(50):
        store.create_user({"name": f"extra{n}", "email": f"extra{n}@org.example",
                           "manager_id": org.users["lead"]["_id"]}, "hash")
        store.create_department({"name": f"Team {n}",
                                 "parent_id": org.departments["East"]["_id"]})
    for n in range(10):
        store.create_group({"name": f"g{n}", "member_ids": [org.users["vp"]["_id"]]})
    assert reads("vp") == small
    assert small <= 12
    assert len(org.subject("vp").subordinate_ids) == 55


def test_g_subject_is_loaded_on_first_use_from_g_principal(app, org):
    from flask import g
    with app.test_request_context():
        assert "subject" not in g
        g.principal = org.principal("lead")
        assert g.subject == org.subject("lead")
        assert g.subject is g.subject  # loaded once per request
