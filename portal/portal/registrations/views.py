"""/registrations: the partner's deal registrations, filtered and paged by the gateway;
/registrations/new: register a deal (saved as a draft, or submitted at once);
/registrations/<id>: one registration with its history, its conflicts as a partner may
see them and, while it is a draft or returned for more information, the form to edit
and (re)submit it; /registrations/conflict-check: the JSON behind the form's live
conflict hint. The gateway scopes everything to the signed-in partner: a registration
outside it answers 404, which is the portal's 404 page."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.lists import format_list
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_list_problem, show_problem
from ..gateway_client import GatewayError, GatewayRejected
from ..labels import FILTERS
from .forms import RegistrationFilterForm, RegistrationForm, conflict_probe

bp = Blueprint("registrations", __name__, template_folder="templates")

EDITABLE = ("draft", "returned")
conflict_reason_label = FILTERS["conflict_reason_label"]
SUBMIT = "submit"  # the value of the submit button named "action"; else save a draft
NO_PAGE = {"items": [], "next_cursor": None}
# The gateway names money's parts; the form has one amount field (in CNY).
FIELD_ALIASES = {"estimated_amount.amount": "estimated_amount",
                 "estimated_amount.currency": "estimated_amount"}


@bp.app_template_filter("similarity")
def similarity(score):
    """A conflict's name similarity (0..1) as whole percent: 0.914 -> "91"."""
    try:
        return str(int((Decimal(str(score)) * 100).to_integral_value(ROUND_HALF_UP)))
    except (InvalidOperation, ValueError):
        return "—"


@bp.app_template_filter("conflict_reasons")
def conflict_reasons(reasons):
    """A conflict's reasons as one phrase in the page's language ("A and B", "A和B")."""
    return format_list([str(conflict_reason_label(reason)) for reason in reasons or ()],
                       locale=get_locale()) or "—"


@bp.get("/registrations")
@login_required
def registrations():
    form = RegistrationFilterForm(request.args)
    cursor = request.args.get("cursor") or None
    if not form.validate():
        return render_list(form, NO_PAGE, cursor), 400
    try:
        page = gateway().list_registrations(access_token(), cursor=cursor, **form.filters())
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
        "registrations/list.html", form=form, registrations=page["items"], cursor=cursor,
        filtered=bool(filters), first_page=url_for(".registrations", **filters),
        next_page=next_cursor and url_for(".registrations", **filters, cursor=next_cursor))


@bp.route("/registrations/new", methods=["GET", "POST"])
@login_required
def new_registration():
    form = RegistrationForm()
    if request.method == "GET":
        return render_form(form)
    if not form.validate_for(wants_submit()):
        return render_form(form, hint=preview(form.probe())), 400
    token = access_token()
    try:
        created = gateway().create_registration(token, form.draft())
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_problem(form, aliased(refused))
        return render_form(form, hint=preview(form.probe())), refused.status
    if wants_submit():
        submit(token, created["id"])
    else:
        flash(_("The registration is saved as a draft. Submit it when it is complete."),
              "info")
    return redirect(url_for(".registration", registration_id=created["id"]))


@bp.get("/registrations/<registration_id>")
@login_required
def registration(registration_id):
    record = gateway().get_registration(access_token(), registration_id)
    form = RegistrationForm.of(record) if record.get("status") in EDITABLE else None
    return render_detail(record, form)


@bp.post("/registrations/<registration_id>")
@login_required
def edit_registration(registration_id):
    """Save the changes to a draft or returned registration and, when asked, (re)submit
    it. The gateway refuses (409) a registration that is no longer editable."""
    token = access_token()
    record = gateway().get_registration(token, registration_id)
    form = RegistrationForm()
    if not form.validate_for(wants_submit()):
        return render_detail(record, form), 400
    try:
        gateway().update_registration(token, registration_id, form.changes())
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_problem(form, aliased(refused))
        record = gateway().get_registration(token, registration_id)  # as it is now
        return render_detail(record, form), refused.status
    if wants_submit():
        submit(token, registration_id)
    else:
        flash(_("Your changes are saved."), "info")
    return redirect(url_for(".registration", registration_id=registration_id))


@bp.post("/registrations/conflict-check")
@login_required
def conflict_check():
    """The live hint: ``{"conflicts": [...], "html": the hint to show}`` for the JSON
    body's company and unified_social_credit_code. CSRF-protected like every POST (the
    page's script sends the token in X-CSRFToken)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Send a JSON object."), 400
    probe = conflict_probe(_text(body.get("company")),
                           _text(body.get("unified_social_credit_code")))
    if probe is None:
        return jsonify(conflicts=[], html="")
    try:
        conflicts = gateway().check_registration_conflicts(access_token(), probe)["conflicts"]
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        # Half-typed input (a credit code not yet 18 characters): no hint yet.
        return jsonify(conflicts=[], html="", errors=refused.field_errors()), refused.status
    return jsonify(conflicts=[partner_conflict(c) for c in conflicts],
                   html=render_template("registrations/hint.html",
                                        hint={"conflicts": conflicts}))


def partner_conflict(conflict):
    """A conflict as the gateway's partner view has it (kind, score, reasons); the
    score back to a JSON number (the client reads numbers as Decimal)."""
    score = conflict.get("score")
    return {"kind": conflict.get("kind"), "reasons": list(conflict.get("reasons") or ()),
            "score": float(score) if score is not None else None}


def _text(value):
    return value if isinstance(value, str) else None


def wants_submit():
    return request.form.get("action") == SUBMIT


def submit(token, registration_id):
    """Submit a saved registration and say how it went. A refusal leaves it saved (as a
    draft, or returned) and says why, on the registration's page."""
    try:
        submitted = gateway().submit_registration(token, registration_id)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        messages = [m for ms in refused.field_errors().values() for m in ms]
        flash(_("The registration is saved but not submitted: %(reason)s",
                reason=" ".join(messages) or refused.detail or refused.title), "error")
        return
    if submitted.get("conflicts"):
        flash(_("The registration is submitted. It may overlap with a deal already known; "
                "your channel manager will decide."), "info")
    else:
        flash(_("The registration is submitted for review."), "info")


def preview(probe):
    """The conflict hint for a form shown again (no JavaScript, or a refused form): the
    gateway's preview, or None when there is nothing to look at or it cannot answer."""
    if probe is None:
        return None
    try:
        return gateway().check_registration_conflicts(access_token(), probe)
    except GatewayError:
        return None


def aliased(refused):
    """``refused`` with the money fields' errors on the form's amount field."""
    errors = {}
    for name, messages in refused.field_errors().items():
        errors.setdefault(FIELD_ALIASES.get(name, name), []).extend(messages)
    return GatewayRejected(refused.status, {**refused.problem, "errors": errors})


def render_form(form, hint=None):
    return render_template("registrations/new.html", form=form, hint=hint)


def render_detail(record, form):
    """A draft or returned registration comes with its form and a fresh hint; any
    other with the conflicts found when it was submitted."""
    editable = record.get("status") in EDITABLE
    hint = preview(form.probe()) if editable else {"conflicts": record.get("conflicts") or []}
    return render_template("registrations/detail.html", registration=record, form=form,
                           editable=editable, hint=hint)
