"""/products: one page of the gateway's product catalogue, cursor-paginated."""
from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from ..auth.users import access_token
from ..gateway_client import PRODUCTS_PAGE_SIZE

bp = Blueprint("catalogue", __name__, template_folder="templates")


@bp.get("/products")
@login_required
def products():
    cursor = request.args.get("cursor") or None
    page = current_app.extensions["gateway"].list_products(cursor=cursor,
                                                           limit=PRODUCTS_PAGE_SIZE,
                                                           token=access_token())
    return render_template("catalogue/products.html", products=page["items"],
                           next_cursor=page.get("next_cursor"), cursor=cursor)
