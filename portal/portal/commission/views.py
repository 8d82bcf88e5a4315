"""/commission: the organisation's commission statements, one row per period (and per
organisation, for a distributor that also sees its resellers'), newest first, paged by
the gateway; /commission/<period>/<org_id>: that statement's lines, each explaining
itself (deal, base, rule, tier, rate, share, amount), with its totals by component;
/commission/<period>/<org_id>/csv: the gateway's CSV of it, streamed to the browser as
it arrives. For partner admins only (the gateway grants partner reps no statements);
a statement outside the organisation answers 404, which is the portal's 404 page."""
from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from ..auth import partner_admin_required
from ..auth.users import access_token, gateway

bp = Blueprint("commission", __name__, template_folder="templates")

FALLBACK_FILE_NAME = "commission-statement.csv"


@bp.get("/commission")
@login_required
@partner_admin_required
def statements():
    cursor = request.args.get("cursor") or None
    page = gateway().list_statements(access_token(), cursor=cursor)
    next_cursor = page.get("next_cursor")
    return render_template(
        "commission/list.html", statements=page["items"], cursor=cursor,
        own_org_id=(current_user.partner_org or {}).get("id"),
        first_page=url_for(".statements"),
        next_page=next_cursor and url_for(".statements", cursor=next_cursor))


@bp.get("/commission/<period>/<org_id>")
@login_required
@partner_admin_required
def statement(period, org_id):
    record = gateway().get_statement(access_token(), period, org_id)
    return render_template("commission/detail.html", statement=record, org_id=org_id)


@bp.get("/commission/<period>/<org_id>/csv")
@login_required
@partner_admin_required
def statement_csv(period, org_id):
    """The CSV as the gateway made it (UTF-8 with a BOM, for Excel), under the gateway's
    file name, passed on chunk by chunk."""
    chunks, name = gateway().statement_csv(access_token(), period, org_id)
    return Response(stream_with_context(chunks), mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name or FALLBACK_FILE_NAME}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})
