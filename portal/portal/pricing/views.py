"""/configurator: the price configurator. GET shows empty product rows; POST does what
its button says: ``price`` prices the rows under the partner's tier (POST
/api/v1/pricing/basket) and shows each line's unit price, amount and trace with the
total; ``add-line`` shows one more row; ``quote`` asks for a quote on the chosen open
opportunity (POST /api/v1/quotes: a draft, authored by the partner) and goes to it.
Everything works without JavaScript: a button submits the whole form."""
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_problem
from ..gateway_client import GatewayRejected
from .forms import ConfiguratorForm

bp = Blueprint("pricing", __name__, template_folder="templates")

PRICE, ADD_LINE, QUOTE = "price", "add-line", "quote"
# The gateway names a line by its place in the body: "lines.2.quantity", "lines.2".
LINE_FIELD = re.compile(r"lines\.(\d+)(?:\.(\w+))?\Z")
LINE_FIELD_NAMES = {"quantity": "quantity", "sku": "sku", "product_id": "sku", None: "sku"}


@bp.get("/configurator")
@login_required
def configurator():
    form = configurator_form(formdata=None)
    chosen = request.args.get("opportunity_id")
    if chosen and any(choice.value == chosen for choice in form.opportunity_id.choices):
        form.opportunity_id.data = chosen
    return render(form)


@bp.post("/configurator")
@login_required
def configure():
    form = configurator_form()
    action = request.form.get("action")
    if action == ADD_LINE:  # CSRFProtect checked the token; row errors wait for pricing
        if not form.add_line():
            form.form_errors.append(_("A basket holds at most %(num)d lines here.",
                                      num=len(form.lines)))
        return render(form)
    if action == QUOTE:
        return request_quote(form)
    return price(form)


def configurator_form(**kwargs):
    token = access_token()
    return ConfiguratorForm(gateway().active_products(token),
                            gateway().open_opportunities(token), **kwargs)


def price(form):
    if not form.validate_basket():
        return render(form), 400
    basket, rows = form.basket()
    try:
        priced = gateway().price_basket(access_token(), basket)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_line_problems(form, refused, rows)
        return render(form), refused.status
    return render(form, priced=priced, rows=rows)


def request_quote(form):
    if not form.validate_quote_request():
        return render(form), 400
    body, rows = form.quote_request()
    try:
        quote = gateway().request_quote(access_token(), body, form.idempotency_key(body))
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        # A 409 names no field: the opportunity is no longer open.
        show_line_problems(form, refused, rows, fallback=form.opportunity_id)
        return render(form), refused.status
    flash(_("Your quote request %(number)s is saved as a draft. Your channel manager "
            "completes it and sends it to the customer.", number=quote.get("number") or ""),
          "info")
    return redirect(url_for("quotes.quote", quote_id=quote["id"]))


def show_line_problems(form, refused, rows, fallback=None):
    """The gateway's errors next to what they are about: a line's (``lines.<i>...``,
    ``i`` counting the lines sent) on its row, the opportunity's on its chooser, the
    rest above the form."""
    others = {}
    for name, messages in refused.field_errors().items():
        match = LINE_FIELD.match(name)
        if match and int(match.group(1)) < len(rows):
            row = form.lines[rows[int(match.group(1))]].form
            field = row[LINE_FIELD_NAMES.get(match.group(2), "sku")]
            field.errors = [*field.errors, *messages]
        elif name == "lines" or name.startswith("lines."):  # the basket as a whole
            form.form_errors.extend(messages)
        else:
            others[name] = messages
    if others or not refused.field_errors():
        show_problem(form, GatewayRejected(refused.status, {**refused.problem,
                                                            "errors": others}), fallback)


def render(form, priced=None, rows=()):
    """The page; with ``priced``, the gateway's priced basket, its n-th line on the
    ``rows[n]``-th row."""
    by_row = dict(zip(rows, priced["lines"], strict=False)) if priced else {}
    return render_template("pricing/configurator.html", form=form, priced=priced,
                           priced_rows=by_row)
