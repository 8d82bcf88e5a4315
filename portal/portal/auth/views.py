"""/sign-in, /sign-out (POST only) and /accept-invitation, all through the gateway."""
import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..gateway_client import GatewayRejected
from ..redirects import local_path
from .forms import AcceptInvitationForm, SignInForm
from .users import access_token, end_session, gateway, revoke, start_session

bp = Blueprint("auth", __name__, template_folder="templates")

# Pages carrying a password or an invitation token: never cached, and the invitation
# link never leaves in a Referer header.
PRIVATE_PAGE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def too_many_attempts(retry_after):
    if retry_after is None:
        return _("Too many sign-in attempts. Please try again later.")
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext("Too many sign-in attempts. Please try again in %(num)d minute.",
                    "Too many sign-in attempts. Please try again in %(num)d minutes.",
                    minutes)


def partners_only():
    return _("This portal is for partner accounts. Internal staff sign in to the sales "
             "workspace instead.")


def home():
    return url_for("dashboard.dashboard")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm(next=request.args.get("next", ""))
    target = local_path(form.next.data)
    form.next.data = target or ""  # an off-site target is never even echoed back
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(target or home())
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            grant = gateway().sign_in(form.email.data.strip(), form.password.data,
                                      client_ip=request.remote_addr)
        except GatewayRejected as refused:
            if refused.status == 429:
                form.form_errors.append(too_many_attempts(refused.retry_after))
                status = 429
                if refused.retry_after is not None:
                    headers["Retry-After"] = str(refused.retry_after)
            else:
                # One message for an unknown email and a wrong password alike; the
                # gateway's own wording is not shown, so it cannot tell them apart.
                form.form_errors.append(_("The email address or password is not right."))
                status = 401
        else:
            if start_session(grant):
                return redirect(target or home())
            form.form_errors.append(partners_only())
            status = 403
    elif form.is_submitted():
        status = 400
    return render_template("auth/sign_in.html", form=form), status, \
        {**headers, "Cache-Control": "no-store"}


@bp.post("/sign-out")
def sign_out():
    """POST only (CSRFProtect checks the token): a link or an image cannot sign a
    partner out. The gateway revokes the token; the session ends here either way."""
    token = access_token()
    if token:
        revoke(token)
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/accept-invitation", methods=["GET", "POST"])
def accept_invitation():
    form = AcceptInvitationForm(token=request.args.get("token", ""))
    if not form.token.data:
        return render_accept(form, 400, _("This invitation link is incomplete. Open the "
                                          "whole link you were given."), show_form=False)
    if not form.validate_on_submit():
        return render_accept(form, 400 if form.is_submitted() else 200)
    try:
        grant = gateway().accept_invitation(form.token.data, form.password.data)
    except GatewayRejected as refused:
        if refused.status == 429:
            return render_accept(form, 429, too_many_attempts(refused.retry_after))
        password_errors = refused.field_errors().get("password")
        if password_errors:  # the gateway's password rules, next to the field
            form.password.errors = [*form.password.errors, *password_errors]
            return render_accept(form, 400)
        return render_accept(form, 400, _("This invitation link is not valid: it may have "
                                          "been used already or have expired. Ask your "
                                          "partner admin for a new one."), show_form=False)
    if not start_session(grant):
        return render_accept(form, 403, partners_only(), show_form=False)
    flash(_("Welcome, %(name)s. Your account is ready.", name=current_user.name), "info")
    return redirect(home())


def render_accept(form, status, problem=None, show_form=True):
    if problem:
        form.form_errors.append(problem)
    return render_template("auth/accept_invitation.html", form=form,
                           show_form=show_form), status, PRIVATE_PAGE
