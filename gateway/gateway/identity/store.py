"""The gateway's identity store (database ``channel_sfa_gateway``): internal users,
the department tree, user groups, partner organisations and their users, sharing
rules, revoked tokens and failed sign-ins.

Every write checks what it refers to first and raises the typed errors the problem
table already maps (ValidationFailed naming the field -> 400, Conflict -> 409,
NotFound -> 404), so bad input writes nothing. Unique keys are unique indexes, so two
requests racing for one email cannot both win.
"""
import secrets

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict, NotFound, ValidationFailed
from sfa_common.mongo import Repository

from . import ratelimit

DATABASE = "channel_sfa_gateway"
INTERNAL_ROLES = ("sales_rep", "sales_manager", "channel_manager", "sales_ops", "admin")
PARTNER_ROLES = ("partner_admin", "partner_rep")
TIERS = ("registered", "silver", "gold", "platinum")
ORG_STATUSES = ("active", "suspended")
PARTNER_USER_STATUSES = ("invited", "active", "disabled")
SHARING_SOURCES = {"owner": "users", "department": "departments"}
SHARING_TARGETS = {"user": "users", "department": "departments", "group": "groups"}
WHAT = {"users": "user", "departments": "department", "groups": "group",
        "partner_orgs": "partner organisation", "partner_users": "partner user",
        "sharing_rules": "sharing rule"}
# Deeper than any real org chart; a guard against a loop in data written by hand.
MAX_DEPTH = 1000


def _index(*keys, **options):
    return IndexModel([(key, ASCENDING) for key in keys], **options)


INDEXES = {
    "users": [_index("email", unique=True), _index("manager_id"), _index("main_department_id"),
              _index("department_ids"), _index("roles")],
    "departments": [_index("parent_id", "name", unique=True), _index("head_id")],
    "groups": [_index("name", unique=True), _index("member_ids")],
    "partner_orgs": [_index("name", unique=True), _index("parent_distributor_id"),
                     _index("channel_manager_id")],
    "partner_users": [_index("email", unique=True), _index("org_id"),
                      _index("invitation.token_hash", sparse=True)],
    "sharing_rules": [_index("target", "target_id"),
                      _index("source", "source_id", "target", "target_id", unique=True)],
    "revoked_tokens": [_index("expires_at", expireAfterSeconds=0)],
    **ratelimit.INDEXES,
}


