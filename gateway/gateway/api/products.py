"""The product catalogue: /api/v1/products. Every signed-in user, partners included,
reads the catalogue; maintaining it is a granted action."""
from sfa_common.contracts.quotes import (
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
)

from ..scopes import require
from ..services import call
from . import Blueprint

blp = Blueprint("products", __name__, url_prefix="/api/v1/products",
                description="Product catalogue (产品)")


@blp.route("", methods=["GET"])
@blp.arguments(ProductQuerySchema, location="query")
@blp.replies(200, ProductPageSchema)
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


@blp.route("/<product_id>")
@blp.replies(200, ProductSchema)
def get_product(product_id):
    """Read one product"""
    return call("quotes", "get_product", product_id)
