"""/team: a partner admin lists their organisation's users, invites one (the
invitation link is shown once, on the answer to the invite), changes a role, disables
or enables a user. The gateway decides; its field errors are shown next to the fields."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..auth import partner_admin_required
from ..auth.users import access_token, gateway
from ..form_problems import FORM_PROBLEMS, show_problem
from ..gateway_client import GatewayRejected
from .forms import ROLE_LABELS, STATUS_LABELS, ActiveForm, InviteForm, RoleForm

bp = Blueprint("team", __name__, template_folder="templates")


@bp.get("/team")
@login_required
@partner_admin_required
def team():
    return render_team(InviteForm(formdata=None), cursor=request.args.get("cursor") or None)


@bp.post("/team/invitations")
@login_required
@partner_admin_required
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return render_team(form), 400
    try:
        answer = gateway().invite_partner_user(access_token(), form.name.data.strip(),
                                               form.email.data.strip(), form.role.data)
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        show_on_form(form, refused)
        return render_team(form), refused.status
    invitation = {
        "user": answer.get("user") or {"name": form.name.data, "email": form.email.data},
        "link": url_for("auth.accept_invitation", token=answer["invitation_token"],
                        _external=True),
    }
    # The link is in this answer only: not in the session, not in a redirect, not cached.
    return render_team(InviteForm(formdata=None), invitation=invitation), 200, \
        {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.post("/team/users/<user_id>/role")
@login_required
@partner_admin_required
def change_role(user_id):
    form = RoleForm()
    if form.validate_on_submit():
        user = update(user_id, role=form.role.data)
        if user:
            flash(_("The role of %(name)s is now %(role)s.", name=user.get("name", ""),
                    role=ROLE_LABELS.get(user.get("role"), user.get("role"))), "info")
    else:
        flash(_("Choose one of the roles offered."), "error")
    return redirect(url_for("team.team"))


@bp.post("/team/users/<user_id>/active")
@login_required
@partner_admin_required
def change_active(user_id):
    form = ActiveForm()
    if form.validate_on_submit():
        user = update(user_id, active=form.active.data == "true")
        if user and form.active.data == "true":
            flash(_("%(name)s can sign in again.", name=user.get("name", "")), "info")
        elif user:
            flash(_("%(name)s is disabled and can no longer sign in.",
                    name=user.get("name", "")), "info")
    else:
        flash(_("This change was not understood."), "error")
    return redirect(url_for("team.team"))


def update(user_id, **changes):
    """PATCH the user; the updated user, or None after flashing why the gateway said no."""
    try:
        return gateway().update_partner_user(access_token(), user_id, **changes) or {}
    except GatewayRejected as refused:
        if refused.status not in FORM_PROBLEMS:
            raise
        flash(_("The change was not made: %(reason)s", reason=reason(refused)), "error")
        return None


def reason(refused):
    messages = [m for ms in refused.field_errors().values() for m in ms]
    return " ".join(messages) or refused.detail or refused.title


def show_on_form(form, refused):
    """The gateway's field errors next to their fields; the rest above the form."""
    if refused.status == 409:
        form.email.errors = [*form.email.errors,
                             _("Someone with this email address already has an account.")]
        return
    show_problem(form, refused)


def render_team(form, invitation=None, cursor=None):
    page = gateway().list_partner_users(access_token(), cursor=cursor)
    return render_template("team/team.html", members=page["items"], cursor=cursor,
                           next_cursor=page.get("next_cursor"), form=form,
                           invitation=invitation, role_labels=ROLE_LABELS,
                           status_labels=STATUS_LABELS, role_form=RoleForm(formdata=None),
                           active_form=ActiveForm(formdata=None))
