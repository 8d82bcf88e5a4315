"""Storage of the opportunities service (its own database), its settings and the
outbox relay's timer.

Money goes in as ``Money.to_document()`` (Decimal128, exact on both engines) and comes
out as ``Money`` again; split percents and product quantities likewise as Decimal128.
Every opportunity also carries ``amount_minor`` (integer minor units), which lists sort
by and reports add up: the embedded engine cannot compare Decimal128.
"""
import re
from datetime import timedelta

from bson import ObjectId
from bson.decimal128 import Decimal128
from bson.errors import InvalidId
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.company_names import candidate_pattern, normalise_company_name
from sfa_common.contracts.opportunities import LOST, WON
from sfa_common.errors import Conflict
from sfa_common.money import Money
from sfa_common.mongo import Repository
from sfa_common.paging import fetch_page
from sfa_common.scope import scoped

from .quotas import period_window
from .settings import OpportunitySettings
from .stages import OPEN

# The customer's fields its contacts copy, so the same scopes select them.
ACCOUNT_SCOPE_FIELDS = ("owner_id", "department_id", "team_member_ids", "partner_org_ids",
                        "partner_user_id")
_CLOSED = [WON, LOST]


def object_id(value):
    """The ObjectId a string names, or None when it names none."""
    try:
        return ObjectId(value) if isinstance(value, str) else None
    except InvalidId:
        return None


def _sorted_by(*fields):
    return [IndexModel([(field, ASCENDING), ("_id", ASCENDING)]) for field in fields]


def _scope_fields(partner_org):
    return [IndexModel([("owner_id", ASCENDING)]), IndexModel([("team_member_ids", ASCENDING)]),
            IndexModel([("department_id", ASCENDING)]),
            IndexModel([(partner_org, ASCENDING), ("partner_user_id", ASCENDING)])]


def _source_key_index():
    """Idempotent creates: one record per caller's key, where a key is given."""
    return IndexModel([("source_key", ASCENDING)], unique=True,
                      partialFilterExpression={"source_key": {"$type": "string"}})


def _minor_units(money):
    return int(money.amount.scaleb(money.minor_digits))


def _opportunity_to_document(fields):
    """Storage types for the money and Decimal fields present in ``fields``."""
    document = dict(fields)
    if "amount" in fields:
        document["amount"] = fields["amount"].to_document()
        document["amount_minor"] = _minor_units(fields["amount"])
    if "splits" in fields:
        document["splits"] = [{**split, "percent": Decimal128(split["percent"])}
                              for split in fields["splits"]]
    if "products" in fields:
        document["products"] = [{**product, "quantity": Decimal128(product["quantity"]),
                                 "amount": product["amount"].to_document()}
                                for product in fields["products"]]
    return document


def _splits_from_document(splits):
    return [{**split, "percent": split["percent"].to_decimal()} for split in splits]


def _opportunity_from_document(document):
    if document is None:
        return None
    return {**document, "amount": Money.from_document(document["amount"]),
            "splits": _splits_from_document(document["splits"]),
            "products": [{**product, "quantity": product["quantity"].to_decimal(),
                          "amount": Money.from_document(product["amount"])}
                         for product in document["products"]]}


def _quota_from_document(document):
    if document is None:
        return None
    return {**document, "target": Money.from_document(document["target"])}


def _day_after(day):
    return day + timedelta(days=1)


def _between(field, date_from, date_to):
    """``field`` inside the days from ``date_from`` to ``date_to`` (both inclusive)."""
    bounds = {}
    if date_from is not None:
        bounds["$gte"] = date_from
    if date_to is not None:
        bounds["$lt"] = _day_after(date_to)
    return {field: bounds} if bounds else {}


def _substring(text):
    return {"$regex": re.escape(text), "$options": "i"}


def _all_of(*conditions):
    conditions = [condition for condition in conditions if condition]
    if len(conditions) > 1:
        return {"$and": conditions}
    return conditions[0] if conditions else {}


