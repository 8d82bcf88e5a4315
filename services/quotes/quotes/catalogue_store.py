"""Storage of the catalogue: products, price lists and their rules (mixed into the
quotes service's repository).

Money goes in as ``Money.to_document()`` and other decimals as Decimal128 (exact on
both engines), and both come out as ``Money``/``Decimal`` again, so nothing above this
module sees a storage type. No query compares money (the embedded engine cannot compare
Decimal128): rules are selected by list id and resolved in Python (``pricing.py``).

Rules live in their own collection, one document each, and every change of a list or
its rules bumps the list's ``revision``; a list's rules are compiled into a
``PriceBook`` once per revision and kept in this process (``price_books``).
"""
import re
from decimal import Decimal

from bson import ObjectId
from bson.decimal128 import Decimal128
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict
from sfa_common.money import Money
from sfa_common.paging import Sort, fetch_page

from .pricing import PriceBook

_MONEY_FIELDS = ("list_price", "cost")
# How far a based_on chain is followed; a longer one is refused when saved.
MAX_CHAIN = 10
_BOOK_CACHE_SIZE = 256
# (client, database, list id) -> PriceBook of the revision it was compiled from.
_books = {}
# A catalogue up to this size is kept whole in each process for pricing, per revision;
# a bigger one is queried for the products a basket names.
PRODUCT_CACHE_LIMIT = 20_000
# (client, database) -> (catalogue revision, {id: product}, {sku: product})
_catalogues = {}

PRICE_LIST_SORT = Sort("name", "name", "str", False)


def _product_to_document(product):
    return {**product, **{name: product[name].to_document()
                          for name in _MONEY_FIELDS if product.get(name) is not None}}


def _product_from_document(document):
    if document is None:
        return None
    return {**document, **{name: Money.from_document(document[name])
                           for name in _MONEY_FIELDS if document.get(name) is not None}}


