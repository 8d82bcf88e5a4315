"""Storage of leads, assignment rules and lead imports (mixed into ``LeadRepository``).

Every change of a lead is one conditional update on the revision that was read, so of
two concurrent changes the second finds nothing to update and answers a Conflict.
"""
import re

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.leads import OPEN_STATES, VOIDED
from sfa_common.paging import fetch_page
from sfa_common.scope import scoped

from .duplicates import duplicate_filter


def _sorted_by(*fields):
    return [IndexModel([(field, ASCENDING), ("_id", ASCENDING)]) for field in fields]


def _all_of(*conditions):
    conditions = [condition for condition in conditions if condition]
    if len(conditions) > 1:
        return {"$and": conditions}
    return conditions[0] if conditions else {}


def _not_voided(include_voided):
    return {} if include_voided else {"status": {"$ne": VOIDED}}


class LeadStore:
    # Collections that carry an ``outbox`` of pending events (the relay reads them).
    outbox_collections = ("leads",)

    indexes = {
        "leads": [
            IndexModel([("normalised_company", ASCENDING)]),
            IndexModel([("phone_key", ASCENDING)], sparse=True),
            IndexModel([("email_key", ASCENDING)], sparse=True),
            IndexModel([("owner_id", ASCENDING), ("status", ASCENDING)]),
            IndexModel([("team_member_ids", ASCENDING)]),
            IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_id", ASCENDING), ("partner_user_id", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("next_follow_up_at", ASCENDING)]),
            *_sorted_by("created_at", "updated_at"),
            IndexModel([("normalised_company", ASCENDING), ("_id", ASCENDING)]),
            # An imported row once: its fingerprint, where it has one.
            IndexModel([("import_fingerprint", ASCENDING)], unique=True,
                       partialFilterExpression={"import_fingerprint": {"$type": "string"}}),
            IndexModel([("outbox.queued_at", ASCENDING)], sparse=True),
        ],
        "assignment_rules": [
            IndexModel([("active", ASCENDING), ("priority", ASCENDING)]),
            *_sorted_by("priority", "created_at"),
        ],
        "lead_imports": [
            IndexModel([("created_by", ASCENDING), ("created_at", DESCENDING)]),
        ],
    }

    # -- leads ----------------------------------------------------------------------------

    def add_lead(self, lead, now=None):
        """Insert a new lead; None when it carries an ``import_fingerprint`` already taken."""
        now = now or utcnow()
        document = {"status": "unprocessed", "invalid_reason": None, "voided_from": None,
                    "follow_ups": [], "next_follow_up_at": None, "assignment_history": [],
                    "conversion": None, "revision": 0, "outbox": [], **lead,
                    "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.leads.insert_one(document).inserted_id
        except DuplicateKeyError:
            return None
        return document

    def find_lead(self, lead_id, scope, include_voided=False):
        """The lead if it exists and lies inside ``scope``; a voided one only when asked."""
        return self.db.leads.find_one(scoped(_all_of({"_id": lead_id},
                                                     _not_voided(include_voided)), scope))

    def duplicate_leads(self, lead_keys, exclude_id=None, limit=20):
        """Other non-voided leads sharing a phone, email or normalised company."""
        wanted = duplicate_filter(lead_keys)
        if wanted is None:
            return []
        query = _all_of(wanted, {"status": {"$ne": VOIDED}},
                        {"_id": {"$ne": exclude_id}} if exclude_id else {})
        return list(self.db.leads.find(query, {"phone_key": 1, "email_key": 1,
                                               "normalised_company": 1})
                    .sort([("created_at", ASCENDING), ("_id", ASCENDING)]).limit(limit))

    def change_lead(self, lead, scope, changes, push=None, event=None, include_voided=False):
        """Write ``changes`` (and push ``push`` = {array field: entry} and the pending
        ``event``) if the lead is still inside ``scope`` and still the revision that was
        read. The changed lead, or None when the condition failed."""
        update = {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"revision": 1}}
        pushes = dict(push or {})
        if event is not None:
            pushes["outbox"] = event
        if pushes:
            update["$push"] = pushes
        condition = _all_of({"_id": lead["_id"], "revision": lead["revision"]},
                            _not_voided(include_voided))
        return self.db.leads.find_one_and_update(scoped(condition, scope), update,
                                                 return_document=ReturnDocument.AFTER)

    def list_leads(self, query, sort, scope, now):
        filters = {name: query[name] for name in (
            "status", "source", "region", "industry", "owner_id", "partner_org_id")
            if query[name] is not None}
        conditions = [filters]
        if query["status"] is None:
            conditions.append(_not_voided(query["include_voided"]))
        elif query["status"] == VOIDED and not query["include_voided"]:
            conditions.append({"_id": None})   # voided leads are listed only when asked
        if query["overdue"]:
            conditions.append({"status": {"$in": list(OPEN_STATES)},
                               "next_follow_up_at": {"$lt": now}})
        if query["q"] is not None:
            alternatives = [{"company": {"$regex": re.escape(query["q"]), "$options": "i"}}]
            key = normalise_company_name(query["q"])
            if key:
                alternatives.append({"normalised_company": {"$regex": re.escape(key)}})
            conditions.append({"$or": alternatives})
        return fetch_page(self.db.leads, scoped(_all_of(*conditions), scope), sort,
                          query["cursor"], query["limit"])

    def open_lead_counts(self, user_ids):
        """How many open (unprocessed or following up) leads each of ``user_ids`` owns."""
        groups = self.db.leads.aggregate([
            {"$match": {"owner_id": {"$in": list(user_ids)},
                        "status": {"$in": list(OPEN_STATES)}}},
            {"$group": {"_id": "$owner_id", "count": {"$sum": 1}}}])
        return {group["_id"]: group["count"] for group in groups}

    # -- outbox (every collection in ``outbox_collections``) --------------------------------

    def clear_event(self, collection, record_id, event_id):
        self.db[collection].update_one({"_id": record_id},
                                       {"$pull": {"outbox": {"event_id": event_id}}})

    def overdue_events(self, cutoff):
        """``(collection, record id, outbox entry)`` of every entry queued at or before
        ``cutoff``."""
        found = []
        for collection in self.outbox_collections:
            for document in self.db[collection].find({"outbox.queued_at": {"$lte": cutoff}},
                                                     {"outbox": 1}):
                found.extend((collection, document["_id"], entry)
                             for entry in document["outbox"] if entry["queued_at"] <= cutoff)
        return found

    # -- assignment rules -------------------------------------------------------------------

    def add_rule(self, rule):
        now = utcnow()
        document = {**rule, "pointer": 0, "created_at": now, "updated_at": now}
        document["_id"] = self.db.assignment_rules.insert_one(document).inserted_id
        return document

    def find_rule(self, rule_id):
        return self.db.assignment_rules.find_one({"_id": rule_id})

    def update_rule(self, rule_id, changes):
        return self.db.assignment_rules.find_one_and_update(
            {"_id": rule_id}, {"$set": {**changes, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER)

    def list_rules(self, query, sort):
        filters = {} if query["active"] is None else {"active": query["active"]}
        return fetch_page(self.db.assignment_rules, filters, sort, query["cursor"],
                          query["limit"])

    def active_rules(self):
        return list(self.db.assignment_rules.find({"active": True}))

    def take_turn(self, rule_id):
        """Advance the rule's round-robin pointer atomically; the value before is this
        assignment's turn (two concurrent assignments get different turns)."""
        before = self.db.assignment_rules.find_one_and_update(
            {"_id": rule_id}, {"$inc": {"pointer": 1}}, projection={"pointer": 1},
            return_document=ReturnDocument.BEFORE)
        return before["pointer"] if before else 0

    # -- imports ----------------------------------------------------------------------------

    def add_import(self, job):
        now = utcnow()
        document = {**job, "status": "running", "total": 0, "processed": 0, "created": 0,
                    "skipped_duplicates": 0, "errors": [], "failure": None,
                    "finished_at": None, "created_at": now, "updated_at": now}
        document["_id"] = self.db.lead_imports.insert_one(document).inserted_id
        return document

    def find_import(self, job_id, scope):
        return self.db.lead_imports.find_one(scoped({"_id": job_id}, scope))

    def record_import(self, job_id, changes=None, increments=None, errors=None):
        """Progress of a running import: set ``changes``, add ``increments``, append
        ``errors``, in one update."""
        update = {"$set": {**(changes or {}), "updated_at": utcnow()}}
        if increments:
            update["$inc"] = increments
        if errors:
            update["$push"] = {"errors": {"$each": errors}}
        self.db.lead_imports.update_one({"_id": job_id}, update)
