"""/offers: the leads the company's channel manager offered to the partner's
organisation, filtered and paged by the gateway; accepting one converts the lead into
an opportunity attributed to the partner, declining one (with a reason) hands it back.
The gateway scopes offers to the partner's organisation: another's answers 404."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_list_problem
from ..gateway_client import GatewayRejected
from .forms import OFFERED, AcceptForm, DeclineForm, OfferFilterForm

bp = Blueprint("offers", __name__, template_folder="templates")

NO_PAGE = {"items": [], "next_cursor": None}
OFFER_SORT = "expires_at"  # the soonest to expire first


@bp.get("/offers")
@login_required
def offers():
    form = OfferFilterForm(request.args)
    cursor = request.args.get("cursor") or None
    if not form.validate():
        return render_list(form, NO_PAGE, cursor), 400
    try:
        page = list_page(form, cursor)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_list_problem(form, refused)
        return render_list(form, NO_PAGE, cursor), refused.status
    return render_list(form, page, cursor)


def list_page(form, cursor):
    return gateway().list_offers(access_token(), cursor=cursor, sort=OFFER_SORT,
                                 **form.filters())


def render_list(form, page, cursor, declining=None, problems=()):
    """``declining``: (offer id, its refused DeclineForm) to show with its errors."""
    filters = {name: value for name, value in form.filters().items() if value is not None}
    next_cursor = page.get("next_cursor")
    return render_template(
        "offers/list.html", form=form, offers=page["items"], cursor=cursor,
        declining=declining, problems=problems, accept_form=AcceptForm(),
        open_status=OFFERED, first_page=url_for(".offers", **filters),
        next_page=next_cursor and url_for(".offers", **filters, cursor=next_cursor))


@bp.post("/offers/<offer_id>/accept")
@login_required
def accept(offer_id):
    if not AcceptForm().validate_on_submit():
        return redirect(url_for(".offers"))  # only the CSRF token; CSRFError answers first
    try:
        offer = gateway().accept_offer(access_token(), offer_id)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        return refused_answer(refused)
    flash(_("You accepted the lead from %(company)s; it is now your opportunity.",
            company=offer.get("company") or ""), "info")
    if offer.get("opportunity_id"):
        return redirect(url_for("opportunities.opportunity",
                                opportunity_id=offer["opportunity_id"]))
    return redirect(url_for(".offers"))


@bp.post("/offers/<offer_id>/decline")
@login_required
def decline(offer_id):
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            offer = gateway().decline_offer(access_token(), offer_id, form.reason.data)
        except GatewayRejected as refused:
            if refused.status not in FORM_PROBLEMS:
                raise
            if not refused.field_errors():
                return refused_answer(refused)
            for messages in refused.field_errors().values():
                form.reason.errors = [*form.reason.errors, *messages]
            status = refused.status
        else:
            flash(_("You declined the lead from %(company)s.",
                    company=offer.get("company") or ""), "info")
            return redirect(url_for(".offers"))
    else:
        status = 400
    filters = OfferFilterForm(formdata=None)
    return render_list(filters, list_page(filters, None), None,
                       declining=(offer_id, form)), status


def refused_answer(refused):
    """A 409 (the offer was answered already, or has expired): say so on the list as
    it is now."""
    filters = OfferFilterForm(formdata=None)
    return render_list(filters, list_page(filters, None), None,
                       problems=[refused.detail or refused.title]), refused.status
