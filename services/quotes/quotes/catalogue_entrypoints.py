"""The catalogue's entrypoints, mixed into ``QuotesService``: products, price lists and
their rules, and pricing a basket. Thin: validate, load, call the rule, store.

Products and price lists are the public catalogue every rep and partner quotes from,
not records anyone owns, so these calls take no data scope; the gateway decides who may
change them and what a partner sees of a price list and a trace.

Uses the service's ``store`` (a repository with ``CatalogueStore`` mixed in). Quotes
price their lines in-process through ``price_lines``.
"""
from datetime import UTC, date, datetime

from bson import ObjectId
from nameko.rpc import rpc

from sfa_common.contracts.pricing import (
    BasketSchema,
    PricedBasketSchema,
    PriceListCreateSchema,
    PriceListPageSchema,
    PriceListQuerySchema,
    PriceListSchema,
    PriceListUpdateSchema,
    PriceRuleCreateSchema,
)
from sfa_common.contracts.quotes import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
    encode_cursor,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.paging import CursorError
from sfa_common.service import load, record_id

from . import pricing
from .catalogue_store import MAX_CHAIN


def _found(record, what, wanted_id):
    if record is None:
        raise NotFound(f"No {what} {wanted_id!r}.")
    return record


def _invalid(field, message):
    return ValidationFailed(message, {field: [message]})


def _today():
    return datetime.now(UTC).date()


