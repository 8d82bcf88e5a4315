"""/opportunities: the partner's opportunities, filtered, sorted and paged by the
gateway; /opportunities/<id>: one of them, where the partner moves its stage and keeps
its next step and notes. The gateway scopes everything to the signed-in partner: an
opportunity outside it answers 404, which is the portal's 404 page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_list_problem, show_problem
from ..gateway_client import GatewayRejected
from ..labels import stage_label
from .forms import LOST, NotesForm, OpportunityFilterForm, StageMoveForm

bp = Blueprint("opportunities", __name__, template_folder="templates")

CLOSED = ("won", "lost")
NO_PAGE = {"items": [], "next_cursor": None}


@bp.get("/opportunities")
@login_required
def opportunities():
    token = access_token()
    stages = gateway().pipeline(token)["stages"]
    form = OpportunityFilterForm(request.args, stages)
    cursor = request.args.get("cursor") or None
    customer = None
    if form.account_id.data:  # a customer's deals: its page links here
        customer = gateway().get_account(token, form.account_id.data)
    if not form.validate():
        return render_list(form, NO_PAGE, cursor, customer), 400
    try:
        page = gateway().list_opportunities(token, cursor=cursor, **form.filters())
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_list_problem(form, refused)
        return render_list(form, NO_PAGE, cursor, customer), refused.status
    return render_list(form, page, cursor, customer)


def render_list(form, page, cursor, customer):
    filters = form.filters()
    next_cursor = page.get("next_cursor")
    return render_template(
        "opportunities/list.html", form=form, opportunities=page["items"],
        customer=customer, cursor=cursor,
        filtered=any(value for name, value in filters.items() if name != "sort"),
        first_page=url_for(".opportunities", **link_args(filters)),
        next_page=next_cursor and url_for(".opportunities", **link_args(filters),
                                          cursor=next_cursor))


def link_args(filters):
    return {name: value for name, value in filters.items() if value}


@bp.get("/opportunities/<opportunity_id>")
@login_required
def opportunity(opportunity_id):
    return render_detail(*load(opportunity_id))


@bp.post("/opportunities/<opportunity_id>/stage")
@login_required
def move_stage(opportunity_id):
    opportunity, stages = load(opportunity_id)
    form = StageMoveForm(opportunity, stages)
    if not form.validate_on_submit():
        return render_detail(opportunity, stages, move_form=form), 400
    try:
        moved = gateway().move_stage(access_token(), opportunity_id, form.move())
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        # A 409 names no field: the deal is closed, or someone moved it meanwhile.
        show_problem(form, refused, fallback=form.stage)
        opportunity, stages = load(opportunity_id)  # as it is now
        form.offer(opportunity, stages)
        return render_detail(opportunity, stages, move_form=form), refused.status
    stage = (moved or {}).get("stage") or form.stage.data
    if stage == LOST:
        flash(_("The opportunity is marked as lost."), "info")
    else:
        flash(_("The opportunity moved to %(stage)s.", stage=stage_label(stage)), "info")
    return redirect(url_for(".opportunity", opportunity_id=opportunity_id))


@bp.post("/opportunities/<opportunity_id>/notes")
@login_required
def save_notes(opportunity_id):
    form = NotesForm()
    status = 400
    if form.validate_on_submit():
        try:
            gateway().update_opportunity(access_token(), opportunity_id, form.changes())
        except GatewayRejected as refused:
            if refused.status not in FORM_PROBLEMS:
                raise
            show_problem(form, refused)
            status = refused.status
        else:
            flash(_("The next step and notes are saved."), "info")
            return redirect(url_for(".opportunity", opportunity_id=opportunity_id))
    return render_detail(*load(opportunity_id), notes_form=form), status


def load(opportunity_id):
    """The opportunity (404 when it is not the partner's) and the pipeline's stages."""
    token = access_token()
    opportunity = gateway().get_opportunity(token, opportunity_id)
    return opportunity, gateway().pipeline(token)["stages"]


def render_detail(opportunity, stages, move_form=None, notes_form=None):
    if move_form is None:
        move_form = StageMoveForm(opportunity, stages, formdata=None)
    if notes_form is None:
        notes_form = NotesForm(formdata=None, data={"next_step": opportunity.get("next_step"),
                                                    "notes": opportunity.get("notes")})
    return render_template("opportunities/detail.html", opportunity=opportunity,
                           closed=opportunity.get("status") in CLOSED,
                           move_form=move_form, notes_form=notes_form)