class OpportunityRepository(Repository):
    indexes = {
        "accounts": [
            # Unique only where a code is given: many accounts have none (stored as null).
            IndexModel([("unified_social_credit_code", ASCENDING)], unique=True,
                       partialFilterExpression={"unified_social_credit_code": {"$type": "string"}}),
            _source_key_index(),
            # The duplicate check on conversion, the name search and the name sort.
            *_sorted_by("normalised_name", "created_at", "updated_at"),
            *_scope_fields("partner_org_ids"),
        ],
        "contacts": [
            _source_key_index(),
            IndexModel([("account_id", ASCENDING), ("name", ASCENDING), ("_id", ASCENDING)]),
            *_sorted_by("name", "created_at"),
            *_scope_fields("partner_org_ids"),
        ],
        "competitors": [IndexModel([("normalised_name", ASCENDING)], unique=True)],
        "opportunities": [
            _source_key_index(),
            *_scope_fields("partner_org_id"),
            *_sorted_by("created_at", "updated_at", "expected_close_date", "amount_minor",
                        "probability", "name"),
            IndexModel([("account_id", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("stage", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("won_at", DESCENDING)]),
            IndexModel([("closed_at", ASCENDING)]),
            IndexModel([("outbox.queued_at", ASCENDING)], sparse=True),
        ],
        "quotas": [
            IndexModel([("period", ASCENDING), ("owner_id", ASCENDING),
                        ("partner_org_id", ASCENDING)], unique=True),
            IndexModel([("owner_id", ASCENDING)]), IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_id", ASCENDING)]),
            *_sorted_by("created_at", "period"),
        ],
    }

    @staticmethod
    def _timestamped(record, now=None):
        now = now or utcnow()
        return {**record, "created_at": now, "updated_at": now}

    def _page(self, collection, filters, scope, query, sort):
        return fetch_page(self.db[collection], scoped(filters, scope), sort,
                          query["cursor"], query["limit"])

    # -- customers ------------------------------------------------------------------------

    def by_source_key(self, collection, source_key):
        """The record an earlier create with ``source_key`` made, or None."""
        if source_key is None:
            return None
        return self.db[collection].find_one({"source_key": source_key})

    def add_account(self, account):
        """The new account; or, when its ``source_key`` was used before (a retried
        create, even one racing this), the account that create made."""
        document = self._timestamped(account)
        try:
            document["_id"] = self.db.accounts.insert_one(document).inserted_id
        except DuplicateKeyError:
            earlier = self.by_source_key("accounts", account.get("source_key"))
            if earlier is not None:
                return earlier
            raise self._credit_code_taken(account["unified_social_credit_code"]) from None
        return document

    @staticmethod
    def _credit_code_taken(code):
        return Conflict(f"An account with unified social credit code {code} exists.",
                        {"unified_social_credit_code": ["An account with this code exists."]})

    def find_account(self, account_id, scope):
        """The account if it exists and lies inside ``scope``."""
        return self.db.accounts.find_one(scoped({"_id": account_id}, scope))

    def update_account(self, account_id, changes, scope):
        """The changed account (None when it is not inside ``scope``); its contacts follow
        a change of the fields scopes select by."""
        try:
            account = self.db.accounts.find_one_and_update(
                scoped({"_id": account_id}, scope),
                {"$set": {**changes, "updated_at": utcnow()}},
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            raise self._credit_code_taken(changes["unified_social_credit_code"]) from None
        if account is None:
            return None
        followed = {name: changes[name] for name in ACCOUNT_SCOPE_FIELDS if name in changes}
        if followed:
            self.db.contacts.update_many({"account_id": str(account_id)}, {"$set": followed})
        if "name" in changes:
            self.db.opportunities.update_many({"account_id": str(account_id)},
                                              {"$set": {"account_name": changes["name"]}})
        return account

    def serve_account(self, account_id, partner_org_id):
        """A partner organisation a deal is attributed to serves its customer from then
        on (it sees the customer and its contacts): one ``$addToSet`` on each."""
        if partner_org_id is None:
            return
        self.db.accounts.update_one({"_id": account_id},
                                    {"$addToSet": {"partner_org_ids": partner_org_id}})
        self.db.contacts.update_many({"account_id": str(account_id)},
                                     {"$addToSet": {"partner_org_ids": partner_org_id}})

    def list_accounts(self, query, sort, scope):
        filters = {name: query[name] for name in ("industry", "region", "segment", "owner_id")
                   if query[name] is not None}
        if query["partner_org_id"] is not None:
            filters["partner_org_ids"] = query["partner_org_id"]
        if query["q"] is not None:
            filters["normalised_name"] = {"$regex": re.escape(normalise_company_name(query["q"]))}
        return self._page("accounts", filters, scope, query, sort)

    def account_by_name(self, normalised_name):
        """The oldest account whose normalised name is ``normalised_name``, or None."""
        if not normalised_name:
            return None
        found = self.db.accounts.find({"normalised_name": normalised_name}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]).limit(1)
        return next(iter(found), None)

    def matching_accounts(self, normalised_name, prefix, credit_code, limit):
        """Candidates for the registration conflict check: accounts with the same
        normalised name, one starting with ``prefix`` (an anchored, indexed search) or
        the same credit code; at most ``limit``, the same name and code first."""
        exact = [{"normalised_name": normalised_name}] if normalised_name else []
        if credit_code:
            exact.append({"unified_social_credit_code": credit_code})
        found = list(self.db.accounts.find({"$or": exact}).limit(limit)) if exact else []
        seen = {account["_id"] for account in found}
        if prefix and len(found) < limit:
            similar = self.db.accounts.find(
                {"normalised_name": {"$regex": candidate_pattern(prefix)},
                 "_id": {"$nin": list(seen)}}).sort("normalised_name", ASCENDING)
            found += list(similar.limit(limit - len(found)))
        return found

    def open_opportunities_of(self, account_ids):
        """``{account id: [open opportunity, ...]}`` for the accounts, in one query."""
        opened = {}
        for opportunity in self.db.opportunities.find(
                {"account_id": {"$in": account_ids}, "status": OPEN},
                {"name": 1, "stage": 1, "partner_org_id": 1, "account_id": 1}):
            opened.setdefault(opportunity["account_id"], []).append(opportunity)
        return opened

    # -- contacts -------------------------------------------------------------------------

    def add_contact(self, contact):
        document = self._timestamped(contact)
        try:
            document["_id"] = self.db.contacts.insert_one(document).inserted_id
        except DuplicateKeyError:   # only source_key is unique: a racing retry made it
            return self.by_source_key("contacts", contact["source_key"])
        return document

    def find_contact(self, contact_id, scope):
        return self.db.contacts.find_one(scoped({"_id": contact_id}, scope))

    def update_contact(self, contact_id, changes, scope):
        return self.db.contacts.find_one_and_update(
            scoped({"_id": contact_id}, scope), {"$set": {**changes, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER)

    def list_contacts(self, query, sort, scope):
        filters = {} if query["account_id"] is None else {"account_id": query["account_id"]}
        return self._page("contacts", filters, scope, query, sort)

    def foreign_contacts(self, account_id, contact_ids):
        """Those of ``contact_ids`` that are not contacts of the account, in order."""
        ids = [object_id(contact_id) for contact_id in contact_ids]
        own = {str(contact["_id"]) for contact in self.db.contacts.find(
            {"_id": {"$in": [oid for oid in ids if oid]}, "account_id": account_id},
            {"_id": 1})}
        return [contact_id for contact_id in contact_ids if contact_id not in own]

    # -- competitors ----------------------------------------------------------------------

    def add_competitor(self, competitor):
        document = self._timestamped(competitor)
        try:
            document["_id"] = self.db.competitors.insert_one(document).inserted_id
        except DuplicateKeyError:
            message = f"A competitor named like {competitor['name']!r} exists."
            raise Conflict(message, {"name": [message]}) from None
        return document

    def find_competitor(self, competitor_id):
        return self.db.competitors.find_one({"_id": competitor_id})

    def list_competitors(self, query, sort):
        filters = {}
        if query["q"] is not None:
            filters["normalised_name"] = {"$regex": re.escape(normalise_company_name(query["q"]))}
        return self._page("competitors", filters, {}, query, sort)

    # -- opportunities --------------------------------------------------------------------

    def add_opportunity(self, opportunity, now):
        document = self._timestamped(_opportunity_to_document(opportunity), now)
        try:
            document["_id"] = self.db.opportunities.insert_one(document).inserted_id
        except DuplicateKeyError:   # only source_key is unique: a racing retry made it
            return self.find_opportunity_by_source_key(opportunity["source_key"])
        return _opportunity_from_document(document)

    def find_opportunity_by_source_key(self, source_key):
        return _opportunity_from_document(self.by_source_key("opportunities", source_key))

    def find_opportunity(self, opportunity_id, scope):
        return _opportunity_from_document(
            self.db.opportunities.find_one(scoped({"_id": opportunity_id}, scope)))

    def change_opportunity(self, opportunity, scope, changes, entry=None, event=None):
        """Write ``changes`` (plus the stage-history ``entry`` and the pending ``event``)
        in one update, only if the opportunity is still inside ``scope`` and still the
        revision that was read: of two concurrent writes one wins. The changed
        opportunity, or None when the condition failed."""
        update = {"$set": {**_opportunity_to_document(changes), "updated_at": utcnow()},
                  "$inc": {"revision": 1}}
        pushes = {name: value for name, value in (("stage_history", entry), ("outbox", event))
                  if value is not None}
        if pushes:
            update["$push"] = pushes
        return _opportunity_from_document(self.db.opportunities.find_one_and_update(
            scoped({"_id": opportunity["_id"], "revision": opportunity["revision"]}, scope),
            update, return_document=ReturnDocument.AFTER))

    def clear_event(self, opportunity_id, event_id):
        self.db.opportunities.update_one({"_id": opportunity_id},
                                         {"$pull": {"outbox": {"event_id": event_id}}})

    def overdue_events(self, cutoff):
        """``(opportunity id, outbox entry)`` of every entry queued at or before ``cutoff``."""
        documents = self.db.opportunities.find({"outbox.queued_at": {"$lte": cutoff}},
                                               {"outbox": 1})
        return [(document["_id"], entry) for document in documents
                for entry in document["outbox"] if entry["queued_at"] <= cutoff]

    def list_opportunities(self, query, sort, scope):
        filters = {name: query[name] for name in (
            "status", "stage", "account_id", "owner_id", "partner_org_id", "partner_user_id")
            if query[name] is not None}
        filters.update(_between("expected_close_date", query["close_from"], query["close_to"]))
        if query["q"] is not None:
            filters["name"] = _substring(query["q"])
        page, cursor = self._page("opportunities", filters, scope, query, sort)
        return [_opportunity_from_document(document) for document in page], cursor

    # -- quotas ---------------------------------------------------------------------------

    def add_quota(self, quota):
        document = self._timestamped({**quota, "target": quota["target"].to_document()})
        try:
            document["_id"] = self.db.quotas.insert_one(document).inserted_id
        except DuplicateKeyError:
            message = f"There is a quota for this rep or partner in {quota['period']}."
            raise Conflict(message, {"period": [message]}) from None
        return _quota_from_document(document)

    def find_quota(self, quota_id, scope):
        return _quota_from_document(self.db.quotas.find_one(scoped({"_id": quota_id}, scope)))

    def update_quota(self, quota_id, changes, scope):
        return _quota_from_document(self.db.quotas.find_one_and_update(
            scoped({"_id": quota_id}, scope),
            {"$set": {"target": changes["target"].to_document(), "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER))

    def list_quotas(self, query, sort, scope):
        filters = {name: query[name] for name in ("period", "owner_id", "partner_org_id")
                   if query[name] is not None}
        page, cursor = self._page("quotas", filters, scope, query, sort)
        return [_quota_from_document(document) for document in page], cursor

    def quotas_of_period(self, period):
        """Every quota of ``period`` (one rep's or one partner organisation's each)."""
        return [_quota_from_document(document) for document in
                self.db.quotas.find({"period": period}).sort("_id", ASCENDING)]

    def won_deals_for(self, quotas):
        """The won deals that may count towards any of ``quotas``, in one aggregation:
        won in the span of their periods, in their currencies, by their payees."""
        if not quotas:
            return []
        windows = [period_window(quota["period"]) for quota in quotas]
        owners = sorted({quota["owner_id"] for quota in quotas if quota.get("owner_id")})
        partners = sorted({quota["partner_org_id"] for quota in quotas
                           if quota.get("partner_org_id")})
        payees = []
        if owners:
            payees += [{"owner_id": {"$in": owners}}, {"splits.user_id": {"$in": owners}}]
        if partners:
            payees.append({"partner_org_id": {"$in": partners}})
        match = {"status": WON,
                 "won_at": {"$gte": min(start for start, _ in windows),
                            "$lt": max(end for _, end in windows)},
                 "amount.currency": {"$in": sorted({quota["target"].currency
                                                    for quota in quotas})},
                 "$or": payees}
        deals = self.db.opportunities.aggregate([
            {"$match": match},
            {"$project": {"won_at": "$won_at", "amount": "$amount", "owner_id": "$owner_id",
                          "splits": "$splits", "partner_org_id": "$partner_org_id"}}])
        return [{**deal, "amount": Money.from_document(deal["amount"]),
                 "splits": _splits_from_document(deal["splits"])} for deal in deals]

    # -- reports --------------------------------------------------------------------------

    def _report(self, query, scope, *conditions, stages):
        """Run ``stages`` over the opportunities inside ``scope`` that match the report
        filters and ``conditions``; the scope is in the first ``$match``."""
        filters = {name: query[name] for name in ("owner_id", "partner_org_id")
                   if query[name] is not None}
        if query["currency"] is not None:
            filters["amount.currency"] = query["currency"]
        match = scoped(_all_of(filters, *conditions), scope)
        return list(self.db.opportunities.aggregate([{"$match": match}, *stages]))

    @staticmethod
    def _by(**keys):
        return {"_id": keys, "count": {"$sum": 1}, "minor": {"$sum": "$amount_minor"}}

    def pipeline_groups(self, query, scope):
        return self._report(
            query, scope, {"status": OPEN},
            _between("expected_close_date", query["date_from"], query["date_to"]),
            stages=[{"$group": self._by(stage="$stage", currency="$amount.currency",
                                        probability="$probability")}])

    def forecast_groups(self, query, scope):
        open_groups = self._report(
            query, scope, {"status": OPEN},
            _between("expected_close_date", query["date_from"], query["date_to"]),
            stages=[{"$group": self._by(day="$expected_close_date", currency="$amount.currency",
                                        probability="$probability")}])
        won_groups = self._report(
            query, scope, {"status": WON}, _between("won_at", query["date_from"], query["date_to"]),
            stages=[{"$group": {"_id": "$amount.currency", "deals": {
                "$push": {"won_at": "$won_at", "minor": "$amount_minor"}}}}])
        return open_groups, won_groups

    def win_rate_groups(self, query, scope):
        return self._report(
            query, scope, {"status": {"$in": _CLOSED}},
            _between("closed_at", query["date_from"], query["date_to"]),
            stages=[{"$group": {"_id": "$status", "count": {"$sum": 1}}}])

    def cycle_time_groups(self, query, scope):
        return self._report(
            query, scope, {"status": WON}, _between("won_at", query["date_from"], query["date_to"]),
            stages=[{"$group": {"_id": None, "count": {"$sum": 1},
                                "seconds": {"$sum": "$cycle_seconds"}}}])

    @staticmethod
    def _closing_between(date_from, date_to):
        """Open deals by their expected close date, closed ones by when they closed."""
        if date_from is None and date_to is None:
            return {}
        return {"$or": [
            {"status": OPEN, **_between("expected_close_date", date_from, date_to)},
            {"status": {"$in": _CLOSED}, **_between("closed_at", date_from, date_to)}]}

    def competitor_groups(self, query, scope):
        return self._report(
            query, scope, {"competitors.0": {"$exists": True}},
            self._closing_between(query["date_from"], query["date_to"]),
            stages=[{"$unwind": "$competitors"},
                    {"$group": {"_id": {"competitor_id": "$competitors.competitor_id",
                                        "status": "$status", "lost_to": "$lost_to_competitor_id"},
                                "count": {"$sum": 1}, "name": {"$first": "$competitors.name"}}}])

    def partner_groups(self, query, scope):
        return self._report(
            query, scope, {"partner_org_id": {"$ne": None}},
            self._closing_between(query["date_from"], query["date_to"]),
            stages=[{"$group": self._by(partner_org_id="$partner_org_id",
                                        currency="$amount.currency", status="$status",
                                        probability="$probability")}])

    def customer_groups(self, query, scope, currency, since):
        return self._report(
            {**query, "currency": currency}, scope, {"status": WON, "won_at": {"$gte": since}},
            _between("won_at", query["date_from"], query["date_to"]),
            stages=[{"$group": {"_id": "$account_id", "last_won_at": {"$max": "$won_at"},
                                "frequency": {"$sum": 1}, "minor": {"$sum": "$amount_minor"}}}])


class Settings(DependencyProvider):
    """The service's settings (``OpportunitySettings``), checked when the container
    starts: a malformed one stops it with a message naming the setting."""

    def setup(self):
        self.settings = OpportunitySettings.from_mapping(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