def _to_storage(value):
    if isinstance(value, Money):
        return value.to_document()
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, dict):
        return {key: _to_storage(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_storage(item) for item in value]
    return value


def _from_storage(value):
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        return {key: _from_storage(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_storage(item) for item in value]
    return value


def _rule_from_document(document):
    rule = _from_storage(document)
    if rule.get("amount") is not None:
        rule["amount"] = Money.from_document(rule["amount"])
    return rule


def _category_under(prefix):
    """The category itself or anything below it, by path segment ("hardware" finds
    "hardware/servers" but not "hardwares"); the anchored regex can use the index."""
    return {"$or": [{"category": prefix},
                    {"category": {"$regex": "^" + re.escape(prefix + "/")}}]}


def _sku_taken(sku):
    return Conflict(f"A product with SKU {sku} exists.",
                    {"sku": ["A product with this SKU exists."]})


class CatalogueStore:
    indexes = {
        "products": [
            IndexModel([("sku", ASCENDING)], unique=True),
            IndexModel([("active", ASCENDING), ("sku", ASCENDING)]),
            IndexModel([("category", ASCENDING), ("sku", ASCENDING)]),
        ],
        "price_lists": [
            IndexModel([("name", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("partner_tiers", ASCENDING), ("active", ASCENDING)]),
            IndexModel([("based_on", ASCENDING)]),
        ],
        "price_rules": [
            IndexModel([("price_list_id", ASCENDING), ("_id", ASCENDING)]),
        ],
    }

    # -- products -----------------------------------------------------------------------

    def add_product(self, product):
        now = utcnow()
        document = {**_product_to_document(product), "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.products.insert_one(document).inserted_id
        except DuplicateKeyError:
            raise _sku_taken(product["sku"]) from None
        self._catalogue_changed()
        return _product_from_document(document)

    def find_product(self, product_id):
        return _product_from_document(self.db.products.find_one({"_id": product_id}))

    def update_product(self, product_id, changes):
        """The changed product, or None when there is none with ``product_id``."""
        try:
            document = self.db.products.find_one_and_update(
                {"_id": product_id},
                {"$set": {**_product_to_document(changes), "updated_at": utcnow()}},
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            raise _sku_taken(changes["sku"]) from None
        self._catalogue_changed()
        return _product_from_document(document)

    def list_products(self, *, active, category, after_sku, limit):
        """Up to ``limit`` products in SKU order after ``after_sku`` (keyset paging: no
        skip, so a deep page costs what the first one does), and whether more follow."""
        conditions = []
        if active is not None:
            conditions.append({"active": active})
        if category is not None:
            conditions.append(_category_under(category))
        if after_sku is not None:
            conditions.append({"sku": {"$gt": after_sku}})
        query = {"$and": conditions} if conditions else {}
        found = list(self.db.products.find(query).sort("sku", ASCENDING).limit(limit + 1))
        return [_product_from_document(document) for document in found[:limit]], len(found) > limit

    def _catalogue_changed(self):
        """Bump the catalogue's revision AFTER a product write, so a reader that sees the
        new revision also sees the write (and one that cached the write under the old
        revision reloads once more)."""
        self.db.catalogue_revisions.update_one(
            {"_id": "products"},
            {"$inc": {"revision": 1}, "$setOnInsert": {"generation": str(ObjectId())}},
            upsert=True)

    def products_for(self, lines):
        """The products the basket lines name (by ``product_id`` or ``sku``). Served from
        this process's copy of the catalogue while its revision is current (one small
        read), else one query for the named products."""
        ids, skus = set(), set()
        for line in lines:
            if line.get("product_id") is not None:
                if ObjectId.is_valid(line["product_id"]):
                    ids.add(ObjectId(line["product_id"]))
            elif line.get("sku") is not None:
                skus.add(line["sku"])
        catalogue = self._catalogue()
        if catalogue is not None:
            by_id, by_sku = catalogue
            found = {by_id[key]["_id"]: by_id[key] for key in ids if key in by_id}
            found.update((by_sku[sku]["_id"], by_sku[sku]) for sku in skus if sku in by_sku)
            return [dict(product) for product in found.values()]   # callers may edit theirs
        alternatives = []
        if ids:
            alternatives.append({"_id": {"$in": list(ids)}})
        if skus:
            alternatives.append({"sku": {"$in": list(skus)}})
        if not alternatives:
            return []
        query = alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}
        return [_product_from_document(document) for document in self.db.products.find(query)]

    def _catalogue(self):
        """``(by id, by sku)`` of the whole catalogue at its current revision, or None
        when it is too big to keep."""
        counter = self.db.catalogue_revisions.find_one({"_id": "products"})
        if counter is None:
            self._catalogue_changed()
            counter = self.db.catalogue_revisions.find_one({"_id": "products"})
        # The generation tells two databases apart whose revisions happen to be equal.
        revision = (counter["generation"], counter["revision"])
        key = (id(self.db.client), self.db.name)
        cached = _catalogues.get(key)
        if cached is not None and cached[0] == revision:
            return cached[1:]
        if self.db.products.estimated_document_count() > PRODUCT_CACHE_LIMIT:
            return None
        products = [_product_from_document(document) for document in self.db.products.find()]
        by_id = {product["_id"]: product for product in products}
        by_sku = {product["sku"]: product for product in products}
        if len(_catalogues) >= 16:
            _catalogues.clear()
        _catalogues[key] = (revision, by_id, by_sku)
        return by_id, by_sku

    # -- price lists ----------------------------------------------------------------------

    def add_price_list(self, price_list):
        now = utcnow()
        document = {**price_list, "revision": 0, "rule_count": 0,
                    "created_at": now, "updated_at": now}
        document["_id"] = self.db.price_lists.insert_one(document).inserted_id
        return document

    def find_price_list(self, list_id):
        return self.db.price_lists.find_one({"_id": list_id})

    def price_rules(self, list_id):
        """The list's rules, oldest first."""
        found = self.db.price_rules.find({"price_list_id": list_id}).sort("_id", ASCENDING)
        return [_rule_from_document(document) for document in found]

    def change_price_list(self, price_list, changes):
        """Write ``changes`` if the list is still the revision that was read; the changed
        list, or None when it changed meanwhile."""
        return self.db.price_lists.find_one_and_update(
            {"_id": price_list["_id"], "revision": price_list["revision"]},
            {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"revision": 1}},
            return_document=ReturnDocument.AFTER)

    def add_price_rule(self, list_id, rule):
        """Store the rule, then bump the list's revision (in this order, so a reader that
        sees the new revision also sees the rule). The stored rule."""
        document = {**_to_storage(rule), "price_list_id": list_id, "created_at": utcnow()}
        document["_id"] = self.db.price_rules.insert_one(document).inserted_id
        self._rules_changed(list_id, 1)
        return _rule_from_document(document)

    def remove_price_rule(self, list_id, rule_id):
        """True when the list had the rule (then it is gone and the revision bumped)."""
        removed = self.db.price_rules.delete_one({"_id": rule_id, "price_list_id": list_id})
        if removed.deleted_count == 0:
            return False
        self._rules_changed(list_id, -1)
        return True

    def _rules_changed(self, list_id, delta):
        self.db.price_lists.update_one(
            {"_id": list_id},
            {"$inc": {"revision": 1, "rule_count": delta}, "$set": {"updated_at": utcnow()}})

    def lists_pricing_from_based_on(self, list_id):
        """Whether the list has a formula rule whose base is its based-on list."""
        return self.db.price_rules.count_documents(
            {"price_list_id": list_id, "formula.base": "price_list"}, limit=1) > 0

    def list_price_lists(self, query):
        conditions = {name: query[name] for name in ("active", "currency")
                      if query[name] is not None}
        if query["partner_tier"] is not None:
            conditions["partner_tiers"] = query["partner_tier"]
        return fetch_page(self.db.price_lists, conditions, PRICE_LIST_SORT, query["cursor"],
                          query["limit"])

    def tier_price_list(self, tier, currency):
        """The active list serving partner ``tier`` in ``currency`` (the oldest, if
        several do), or None."""
        found = self.db.price_lists.find(
            {"partner_tiers": tier, "active": True, "currency": currency}
        ).sort("_id", ASCENDING).limit(1)
        return next(iter(found), None)

    def based_on_chain(self, list_id):
        """The lists ``list_id`` is based on, nearest first, following ``based_on`` until
        a list has none, is missing, repeats one already seen, or MAX_CHAIN is reached."""
        chain, seen = [], set()
        while list_id is not None and list_id not in seen and len(chain) < MAX_CHAIN:
            seen.add(list_id)
            found = self.find_price_list(list_id)
            if found is None:
                break
            chain.append(found)
            list_id = found.get("based_on")
        return chain

    # -- compiled price books -------------------------------------------------------------

    def price_books(self, list_id):
        """``{list id: PriceBook}`` for ``list_id`` and the lists it is based on. Each
        list's rules are read and indexed only when its revision changed since this
        process last compiled it."""
        books = {}
        for price_list in self.based_on_chain(list_id):
            books[str(price_list["_id"])] = self._book(price_list)
        return books

    def _book(self, price_list):
        key = (id(self.db.client), self.db.name, price_list["_id"])
        book = _books.get(key)
        if book is None or book.revision != price_list["revision"]:
            book = PriceBook(price_list, self.price_rules(price_list["_id"]))
            if len(_books) >= _BOOK_CACHE_SIZE:
                _books.clear()
            _books[key] = book
        return book
