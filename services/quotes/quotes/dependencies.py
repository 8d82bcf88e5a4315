"""Storage of the quotes service (its own database).

Money goes in as ``Money.to_document()`` (Decimal128, exact on both engines) and comes
out as ``Money`` again, so nothing above this module sees a storage type.
"""
import re

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict
from sfa_common.money import Money
from sfa_common.mongo import Repository

_MONEY_FIELDS = ("list_price", "cost")


def _to_document(product):
    return {**product, **{name: product[name].to_document()
                          for name in _MONEY_FIELDS if product.get(name) is not None}}


def _from_document(document):
    if document is None:
        return None
    return {**document, **{name: Money.from_document(document[name])
                           for name in _MONEY_FIELDS if document.get(name) is not None}}


def _category_under(prefix):
    """The category itself or anything below it, by path segment ("hardware" finds
    "hardware/servers" but not "hardwares"); the anchored regex can use the index."""
    return {"$or": [{"category": prefix},
                    {"category": {"$regex": "^" + re.escape(prefix + "/")}}]}


class ProductRepository(Repository):
    indexes = {
        "products": [
            IndexModel([("sku", ASCENDING)], unique=True),
            IndexModel([("active", ASCENDING), ("sku", ASCENDING)]),
            IndexModel([("category", ASCENDING), ("sku", ASCENDING)]),
        ],
    }

    def add_product(self, product):
        now = utcnow()
        document = {**_to_document(product), "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.products.insert_one(document).inserted_id
        except DuplicateKeyError:
            sku = product["sku"]
            raise Conflict(f"A product with SKU {sku} exists.",
                           {"sku": ["A product with this SKU exists."]}) from None
        return _from_document(document)

    def find_product(self, product_id):
        return _from_document(self.db.products.find_one({"_id": product_id}))

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
        return [_from_document(document) for document in found[:limit]], len(found) > limit
