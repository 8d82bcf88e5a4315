"""/quotes: the partner's quotes, newest first, each number's latest version (the
gateway's default), paged by the gateway; /quotes/<id>: one quote with its lines,
totals, status and history; /quotes/<id>/pdf: the gateway's PDF of it, streamed to the
browser. The gateway scopes everything to the signed-in partner: a quote outside it
answers 404, which is the portal's 404 page."""
from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_list_problem
from ..gateway_client import PDF, GatewayRejected
from .forms import QuoteFilterForm

bp = Blueprint("quotes", __name__, template_folder="templates")

NO_PAGE = {"items": [], "next_cursor": None}
FALLBACK_FILE_NAME = "quote.pdf"


@bp.get("/quotes")
@login_required
def quotes():
    form = QuoteFilterForm(request.args)
    cursor = request.args.get("cursor") or None
    if not form.validate():
        return render_list(form, NO_PAGE, cursor), 400
    try:
        page = gateway().list_quotes(access_token(), cursor=cursor, **form.filters())
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_list_problem(form, refused)
        return render_list(form, NO_PAGE, cursor), refused.status
    return render_list(form, page, cursor)


def render_list(form, page, cursor):
    filters = {name: value for name, value in form.filters().items() if value}
    next_cursor = page.get("next_cursor")
    return render_template(
        "quotes/list.html", form=form, quotes=page["items"], cursor=cursor,
        filtered=bool(filters), first_page=url_for(".quotes", **filters),
        next_page=next_cursor and url_for(".quotes", **filters, cursor=next_cursor))


@bp.get("/quotes/<quote_id>")
@login_required
def quote(quote_id):
    record = gateway().get_quote(access_token(), quote_id)
    return render_template("quotes/detail.html", quote=record)


@bp.get("/quotes/<quote_id>/pdf")
@login_required
def quote_pdf(quote_id):
    """The PDF as the gateway made it, under the gateway's file name."""
    content, name = gateway().quote_pdf(access_token(), quote_id)
    return Response(content, mimetype=PDF, headers={
        "Content-Disposition": f'attachment; filename="{name or FALLBACK_FILE_NAME}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})
