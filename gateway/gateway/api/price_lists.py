"""Price lists (价格表) and their rules: /api/v1/price-lists.

A list serves partner tiers (none: an internal list) and may be based on another list;
its rules price products, categories or everything, by quantity break, date range and
(optionally) one registered deal. Every internal user reads the lists (how a price came
about is no secret inside the company); sales operations and admins maintain them.
Partners never read a list: they price under their organisation's tier through
POST /api/v1/pricing/basket and see only what that list did to their prices.
"""
from sfa_common.contracts.pricing import (
    PriceListCreateSchema,
    PriceListQuerySchema,
    PriceListSchema,
    PriceListUpdateSchema,
    PriceRuleCreateSchema,
)
from sfa_common.schemas import page_schema

from ..scopes import require
from ..services import call
from . import Blueprint
from .directory import granted


class PriceListSummarySchema(PriceListSchema):
    """A list in a page: without its rules (``rule_count`` says how many). A class of
    its own, so the OpenAPI document names it apart from the full list."""

    class Meta(PriceListSchema.Meta):
        exclude = ("rules",)


PriceListSummaryPageSchema = page_schema(PriceListSummarySchema)


blp = Blueprint("price_lists", __name__, url_prefix="/api/v1/price-lists",
                description="Price lists (价格表) and their rules")


@blp.route("", methods=["GET"])
@blp.arguments(PriceListQuerySchema, location="query")
@blp.replies(200, PriceListSummaryPageSchema)
def list_price_lists(query):
    """List price lists by name, one page per call (without their rules)

    Pass `next_cursor` back as `cursor`. Internal users only: partners get 403."""
    require("price_list", "read")
    return call("quotes", "list_price_lists", PriceListQuerySchema().dump(query))


@blp.route("", methods=["POST"])
@granted("price_list", "create")
@blp.arguments(PriceListCreateSchema)
@blp.replies(201, PriceListSchema)
def create_price_list(price_list):
    """Create a price list (sales ops)

    `partner_tiers` it serves (empty: an internal list); `based_on` another list, whose
    prices its formula rules with base `price_list` start from (400 naming `based_on`
    when that would make a cycle)."""
    return call("quotes", "create_price_list", PriceListCreateSchema().dump(price_list))


@blp.route("/<price_list_id>", methods=["GET"])
@blp.replies(200, PriceListSchema)
def get_price_list(price_list_id):
    """Read one price list with its rules (internal users only)"""
    require("price_list", "read")
    return call("quotes", "get_price_list", price_list_id)


@blp.route("/<price_list_id>", methods=["PATCH"])
@granted("price_list", "update")
@blp.arguments(PriceListUpdateSchema)
@blp.replies(200, PriceListSchema)
def update_price_list(changes, price_list_id):
    """Change a price list (sales ops)

    Its name, tiers, `based_on`, description or whether it is active; never its
    currency (its rules' amounts are in it)."""
    return call("quotes", "update_price_list", price_list_id,
                PriceListUpdateSchema().dump(changes))


@blp.route("/<price_list_id>/rules", methods=["POST"])
@granted("price_list", "update")
@blp.arguments(PriceRuleCreateSchema)
@blp.replies(201, PriceListSchema)
def add_price_rule(rule, price_list_id):
    """Add a rule to a price list (sales ops); answers the list with its rules

    `kind` `fixed_price` takes `amount`, `percent_discount` takes `percent`, `formula`
    takes `formula`; 400 naming the term that is missing or does not belong."""
    return call("quotes", "add_price_rule", price_list_id, PriceRuleCreateSchema().dump(rule))


@blp.route("/<price_list_id>/rules/<price_rule_id>", methods=["DELETE"])
@granted("price_list", "update")
@blp.replies(200, PriceListSchema)
def remove_price_rule(price_list_id, price_rule_id):
    """Take a rule off a price list (sales ops); answers the list with its rules"""
    return call("quotes", "remove_price_rule", price_list_id, price_rule_id)
