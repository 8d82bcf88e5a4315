"""Authentication: /api/v1/auth. Sign-in and accepting an invitation are the only
/api/v1 routes that need no token."""
from ..identity.schemas import (
    AcceptInvitationSchema,
    ChangePasswordSchema,
    MeSchema,
    SignInSchema,
    TokenSchema,
)
from ..identity.web import client_ip, current_principal, identity, public
from . import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Signing in and out; the caller's own account")


@blp.route("/sign-in", methods=["POST"])
@public(blp)
@blp.arguments(SignInSchema)
@blp.replies(200, TokenSchema)
@blp.alt_response(401, description="Wrong email or password (one answer for every cause)")
@blp.alt_response(429, description="Too many failed sign-ins for this account or address; "
                                   "see Retry-After")
def sign_in(credentials):
    """Sign in: audience `api` for internal users, `portal` for partner users"""
    return identity().sign_in(credentials["email"], credentials["password"],
                              credentials["audience"], client_ip())


@blp.route("/sign-out", methods=["POST"])
@blp.alt_response(204, success=True, description="The token is revoked")
def sign_out():
    """Revoke the token this request carries"""
    identity().sign_out(current_principal())
    return "", 204


@blp.route("/me")
@blp.replies(200, MeSchema)
def me():
    """Who the token belongs to"""
    return identity().me(current_principal())


@blp.route("/change-password", methods=["POST"])
@blp.arguments(ChangePasswordSchema)
@blp.replies(200, TokenSchema)
def change_password(passwords):
    """Change your password: every token you hold is revoked; the answer carries a new one"""
    return identity().change_password(current_principal(), passwords["current_password"],
                                      passwords["new_password"], client_ip())


@blp.route("/accept-invitation", methods=["POST"])
@public(blp)
@blp.arguments(AcceptInvitationSchema)
@blp.replies(200, TokenSchema)
def accept_invitation(invitation):
    """Accept a partner invitation: set your password, get a portal token (single use)"""
    return identity().accept_invitation(invitation["token"], invitation["password"])
