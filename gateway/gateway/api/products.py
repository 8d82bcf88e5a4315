"""The product catalogue: /api/v1/products. Every signed-in user, partners included,
reads the catalogue (a partner without the cost); maintaining it is a granted action."""
from sfa_common.contracts.quotes import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
)

from ..scopes import require
from ..services import call
from ..views import PartnerProductPageSchema, PartnerProductSchema
from . import Blueprint
from .directory import granted

blp = Blueprint("products", __name__, url_prefix="/api/v1/products",
                description="Product catalogue (产品)")


@blp.route("", methods=["GET"])
@blp.arguments(ProductQuerySchema, location="query")
@blp.replies(200, ProductPageSchema, partner_view=PartnerProductPageSchema)
def list_products(query):
    """List products by SKU, one page per call; pass `next_cursor` back as `cursor`"""
    return call("quotes", "list_products", ProductQuerySchema().dump(query))


@blp.route("", methods=["POST"])
@blp.arguments(ProductCreateSchema)
@blp.replies(201, ProductSchema)
def create_product(product):
    """Add a product (sales ops; 409 when the SKU exists)"""
    require("product", "create")
    return call("quotes", "create_product", ProductCreateSchema().dump(product))


@blp.route("/<product_id>", methods=["GET"])
@blp.replies(200, ProductSchema, partner_view=PartnerProductSchema)
def get_product(product_id):
    """Read one product"""
    return call("quotes", "get_product", product_id)


@blp.route("/<product_id>", methods=["PATCH"])
@granted("product", "update")
@blp.arguments(ProductUpdateSchema)
@blp.replies(200, ProductSchema)
def update_product(changes, product_id):
    """Change a product (sales ops)

    Only the fields sent change; 409 when the new SKU is another product's. Quotes
    already made keep the prices they were made with."""
    return call("quotes", "update_product", product_id, ProductUpdateSchema().dump(changes))
