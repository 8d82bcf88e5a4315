"""The quotes nameko service: thin entrypoints over the repository and the rules.

Products are the public catalogue every rep and partner quotes from, not records
anyone owns, so reading them takes no data scope.
"""
from nameko.rpc import rpc

from sfa_common import service as common
from sfa_common.contracts.quotes import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    encode_cursor,
)
from sfa_common.errors import EXPECTED, NotFound
from sfa_common.mongo import Mongo
from sfa_common.service import load, record_id

from .dependencies import ProductRepository


# common.HealthMixin, not an imported HealthMixin: `nameko run quotes.service` tries to
# run every top-level class with an entrypoint, and the mixin's `health` is one.
class QuotesService(common.HealthMixin):
    name = "quotes"

    store = Mongo(ProductRepository)

    @rpc(expected_exceptions=EXPECTED)
    def create_product(self, payload):
        product = load(ProductCreateSchema(), payload)
        return ProductSchema().dump(self.store.add_product(product))

    @rpc(expected_exceptions=EXPECTED)
    def get_product(self, product_id):
        """One catalogue product (public: no scope)."""
        product = self.store.find_product(record_id(product_id, "product"))
        if product is None:
            raise NotFound(f"No product {product_id!r}.")
        return ProductSchema().dump(product)

    @rpc(expected_exceptions=EXPECTED)
    def list_products(self, query=None):
        """A page of the catalogue in SKU order (public: no scope). ``next_cursor`` is
        None on the last page; pass it back as ``cursor`` for the next one."""
        wanted = load(ProductQuerySchema(), {} if query is None else query)
        items, more = self.store.list_products(
            active=wanted["active"], category=wanted["category"],
            after_sku=wanted["cursor"], limit=wanted["limit"])
        next_cursor = encode_cursor(items[-1]["sku"]) if more else None
        return ProductPageSchema().dump({"items": items, "next_cursor": next_cursor})
