"""/customers: the customers the partner's channel serves, searched and paged by the
gateway; /customers/<id>: one customer as the partner view shows it, with its contacts
and its opportunities. A customer outside the partner's scope is the 404 page."""
from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_list_problem
from ..gateway_client import GatewayRejected
from ..opportunities.forms import DEFAULT_SORT
from .forms import CustomerSearchForm

bp = Blueprint("customers", __name__, template_folder="templates")

NO_PAGE = {"items": [], "next_cursor": None}
CUSTOMER_SORT = "name"


@bp.get("/customers")
@login_required
def customers():
    form = CustomerSearchForm(request.args)
    cursor = request.args.get("cursor") or None
    if not form.validate():
        return render_list(form, NO_PAGE, cursor), 400
    try:
        page = gateway().list_accounts(access_token(), cursor=cursor, q=form.q.data,
                                       sort=CUSTOMER_SORT)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_list_problem(form, refused)
        return render_list(form, NO_PAGE, cursor), refused.status
    return render_list(form, page, cursor)


def render_list(form, page, cursor):
    search = {"q": form.q.data} if form.q.data else {}
    next_cursor = page.get("next_cursor")
    return render_template(
        "customers/list.html", form=form, customers=page["items"], cursor=cursor,
        first_page=url_for(".customers", **search),
        next_page=next_cursor and url_for(".customers", **search, cursor=next_cursor))


@bp.get("/customers/<account_id>")
@login_required
def customer(account_id):
    """``contacts``: the cursor of the next page of contacts."""
    token = access_token()
    account = gateway().get_account(token, account_id)
    contacts_cursor = request.args.get("contacts") or None
    contacts = gateway().list_contacts(token, account_id, cursor=contacts_cursor)
    opportunities = gateway().list_opportunities(token, account_id=account_id,
                                                 sort=DEFAULT_SORT)
    return render_template(
        "customers/detail.html", customer=account, contacts=contacts["items"],
        contacts_cursor=contacts_cursor,
        more_contacts=contacts.get("next_cursor") and url_for(
            ".customer", account_id=account_id, contacts=contacts["next_cursor"]),
        opportunities=opportunities["items"],
        all_opportunities=opportunities.get("next_cursor") and url_for(
            "opportunities.opportunities", account_id=account_id))