class CatalogueEntrypoints:

    # -- products ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_product(self, payload):
        product = load(ProductCreateSchema(), payload)
        return ProductSchema().dump(self.store.add_product(product))

    @rpc(expected_exceptions=EXPECTED)
    def get_product(self, product_id):
        """One catalogue product (public: no scope)."""
        return ProductSchema().dump(self._product(product_id))

    def _product(self, product_id):
        product = self.store.find_product(record_id(product_id, "product"))
        return _found(product, "product", product_id)

    @rpc(expected_exceptions=EXPECTED)
    def update_product(self, product_id, changes):
        """Change the fields ``changes`` names; the cost stays in the list price's
        currency, the SKU unique (Conflict)."""
        changes = load(ProductUpdateSchema(), changes)
        product = self._product(product_id)
        merged = {**product, **changes}
        cost, price = merged.get("cost"), merged["list_price"]
        if cost is not None and cost.currency != price.currency:
            raise _invalid("cost.currency",
                           f"Must be the list price's currency ({price.currency}).")
        updated = self.store.update_product(product["_id"], changes)
        return ProductSchema().dump(_found(updated, "product", product_id))

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

    # -- price lists --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_price_list(self, payload):
        price_list = load(PriceListCreateSchema(), payload)
        if price_list["based_on"] is not None:
            price_list["based_on"] = self._based_on(None, price_list["based_on"],
                                                    price_list["currency"])
        return self._dump_list(self.store.add_price_list(price_list))

    @rpc(expected_exceptions=EXPECTED)
    def get_price_list(self, list_id):
        """The list with its rules (oldest first)."""
        return self._dump_list(self._price_list(list_id), with_rules=True)

    @rpc(expected_exceptions=EXPECTED)
    def list_price_lists(self, query=None):
        """A page of price lists in name order (rules left out; ``rule_count`` says how
        many)."""
        wanted = load(PriceListQuerySchema(), {} if query is None else query)
        try:
            items, next_cursor = self.store.list_price_lists(wanted)
        except CursorError:
            raise _invalid("cursor", "Not a cursor this service issued.") from None
        return PriceListPageSchema().dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def update_price_list(self, list_id, changes):
        """Change name, partner tiers, based_on, active or description. A based_on that
        would close a loop is refused naming ``based_on``."""
        changes = load(PriceListUpdateSchema(), changes)
        price_list = self._price_list(list_id)
        if "based_on" in changes:
            if changes["based_on"] is not None:
                changes["based_on"] = self._based_on(price_list, changes["based_on"],
                                                     price_list["currency"])
            elif self.store.lists_pricing_from_based_on(price_list["_id"]):
                raise _invalid("based_on", "A formula rule of this list prices from its "
                                           "based-on list; remove that rule first.")
        written = self.store.change_price_list(price_list, changes)
        if written is None:
            message = "The price list changed meanwhile; reload it and try again."
            raise Conflict(message, {"revision": [message]})
        return self._dump_list(written, with_rules=True)

    @rpc(expected_exceptions=EXPECTED)
    def add_price_rule(self, list_id, rule):
        """Add a rule to the list; answers the list with its rules."""
        rule = load(PriceRuleCreateSchema(), rule)
        price_list = self._price_list(list_id)
        if rule["amount"] is not None and rule["amount"].currency != price_list["currency"]:
            raise _invalid("amount.currency",
                           f"Must be the price list's currency ({price_list['currency']}).")
        formula = rule["formula"]
        if formula is not None and formula["base"] == "price_list" \
                and price_list.get("based_on") is None:
            raise _invalid("formula.base", "The price list has no based_on list to price from.")
        if rule["applies_to"]["kind"] == "product":
            product_id = rule["applies_to"]["product_id"]
            if self.store.find_product(ObjectId(product_id)) is None:
                raise _invalid("applies_to.product_id", "No such product.")
        self.store.add_price_rule(price_list["_id"], rule)
        return self._dump_list(self.store.find_price_list(price_list["_id"]), with_rules=True)

    @rpc(expected_exceptions=EXPECTED)
    def remove_price_rule(self, list_id, rule_id):
        """Remove a rule; answers the list with the rules left. Removing a rule that is
        not there is NotFound."""
        price_list = self._price_list(list_id)
        if not self.store.remove_price_rule(price_list["_id"], record_id(rule_id, "price rule")):
            raise NotFound(f"No price rule {rule_id!r} in this list.")
        return self._dump_list(self.store.find_price_list(price_list["_id"]), with_rules=True)

    def _price_list(self, list_id):
        price_list = self.store.find_price_list(record_id(list_id, "price list"))
        return _found(price_list, "price list", list_id)

    def _dump_list(self, price_list, with_rules=False):
        if with_rules:
            price_list = {**price_list, "rules": self.store.price_rules(price_list["_id"])}
            return PriceListSchema().dump(price_list)
        return PriceListSchema(exclude=("rules",)).dump(price_list)

    def _based_on(self, price_list, based_on, currency):
        """The ObjectId of the list ``based_on`` names, checked: it exists, is in the same
        currency and does not lead back to ``price_list`` (a loop)."""
        target = ObjectId(based_on)
        chain = self.store.based_on_chain(target)
        if not chain:
            raise _invalid("based_on", "No such price list.")
        if chain[0]["currency"] != currency:
            raise _invalid("based_on", f"The list it is based on is in {chain[0]['currency']}, "
                                       f"not {currency}.")
        ids = [found["_id"] for found in chain]
        if price_list is not None and price_list["_id"] in ids:
            names = [found["name"] for found in chain[:ids.index(price_list["_id"]) + 1]]
            loop = " -> ".join([price_list["name"], *names])
            raise _invalid("based_on", f"That would make a loop of based_on lists: {loop}.")
        if len(chain) >= MAX_CHAIN:
            raise _invalid("based_on", f"At most {MAX_CHAIN} lists may be chained.")
        if chain[-1].get("based_on") in ids:
            raise _invalid("based_on", "The lists it is based on already loop.")
        return target

    # -- pricing ------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def price_basket(self, basket):
        """Price a basket: each line's unit price, amount and trace, and the total."""
        wanted = load(BasketSchema(), basket)
        priced = self.price_lines(
            wanted["lines"], currency=wanted["currency"], on=wanted["on"],
            price_list_id=wanted["price_list_id"], partner_tier=wanted["partner_tier"],
            deal_registration_id=wanted["deal_registration_id"])
        return PricedBasketSchema().dump(priced)

    def price_lines(self, lines, *, currency, on=None, price_list_id=None, partner_tier=None,
                    deal_registration_id=None):
        """Price loaded basket lines in-process (quotes use this): see A's notes and
        ``pricing.price_basket`` for the arguments and the result."""
        on = _today() if on is None else on
        if isinstance(on, datetime):
            on = on.astimezone(UTC).date()
        elif not isinstance(on, date):
            raise _invalid("on", "Not a date.")
        list_id, books = self._pricing_list(price_list_id, partner_tier, currency)
        products = self.store.products_for(lines)
        return pricing.price_basket(lines, products, books, currency=currency, on=on,
                                    price_list_id=list_id,
                                    deal_registration_id=deal_registration_id)

    def _pricing_list(self, price_list_id, partner_tier, currency):
        """``(list id, books)`` of the list that prices the basket (None: list prices)."""
        if price_list_id is not None:
            if not ObjectId.is_valid(str(price_list_id)):
                raise _invalid("price_list_id", "No such price list.")
            price_list = self.store.find_price_list(ObjectId(str(price_list_id)))
            if price_list is None:
                raise _invalid("price_list_id", "No such price list.")
            if not price_list.get("active", True):
                raise _invalid("price_list_id", f"The price list {price_list['name']} "
                                                f"is not active.")
        elif partner_tier is not None:
            price_list = self.store.tier_price_list(partner_tier, currency)
            if price_list is None:
                return None, {}
        else:
            return None, {}
        return str(price_list["_id"]), self.store.price_books(price_list["_id"])
