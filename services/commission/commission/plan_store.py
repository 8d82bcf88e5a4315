"""Storage of commission plans and their assignments (mixed into ``CommissionRepository``).

A payee's assignments live together in one document (``assignments``, one per payee),
so "no two assignments of one payee overlap" is checked against the revision that was
read and written in one conditional update: two concurrent assignments cannot both pass.
Days are ISO strings (they sort, and a Beijing month is not a UTC month).
"""
from datetime import date, datetime

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow

from .storage import from_storage, to_storage


def as_day(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not a day: {value!r}")


def payee_key(payee_kind, payee_id):
    return f"{payee_kind}:{payee_id}"


def _plan(document):
    return None if document is None else from_storage(document)


def _assignments(document):
    if document is None:
        return []
    return [{**item, "payee_kind": document["payee_kind"], "payee_id": document["payee_id"],
             "department_id": item.get("department_id")} for item in document["items"]]


class PlanStore:
    indexes = {
        "plans": [IndexModel([("payee_kind", ASCENDING), ("_id", DESCENDING)])],
        "assignments": [IndexModel([("payee_kind", ASCENDING), ("payee_id", ASCENDING)],
                                   unique=True),
                        IndexModel([("items.plan_id", ASCENDING)])],
    }

    # -- plans ------------------------------------------------------------------------------

    def add_plan(self, plan, actor_id):
        now = utcnow()
        document = {**to_storage(plan), "revision": 0, "created_by": actor_id,
                    "updated_by": actor_id, "created_at": now, "updated_at": now}
        document["_id"] = self.db.plans.insert_one(document).inserted_id
        return _plan(document)

    def find_plan(self, plan_id):
        return _plan(self.db.plans.find_one({"_id": plan_id}))

    def plans_by_id(self, plan_ids):
        ids = [ObjectId(plan_id) for plan_id in set(plan_ids) if ObjectId.is_valid(plan_id)]
        return {str(document["_id"]): _plan(document)
                for document in self.db.plans.find({"_id": {"$in": ids}})}

    def list_plans(self, payee_kind=None, limit=200):
        query = {} if payee_kind is None else {"payee_kind": payee_kind}
        return [_plan(document) for document in
                self.db.plans.find(query).sort("_id", DESCENDING).limit(limit)]

    def replace_plan(self, plan, fields, actor_id):
        """Write ``fields`` over the plan if it is still the revision that was read."""
        return _plan(self.db.plans.find_one_and_update(
            {"_id": plan["_id"], "revision": plan["revision"]},
            {"$set": {**to_storage(fields), "updated_by": actor_id, "updated_at": utcnow()},
             "$inc": {"revision": 1}},
            return_document=ReturnDocument.AFTER))

    # -- assignments ----------------------------------------------------------------------

    def payee_assignments(self, payee_kind, payee_id):
        """``(revision, assignments)`` of one payee; revision None when it has none."""
        document = self.db.assignments.find_one({"payee_kind": payee_kind,
                                                 "payee_id": payee_id})
        return (None if document is None else document["revision"]), _assignments(document)

    def add_assignment(self, revision, assignment):
        """Append ``assignment`` to its payee's if they are still at ``revision`` (None:
        the payee had none); the stored assignment, or None when another write came first."""
        item = {"id": str(ObjectId()), "plan_id": assignment["plan_id"],
                "effective_from": as_day(assignment["effective_from"]),
                "effective_to": as_day(assignment.get("effective_to")),
                "department_id": assignment.get("department_id"),
                "created_by": assignment.get("created_by"), "created_at": utcnow()}
        who = {"payee_kind": assignment["payee_kind"], "payee_id": assignment["payee_id"]}
        if revision is None:
            try:
                self.db.assignments.insert_one({**who, "items": [item], "revision": 1})
            except DuplicateKeyError:
                return None
        else:
            written = self.db.assignments.update_one(
                {**who, "revision": revision},
                {"$push": {"items": item}, "$inc": {"revision": 1}})
            if written.matched_count == 0:
                return None
        return {**item, **who}

    def list_assignments(self, payee_kind=None, payee_id=None, plan_id=None):
        query = {}
        if payee_kind is not None:
            query["payee_kind"] = payee_kind
        if payee_id is not None:
            query["payee_id"] = payee_id
        if plan_id is not None:
            query["items.plan_id"] = plan_id
        found = []
        for document in self.db.assignments.find(query).sort("_id", ASCENDING):
            found.extend(item for item in _assignments(document)
                         if plan_id is None or item["plan_id"] == plan_id)
        return found

    def assignments_over(self, first_day, last_day, payee_keys=None):
        """Every assignment in effect on some day of ``first_day..last_day`` (ISO days),
        keyed by payee key; ``payee_keys`` narrows it to those payees."""
        found = {}
        query = {}
        if payee_keys is not None:
            kinds = {}
            for key in payee_keys:
                kind, _, payee_id = key.partition(":")
                kinds.setdefault(kind, []).append(payee_id)
            query = {"$or": [{"payee_kind": kind, "payee_id": {"$in": ids}}
                             for kind, ids in kinds.items()]} if kinds else {"_id": None}
        for document in self.db.assignments.find(query):
            for item in _assignments(document):
                if item["effective_from"] <= last_day and (
                        item["effective_to"] is None or item["effective_to"] >= first_day):
                    found.setdefault(payee_key(item["payee_kind"], item["payee_id"]),
                                     []).append(item)
        return found
