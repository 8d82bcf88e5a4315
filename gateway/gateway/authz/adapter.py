"""A Casbin adapter that keeps the policy in one MongoDB collection of the gateway's
database, one document per rule: ``{"ptype": "p", "v0": sub, "v1": dom, ...}`` (the
layout of Casbin's own pymongo adapter, so the documents read the same anywhere).

A unique index over the rule makes adding idempotent across processes: two gateway
workers that add the same rule, or seed the defaults at the same start-up, store it
once. Works on MongoDB and on the embedded engine alike (no transactions).
"""
from casbin import persist
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

FIELDS = tuple(f"v{index}" for index in range(6))
DUPLICATE_KEY = 11000


def rule_document(ptype, rule):
    if len(rule) > len(FIELDS):
        raise ValueError(f"a rule has at most {len(FIELDS)} fields, got {len(rule)}")
    return {"ptype": ptype, **{FIELDS[index]: str(value) for index, value in enumerate(rule)}}


def _exact(ptype, rule):
    """The query for exactly this rule: absent trailing fields must be absent (a
    ``g`` rule is not a prefix of a longer rule)."""
    query = rule_document(ptype, rule)
    query.update({field: {"$exists": False} for field in FIELDS[len(rule):]})
    return query


class MongoPolicyAdapter(persist.BatchAdapter):
    """Casbin's adapter interface (auto-save, batches) over ``collection``. Call
    ``ensure_indexes()`` at start-up: adding relies on the unique index."""

    def __init__(self, collection):
        self.collection = collection

    def ensure_indexes(self):
        # Partial: only rules are unique; other documents (the seeding marker) have
        # none of these fields and would otherwise all collide on "all null".
        self.collection.create_index([("ptype", ASCENDING), *((f, ASCENDING) for f in FIELDS)],
                                     unique=True, name="rule_unique",
                                     partialFilterExpression={"ptype": {"$exists": True}})

    # -- whole policy ---------------------------------------------------------------

    def load_policy(self, model):
        for document in self.collection.find({"ptype": {"$exists": True}}).sort("_id"):
            ptype = document["ptype"]
            section = ptype[:1]
            if section not in model.model or ptype not in model.model[section]:
                continue   # a rule for an assertion this model does not have
            rule = [document[field] for field in FIELDS if field in document]
            model.add_policy(section, ptype, rule)

    def save_policy(self, model):
        """Make the collection hold exactly the model's rules: store them all first,
        then delete the rest, so a reader never sees an empty policy in between."""
        keep = []
        for section in ("p", "g"):
            for ptype, assertion in model.model.get(section, {}).items():
                keep.extend(rule_document(ptype, rule) for rule in assertion.policy)
        self._insert(keep)
        wanted = {_key(document) for document in keep}
        stale = [document["_id"] for document in self.collection.find({"ptype": {"$exists": True}})
                 if _key(document) not in wanted]
        if stale:
            self.collection.delete_many({"_id": {"$in": stale}})
        return True

    # -- auto-save: one rule or a batch at a time -----------------------------------

    def add_policy(self, sec, ptype, rule):
        self._insert([rule_document(ptype, rule)])
        return True

    def add_policies(self, sec, ptype, rules):
        self._insert([rule_document(ptype, rule) for rule in rules])
        return True

    def remove_policy(self, sec, ptype, rule):
        return self.collection.delete_one(_exact(ptype, rule)).deleted_count == 1

    def remove_policies(self, sec, ptype, rules):
        for rule in rules:
            self.collection.delete_one(_exact(ptype, rule))
        return True

    def remove_filtered_policy(self, sec, ptype, field_index, *field_values):
        query = {"ptype": ptype}
        for offset, value in enumerate(field_values):
            if value != "":    # Casbin's convention: an empty value matches anything
                query[FIELDS[field_index + offset]] = str(value)
        return self.collection.delete_many(query).deleted_count > 0

    def _insert(self, documents):
        """Store rules that are not stored yet: the unique index turns a rule that is
        already there (added earlier, or by another process just now) into a
        duplicate-key error, which means "stored"."""
        if not documents:
            return
        try:
            self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", ())):
                raise

def _rule(document):
    return [document[field] for field in FIELDS if field in document]


def _key(document):
    return (document["ptype"], *_rule(document))