def object_id(value):
    """``value`` as an ObjectId, or None when it is not one (a URL's id answers 404)."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _unique(ids):
    return list(dict.fromkeys(ids))


class IdentityStore(Repository):
    indexes = INDEXES

    def __init__(self, db, clock=utcnow):
        super().__init__(db)
        self.clock = clock

    # -- shared mechanics -------------------------------------------------------------

    def find(self, collection, record_id):
        """The record, or None (also for an id that is not an ObjectId)."""
        record_id = object_id(record_id)
        return None if record_id is None else self.db[collection].find_one({"_id": record_id})

    def get(self, collection, record_id):
        doc = self.find(collection, record_id)
        if doc is None:
            raise NotFound(f"No {WHAT[collection]} {str(record_id)!r}.")
        return doc

    def page(self, collection, query, cursor, limit):
        """One page in id order (keyset paging) and the cursor of the next, or None."""
        if cursor is not None:
            query = {"$and": [query, {"_id": {"$gt": cursor}}]} if query else \
                {"_id": {"$gt": cursor}}
        docs = list(self.db[collection].find(query).sort("_id", ASCENDING).limit(limit + 1))
        more = len(docs) > limit
        docs = docs[:limit]
        return docs, (str(docs[-1]["_id"]) if more else None)

    def _check_references(self, references):
        """``references``: (field, collection, ids). One 400 naming every field whose ids
        do not all exist."""
        errors = {}
        for field, collection, ids in references:
            wanted = {i for i in ids if i is not None}
            if not wanted:
                continue
            found = {doc["_id"] for doc in
                     self.db[collection].find({"_id": {"$in": list(wanted)}}, {"_id": 1})}
            missing = sorted(str(i) for i in wanted - found)
            if missing:
                errors[field] = [f"No {WHAT[collection]} {', '.join(missing)}."]
        if errors:
            raise ValidationFailed("The request refers to records that do not exist.", errors)

    def _insert(self, collection, doc, conflict):
        now = self.clock()
        doc = {**doc, "created_at": now, "updated_at": now}
        try:
            self.db[collection].insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(conflict) from None
        return doc

    def _update(self, collection, record_id, changes, conflict, inc=None, query=None):
        update = {"$set": {**changes, "updated_at": self.clock()}}
        if inc:
            update["$inc"] = inc
        try:
            doc = self.db[collection].find_one_and_update(
                {"_id": record_id, **(query or {})}, update,
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            raise Conflict(conflict) from None
        if doc is None:
            raise NotFound(f"No {WHAT[collection]} {str(record_id)!r}.")
        return doc

    def _delete(self, collection, record_id):
        if self.db[collection].delete_one({"_id": record_id}).deleted_count == 0:
            raise NotFound(f"No {WHAT[collection]} {str(record_id)!r}.")

    def _ancestors(self, collection, start, parent_field):
        """Ids from ``start`` upwards along ``parent_field``, ``start`` first."""
        chain, current = [], start
        while current is not None and current not in chain and len(chain) < MAX_DEPTH:
            chain.append(current)
            doc = self.db[collection].find_one({"_id": current}, {parent_field: 1})
            current = doc.get(parent_field) if doc else None
        return chain

    def _refuse_cycle(self, collection, record_id, new_parent, parent_field, what):
        if new_parent is not None and record_id in self._ancestors(
                collection, new_parent, parent_field):
            raise ValidationFailed("The change would make a cycle.", {
                parent_field: [f"Would make the {what} its own ancestor."]})

    # -- internal users ---------------------------------------------------------------

    def user_by_email(self, email):
        return self.db.users.find_one({"email": email.strip().lower()})

    def _check_user_references(self, user):
        self._check_references([
            ("main_department_id", "departments", [user.get("main_department_id")]),
            ("department_ids", "departments", user.get("department_ids") or []),
            ("manager_id", "users", [user.get("manager_id")]),
        ])

    def create_user(self, user, password_hash):
        self._check_user_references(user)
        doc = {"name": user["name"], "email": user["email"],
               "roles": _unique(user.get("roles") or []),
               "main_department_id": user.get("main_department_id"),
               "department_ids": _unique(user.get("department_ids") or []),
               "manager_id": user.get("manager_id"), "active": user.get("active", True),
               "password_hash": password_hash, "token_version": 0}
        return self._insert("users", doc, f"A user with email {user['email']!r} exists.")

    def _refuse_losing_last_admin(self, current, changes):
        # A read, then a write: two admins demoting each other at the same moment could
        # both pass. Rare enough on an admin screen, and bootstrap recovers from it.
        was_admin = "admin" in current["roles"] and current["active"]
        still_admin = "admin" in changes.get("roles", current["roles"]) and \
            changes.get("active", current["active"])
        if was_admin and not still_admin and self.db.users.count_documents(
                {"roles": "admin", "active": True, "_id": {"$ne": current["_id"]}}) == 0:
            raise Conflict("This is the last active admin; make another admin first.")

    def update_user(self, user_id, changes, password_hash=None):
        """``changes``: any of name, email, roles, main_department_id, department_ids,
        manager_id, active. Disabling or a new password revokes the user's tokens."""
        current = self.get("users", user_id)
        self._check_user_references(changes)
        if changes.get("manager_id") is not None:
            self._refuse_cycle("users", current["_id"], changes["manager_id"], "manager_id",
                               "user")
        self._refuse_losing_last_admin(current, changes)
        changes = dict(changes)
        for listed in ("roles", "department_ids"):
            if listed in changes:
                changes[listed] = _unique(changes[listed])
        revoke = (changes.get("active") is False and current["active"]) or password_hash
        if password_hash:
            changes["password_hash"] = password_hash
        return self._update("users", current["_id"], changes,
                            f"A user with email {changes.get('email')!r} exists.",
                            inc={"token_version": 1} if revoke else None)

    def set_password(self, collection, record_id, password_hash):
        """A new password; every token issued before it stops working."""
        return self._update(collection, record_id, {"password_hash": password_hash}, "",
                            inc={"token_version": 1})

    def replace_hash(self, collection, record_id, password_hash):
        """The same password under stronger hashing parameters: tokens stay valid."""
        self.db[collection].update_one({"_id": record_id},
                                       {"$set": {"password_hash": password_hash}})

    def any_active_admin(self):
        return self.db.users.find_one({"roles": "admin", "active": True}, {"_id": 1}) is not None

    # -- departments (the org tree) -----------------------------------------------------

    def create_department(self, department):
        self._check_references([
            ("parent_id", "departments", [department.get("parent_id")]),
            ("head_id", "users", [department.get("head_id")])])
        doc = {"name": department["name"], "parent_id": department.get("parent_id"),
               "head_id": department.get("head_id")}
        return self._insert("departments", doc,
                            f"A department named {department['name']!r} exists there.")

    def update_department(self, department_id, changes):
        current = self.get("departments", department_id)
        self._check_references([
            ("parent_id", "departments", [changes.get("parent_id")]),
            ("head_id", "users", [changes.get("head_id")])])
        if "parent_id" in changes:
            self._refuse_cycle("departments", current["_id"], changes["parent_id"],
                               "parent_id", "department")
        return self._update("departments", current["_id"], changes,
                            "A department with that name exists there.")

    def delete_department(self, department_id):
        current = self.get("departments", department_id)
        did = current["_id"]
        if self.db.departments.find_one({"parent_id": did}, {"_id": 1}) or \
                self.db.users.find_one({"$or": [{"main_department_id": did},
                                                {"department_ids": did}]}, {"_id": 1}) or \
                self._rules_naming("department", did):
            raise Conflict("The department still has sub-departments, members or sharing "
                           "rules; move or remove them first.")
        self._delete("departments", did)

    # -- user groups ------------------------------------------------------------------

    def create_group(self, group):
        members = _unique(group.get("member_ids") or [])
        self._check_references([("member_ids", "users", members)])
        return self._insert("groups", {"name": group["name"], "member_ids": members},
                            f"A group named {group['name']!r} exists.")

    def update_group(self, group_id, changes):
        current = self.get("groups", group_id)
        changes = dict(changes)
        if "member_ids" in changes:
            changes["member_ids"] = _unique(changes["member_ids"])
            self._check_references([("member_ids", "users", changes["member_ids"])])
        return self._update("groups", current["_id"], changes,
                            f"A group named {changes.get('name')!r} exists.")

    def delete_group(self, group_id):
        current = self.get("groups", group_id)
        if self._rules_naming("group", current["_id"]):
            raise Conflict("Sharing rules still share with this group; remove them first.")
        self._delete("groups", current["_id"])

    # -- partner organisations and their users ----------------------------------------------

    def _check_org_references(self, org):
        self._check_references([
            ("channel_manager_id", "users", [org.get("channel_manager_id")]),
            ("parent_distributor_id", "partner_orgs", [org.get("parent_distributor_id")])])

    def create_org(self, org):
        self._check_org_references(org)
        doc = {"name": org["name"], "tier": org["tier"], "region": org.get("region"),
               "channel_manager_id": org.get("channel_manager_id"),
               "parent_distributor_id": org.get("parent_distributor_id"),
               "status": org.get("status", "active")}
        return self._insert("partner_orgs", doc,
                            f"A partner organisation named {org['name']!r} exists.")

    def update_org(self, org_id, changes):
        """Suspending an organisation also revokes every token its users hold, so
        reactivating it later does not bring old sessions back."""
        current = self.get("partner_orgs", org_id)
        self._check_org_references(changes)
        if "parent_distributor_id" in changes:
            self._refuse_cycle("partner_orgs", current["_id"], changes["parent_distributor_id"],
                               "parent_distributor_id", "organisation")
        doc = self._update("partner_orgs", current["_id"], changes,
                           f"A partner organisation named {changes.get('name')!r} exists.")
        if changes.get("status") == "suspended" and current["status"] != "suspended":
            self.db.partner_users.update_many({"org_id": current["_id"]},
                                              {"$inc": {"token_version": 1}})
        return doc

    def partner_user_by_email(self, email):
        return self.db.partner_users.find_one({"email": email.strip().lower()})

    def create_partner_user(self, user, invitation_hash, invitation_expires_at):
        self._check_references([("org_id", "partner_orgs", [user["org_id"]])])
        doc = {"org_id": user["org_id"], "name": user["name"], "email": user["email"],
               "role": user["role"], "status": "invited", "password_hash": None,
               "token_version": 0,
               "invitation": {"token_hash": invitation_hash,
                              "expires_at": invitation_expires_at}}
        return self._insert("partner_users", doc,
                            f"A partner user with email {user['email']!r} exists.")

    def update_partner_user(self, user_id, changes, org_id=None):
        """``changes``: any of name, role, active. ``org_id`` confines the change to one
        organisation's users (another's answers NotFound). Disabling revokes tokens."""
        current = self.get("partner_users", user_id)
        if org_id is not None and current["org_id"] != org_id:
            raise NotFound(f"No partner user {str(user_id)!r}.")
        changes = dict(changes)
        active = changes.pop("active", None)
        inc = None
        if active is False and current["status"] != "disabled":
            changes["status"] = "disabled"
            inc = {"token_version": 1}
        elif active is True and current["status"] == "disabled":
            changes["status"] = "active" if current.get("password_hash") else "invited"
        return self._update("partner_users", current["_id"], changes, "",
                            inc=inc, query={"org_id": current["org_id"]})

    def _invited(self, invitation_hash):
        return {"invitation.token_hash": invitation_hash,
                "invitation.expires_at": {"$gt": self.clock()}, "status": "invited"}

    def pending_invitation(self, invitation_hash):
        """The invited user of an unexpired, unused invitation whose organisation is
        active, or None."""
        pending = self.db.partner_users.find_one(self._invited(invitation_hash))
        if pending is None or not self.org_is_active(pending["org_id"]):
            return None
        return pending

    def accept_invitation(self, invitation_hash, password_hash):
        """Activate the invited user holding this invitation, once: the invitation is
        removed in the same atomic update. None when it is not (or no longer) valid."""
        now = self.clock()
        invited = self._invited(invitation_hash)
        if self.pending_invitation(invitation_hash) is None:
            return None
        return self.db.partner_users.find_one_and_update(
            invited, {"$set": {"status": "active", "password_hash": password_hash,
                               "updated_at": now},
                      "$unset": {"invitation": ""}, "$inc": {"token_version": 1}},
            return_document=ReturnDocument.AFTER)

    def org_is_active(self, org_id):
        return self.db.partner_orgs.find_one(
            {"_id": org_id, "status": "active"}, {"_id": 1}) is not None

    # -- sharing rules ------------------------------------------------------------------

    def _rules_naming(self, kind, record_id):
        clauses = [{"target": kind, "target_id": record_id}]
        if kind in ("department", "owner"):
            clauses.append({"source": kind, "source_id": record_id})
        return self.db.sharing_rules.find_one({"$or": clauses}, {"_id": 1}) is not None

    def create_sharing_rule(self, rule):
        self._check_references([
            ("source_id", SHARING_SOURCES[rule["source"]], [rule["source_id"]]),
            ("target_id", SHARING_TARGETS[rule["target"]], [rule["target_id"]])])
        doc = {key: rule[key] for key in ("source", "source_id", "target", "target_id")}
        return self._insert("sharing_rules", doc, "The same sharing rule exists.")

    def delete_sharing_rule(self, rule_id):
        self._delete("sharing_rules", self.get("sharing_rules", rule_id)["_id"])

    # -- tokens -------------------------------------------------------------------------

    def revoke_token(self, jti, expires_at):
        """Deny ``jti`` until ``expires_at``, after which the token is refused anyway."""
        self.db.revoked_tokens.update_one({"_id": jti}, {"$set": {"expires_at": expires_at}},
                                          upsert=True)

    def is_revoked(self, jti):
        return self.db.revoked_tokens.find_one({"_id": jti}, {"_id": 1}) is not None

    def development_secret(self):
        """One generated signing secret per database, for development without
        SECRET_KEY: every worker and restart on the same database shares it."""
        doc = self.db.gateway_secrets.find_one_and_update(
            {"_id": "development-token-secret"},
            {"$setOnInsert": {"value": secrets.token_hex(32)}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return doc["value"]

    # -- facts for the scope compiler (see subjects.py) ------------------------------------

    def _descendants(self, collection, field, roots):
        """Every id below ``roots`` along ``field`` (a child's pointer to its parent):
        one query per level of the tree, never one per node."""
        found, frontier = set(), list(roots)
        for _ in range(MAX_DEPTH):
            if not frontier:
                break
            children = {doc["_id"] for doc in self.db[collection].find(
                {field: {"$in": frontier}}, {"_id": 1})}
            frontier = list(children - found - set(roots))
            found |= children
        return found - set(roots)

    def subordinate_ids(self, user_id):
        return self._descendants("users", "manager_id", [user_id])

    def headed_department_ids(self, user_id, include_subdepartments):
        headed = {doc["_id"] for doc in self.db.departments.find({"head_id": user_id},
                                                                   {"_id": 1})}
        if include_subdepartments and headed:
            headed |= self._descendants("departments", "parent_id", headed)
        return headed

    def group_ids(self, user_id):
        return {doc["_id"] for doc in self.db.groups.find({"member_ids": user_id}, {"_id": 1})}

    def shared_sources(self, user_id, department_ids, group_ids):
        """(owner ids, department ids) whose records sharing rules share with this user,
        any of their departments or any of their groups."""
        rules = self.db.sharing_rules.find({"$or": [
            {"target": "user", "target_id": user_id},
            {"target": "department", "target_id": {"$in": list(department_ids)}},
            {"target": "group", "target_id": {"$in": list(group_ids)}},
        ]}, {"source": 1, "source_id": 1})
        owners, departments = set(), set()
        for rule in rules:
            (owners if rule["source"] == "owner" else departments).add(rule["source_id"])
        return owners, departments

    def reseller_org_ids(self, org_id):
        return {doc["_id"] for doc in self.db.partner_orgs.find(
            {"parent_distributor_id": org_id}, {"_id": 1})}
