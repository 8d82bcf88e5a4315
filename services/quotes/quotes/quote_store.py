"""Storage of quotes and their numbers (mixed into ``QuotesRepository``).

Money is stored as ``Money.to_document()`` and percents and quantities as Decimal128
(exact on both engines); ``total_minor`` (integer minor units) is what lists sort by,
since the embedded engine cannot compare Decimal128. Every change of a quote is one
conditional update on the revision that was read, with its pending event in the same
update (the outbox).
"""

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.contracts.quotes import SENT
from sfa_common.money import Money
from sfa_common.paging import fetch_page
from sfa_common.scope import scoped

_LINE_MONEY = ("list_price", "unit_price", "amount", "net")
_LINE_DECIMALS = ("quantity", "line_discount_percent")
_QUOTE_DECIMALS = ("quote_discount_percent", "tax_rate_percent")
_APPROVAL_DECIMALS = ("max_discount_percent", "threshold_percent")


def _convert(record, money_fields, decimal_fields, to_storage):
    converted = dict(record)
    for name in money_fields:
        if converted.get(name) is not None:
            converted[name] = (converted[name].to_document() if to_storage
                               else Money.from_document(converted[name]))
    for name in decimal_fields:
        if converted.get(name) is not None:
            converted[name] = (Decimal128(converted[name]) if to_storage
                               else converted[name].to_decimal())
    return converted


def _quote_convert(fields, to_storage):
    document = _convert(fields, (), _QUOTE_DECIMALS, to_storage)
    if "lines" in fields:
        document["lines"] = [_convert(line, _LINE_MONEY, _LINE_DECIMALS, to_storage)
                             for line in fields["lines"]]
    if "totals" in fields:
        document["totals"] = _convert(fields["totals"], tuple(fields["totals"]), (),
                                      to_storage)
        if to_storage:
            total = fields["totals"]["total"]
            document["total_minor"] = int(total.amount.scaleb(total.minor_digits))
    if fields.get("approval") is not None:
        document["approval"] = _convert(fields["approval"], (), _APPROVAL_DECIMALS,
                                        to_storage)
    return document


def to_document(fields):
    return _quote_convert(fields, True)


def from_document(document):
    return None if document is None else _quote_convert(document, False)


def _sorted_by(*fields):
    return [IndexModel([(field, ASCENDING), ("_id", ASCENDING)]) for field in fields]


class QuoteStore:
    outbox_collections = ("quotes",)

    indexes = {
        "quotes": [
            IndexModel([("number", ASCENDING), ("version", ASCENDING)], unique=True),
            IndexModel([("source_key", ASCENDING)], unique=True,
                       partialFilterExpression={"source_key": {"$type": "string"}}),
            IndexModel([("opportunity_id", ASCENDING)]),
            IndexModel([("account_id", ASCENDING)]),
            IndexModel([("owner_id", ASCENDING)]), IndexModel([("team_member_ids", ASCENDING)]),
            IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_id", ASCENDING), ("partner_user_id", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("valid_until", ASCENDING)]),
            IndexModel([("latest", ASCENDING)]),
            *_sorted_by("created_at", "updated_at", "number", "total_minor"),
            IndexModel([("outbox.queued_at", ASCENDING)], sparse=True),
        ],
    }

    def next_quote_number(self, now):
        """Q-YYYYMM-NNNN: a per-month sequence, advanced atomically (two creates never
        share a number)."""
        month = now.strftime("%Y%m")
        counter = self.db.quote_numbers.find_one_and_update(
            {"_id": month}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        return f"Q-{month}-{counter['seq']:04d}"

    def quote_by_source_key(self, source_key):
        if source_key is None:
            return None
        return from_document(self.db.quotes.find_one({"source_key": source_key}))

    def add_quote(self, quote, now=None):
        """The new quote; or, when its ``source_key`` was used before (a retried create
        racing this one), the quote that create made."""
        now = now or utcnow()
        document = {**to_document(quote), "revision": 0, "outbox": [], "created_at": now,
                    "updated_at": now}
        try:
            document["_id"] = self.db.quotes.insert_one(document).inserted_id
        except DuplicateKeyError:
            earlier = self.quote_by_source_key(quote.get("source_key"))
            if earlier is None:
                raise
            return earlier
        return from_document(document)

    def find_quote(self, quote_id, scope):
        return from_document(self.db.quotes.find_one(scoped({"_id": quote_id}, scope)))

    def remove_quote(self, quote_id):
        self.db.quotes.delete_one({"_id": quote_id})

    def change_quote(self, quote, scope, changes, push=None, event=None):
        """Write ``changes`` (push ``push`` = {array: entry}, queue ``event``) if the
        quote is still inside ``scope`` and still the revision that was read; the
        changed quote, or None when that condition failed."""
        update = {"$set": {**to_document(changes), "updated_at": utcnow()},
                  "$inc": {"revision": 1}}
        pushes = dict(push or {})
        if event is not None:
            pushes["outbox"] = event
        if pushes:
            update["$push"] = pushes
        return from_document(self.db.quotes.find_one_and_update(
            scoped({"_id": quote["_id"], "revision": quote["revision"]}, scope), update,
            return_document=ReturnDocument.AFTER))

    def list_quotes(self, query, sort, scope):
        filters = {name: query[name] for name in (
            "status", "opportunity_id", "account_id", "owner_id", "partner_org_id", "number")
            if query[name] is not None}
        if query["latest_only"]:
            filters["latest"] = True
        items, cursor = fetch_page(self.db.quotes, scoped(filters, scope), sort,
                                   query["cursor"], query["limit"])
        return [from_document(item) for item in items], cursor

    def lapsed_quotes(self, before, limit=500):
        """Sent quotes whose last valid day is before ``before`` (midnight UTC today)."""
        return [from_document(document) for document in self.db.quotes.find(
            {"status": SENT, "valid_until": {"$lt": before}}).limit(limit)]

    # -- outbox ---------------------------------------------------------------------------

    def clear_event(self, collection, record_id, event_id):
        self.db[collection].update_one({"_id": record_id},
                                       {"$pull": {"outbox": {"event_id": event_id}}})

    def overdue_events(self, cutoff):
        found = []
        for collection in self.outbox_collections:
            for document in self.db[collection].find({"outbox.queued_at": {"$lte": cutoff}},
                                                     {"outbox": 1}):
                found.extend((collection, document["_id"], entry)
                             for entry in document["outbox"] if entry["queued_at"] <= cutoff)
        return found


