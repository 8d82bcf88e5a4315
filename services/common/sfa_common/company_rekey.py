"""Recompute stored company-name keys after the normalisation rules change.

Every stored key (accounts' and competitors' ``normalised_name``, leads' and deal
registrations' ``normalised_company``) is ``normalise_company_name`` of the stored
name; candidate selection and the duplicate check look them up by index, so a key
computed by older rules would not be found. ``rekey`` walks a collection by ``_id`` in
batches and rewrites only the keys that changed (running it twice writes nothing the
second time). Where a unique index refuses a new key (two competitors that the new
rules see as one), the old key stays and the record is reported.

Run it with scripts/rekey_company_names.py after deploying new rules.
"""
from dataclasses import dataclass, field

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from sfa_common.company_names import normalise_company_name

# (service database suffix, collection, name field, key field)
STORED_KEYS = (
    ("opportunities", "accounts", "name", "normalised_name"),
    ("opportunities", "competitors", "name", "normalised_name"),
    ("leads", "leads", "company", "normalised_company"),
    ("leads", "registrations", "company", "normalised_company"),
)


@dataclass
class Rekeyed:
    seen: int = 0
    changed: int = 0
    refused: list = field(default_factory=list)  # ids a unique index kept on the old key


def rekey(collection, name_field, key_field, batch_size=1000):
    """Rewrite the changed keys of ``collection``; what it did."""
    done = Rekeyed()
    last_id = None
    while True:
        query = {} if last_id is None else {"_id": {"$gt": last_id}}
        batch = list(collection.find(query, {name_field: 1, key_field: 1})
                     .sort("_id", ASCENDING).limit(batch_size))
        if not batch:
            return done
        last_id = batch[-1]["_id"]
        done.seen += len(batch)
        for document in batch:
            key = normalise_company_name(document.get(name_field))
            if document.get(key_field) == key:
                continue
            try:
                # Only if the key is still the one read: a service may have written since.
                done.changed += collection.update_one(
                    {"_id": document["_id"], key_field: document.get(key_field)},
                    {"$set": {key_field: key}}).modified_count
            except DuplicateKeyError:
                done.refused.append(document["_id"])
