"""Pricing a basket: POST /api/v1/pricing/basket (the price configurator's engine).

Inside the company a basket is priced under the list named, else the list serving the
partner tier named, else at the list prices. A partner's basket is always priced
under its own organisation's tier (the identity store's, never one it names: naming a
list or a tier is a 400), and it gets the partner view: no costs, and a trace that
shows its list's name, the rule kinds and the steps, nothing of the other lists its
list is based on. A deal registration a partner names must be one it can read.
"""
from flask import g

from sfa_common.contracts.pricing import BasketSchema, PricedBasketSchema
from sfa_common.errors import NotFound, ValidationFailed

from ..scopes import require, scope_for
from ..services import call
from ..views import PartnerBasketSchema, PartnerPricedBasketSchema
from . import Blueprint
from .directory import own_partner_org

blp = Blueprint("pricing", __name__, url_prefix="/api/v1/pricing",
                description="Pricing a basket of products under a price list")


def _partner_basket(basket):
    """A partner's basket under its organisation's tier, its deal registration checked."""
    registration_id = basket.get("deal_registration_id")
    if registration_id:
        try:
            call("leads", "get_registration", registration_id,
                 scope_for("deal_registration", "read", registration_id))
        except NotFound:
            raise ValidationFailed(f"No deal registration {registration_id!r} of yours.", {
                "deal_registration_id": ["No such deal registration of yours."]}) from None
    return {**basket, "price_list_id": None, "partner_tier": own_partner_org()["tier"]}


@blp.route("/basket", methods=["POST"])
@blp.arguments(BasketSchema, partner_schema=PartnerBasketSchema)
@blp.replies(200, PricedBasketSchema, partner_view=PartnerPricedBasketSchema)
def price_basket(basket):
    """Price a basket: each line's unit price, amount and how it came about

    `lines` name products by `product_id` or `sku` with a quantity (400 naming the
    line, e.g. `lines.2.quantity`); quantity breaks count the basket's total of the
    same product or category. `on` is the pricing day (default today, UTC). Internal
    users may name `price_list_id` or `partner_tier`; partners are priced under their
    organisation's tier."""
    if g.subject.is_partner:
        return call("quotes", "price_basket",
                    _partner_basket(PartnerBasketSchema().dump(basket)))
    require("price_list", "read")
    return call("quotes", "price_basket", BasketSchema().dump(basket))
