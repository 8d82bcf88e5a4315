"""Storage of deal registrations and lead offers (mixed into ``LeadRepository``).

A registration's estimated amount is stored as ``Money.to_document()`` (Decimal128)
and read back as ``Money``. Every change is one conditional update on the revision
that was read (registrations) or on the state it left (offers), so of two concurrent
changes the second finds nothing to update.
"""
import re

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.company_names import candidate_pattern
from sfa_common.contracts.registrations import ACTIVE_REGISTRATION_STATES, APPROVED
from sfa_common.money import Money
from sfa_common.paging import fetch_page
from sfa_common.scope import scoped

from .offers import OFFERED


def _sorted_by(*fields):
    return [IndexModel([(field, ASCENDING), ("_id", ASCENDING)]) for field in fields]


def _to_document(fields):
    document = dict(fields)
    if fields.get("estimated_amount") is not None:
        document["estimated_amount"] = fields["estimated_amount"].to_document()
    return document


def _from_document(document):
    if document is None or document.get("estimated_amount") is None:
        return document
    return {**document, "estimated_amount": Money.from_document(document["estimated_amount"])}


class RegistrationStore:
    outbox_collections = ("registrations",)

    indexes = {
        "registrations": [
            IndexModel([("partner_org_id", ASCENDING), ("partner_user_id", ASCENDING)]),
            # The conflict check: active registrations by name prefix or credit code.
            IndexModel([("status", ASCENDING), ("normalised_company", ASCENDING)]),
            IndexModel([("unified_social_credit_code", ASCENDING)], sparse=True),
            # The expiry timer.
            IndexModel([("status", ASCENDING), ("protection_ends_at", ASCENDING)]),
            *_sorted_by("created_at", "updated_at"),
            IndexModel([("outbox.queued_at", ASCENDING)], sparse=True),
        ],
        "lead_offers": [
            # One open offer per lead: a second is refused by the index, even in a race.
            IndexModel([("lead_id", ASCENDING)], unique=True,
                       partialFilterExpression={"status": OFFERED}),
            IndexModel([("partner_org_id", ASCENDING), ("status", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            *_sorted_by("created_at", "expires_at"),
        ],
    }

    # -- registrations --------------------------------------------------------------------

    def add_registration(self, registration, now=None):
        now = now or utcnow()
        document = {**_to_document(registration), "created_at": now, "updated_at": now}
        document["_id"] = self.db.registrations.insert_one(document).inserted_id
        return _from_document(document)

    def find_registration(self, registration_id, scope):
        return _from_document(self.db.registrations.find_one(
            scoped({"_id": registration_id}, scope)))

    def change_registration(self, registration, scope, changes, push=None, event=None):
        """Write ``changes`` (push ``push`` = {array: entry} and the pending ``event``) if
        the registration is inside ``scope`` and still the revision that was read. The
        changed registration, or None when the condition failed."""
        update = {"$set": {**_to_document(changes), "updated_at": utcnow()},
                  "$inc": {"revision": 1}}
        pushes = dict(push or {})
        if event is not None:
            pushes["outbox"] = event
        if pushes:
            update["$push"] = pushes
        return _from_document(self.db.registrations.find_one_and_update(
            scoped({"_id": registration["_id"], "revision": registration["revision"]}, scope),
            update, return_document=ReturnDocument.AFTER))

    def list_registrations(self, query, sort, scope):
        filters = {name: query[name] for name in ("status", "partner_org_id", "partner_user_id")
                   if query[name] is not None}
        if query["q"] is not None:
            filters["company"] = {"$regex": re.escape(query["q"]), "$options": "i"}
        page, cursor = fetch_page(self.db.registrations, scoped(filters, scope), sort,
                                  query["cursor"], query["limit"])
        return [_from_document(document) for document in page], cursor

    def rival_registrations(self, normalised, prefix, credit_code, exclude_org, exclude_id,
                            limit=50):
        """Other partners' active registrations that may name the same company: the same
        credit code, or a normalised name starting with ``prefix`` (its second Chinese
        character or a sound-alike: ``candidate_pattern``)."""
        alike = [{"normalised_company": {"$regex": candidate_pattern(prefix)}}] if prefix else []
        if credit_code:
            alike.append({"unified_social_credit_code": credit_code})
        if not alike:
            return []
        query = {"status": {"$in": list(ACTIVE_REGISTRATION_STATES)}, "$or": alike}
        if exclude_org is not None:
            query["partner_org_id"] = {"$ne": exclude_org}
        if exclude_id is not None:
            query["_id"] = {"$ne": exclude_id}
        return list(self.db.registrations.find(
            query, {"company": 1, "normalised_company": 1, "unified_social_credit_code": 1,
                    "partner_org_id": 1}).limit(limit))

    def protections_over(self, now, limit=500):
        """Approved registrations whose protection has ended."""
        return [_from_document(document) for document in self.db.registrations.find(
            {"status": APPROVED, "protection_ends_at": {"$lte": now}}).limit(limit)]

    # -- lead offers ------------------------------------------------------------------------

    def add_offer(self, offer, now=None):
        """The new offer, or None when the lead already has an open one."""
        now = now or utcnow()
        document = {**offer, "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.lead_offers.insert_one(document).inserted_id
        except DuplicateKeyError:
            return None
        return document

    def open_offer_for(self, lead_id):
        return self.db.lead_offers.find_one({"lead_id": lead_id, "status": OFFERED})

    def find_offer(self, offer_id, scope):
        return self.db.lead_offers.find_one(scoped({"_id": offer_id}, scope))

    def change_offer(self, offer, changes, from_status=OFFERED):
        """Write ``changes`` if the offer is still ``from_status``; None otherwise."""
        return self.db.lead_offers.find_one_and_update(
            {"_id": offer["_id"], "status": from_status},
            {"$set": {**changes, "updated_at": utcnow()}}, return_document=ReturnDocument.AFTER)

    def list_offers(self, query, sort, scope):
        filters = {name: query[name] for name in ("status", "partner_org_id", "lead_id")
                   if query[name] is not None}
        return fetch_page(self.db.lead_offers, scoped(filters, scope), sort, query["cursor"],
                          query["limit"])

    def overdue_offers(self, now, limit=500):
        return list(self.db.lead_offers.find(
            {"status": OFFERED, "expires_at": {"$lte": now}}).limit(limit))
