"""Authentication: signing in, checking a bearer token, changing a password, accepting
a partner invitation. No Flask here; web.py is the HTTP glue."""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sfa_common.errors import ValidationFailed

from ..authz.subject import partner_domain
from .passwords import Passwords
from .principal import Principal
from .ratelimit import SignInLimiter, account_key, ip_key
from .tokens import API_AUDIENCE, PORTAL_AUDIENCE, InvalidToken, Tokens

SIGN_IN_FAILED = "Wrong email or password."
TOKEN_FAILED = "The access token is missing, malformed, expired or revoked."  # noqa: S105


class AuthenticationFailed(Exception):
    """401. ``error`` is the RFC 6750 error code for WWW-Authenticate, if any."""

    def __init__(self, message, error=None):
        super().__init__(message)
        self.error = error


class TooManyAttempts(Exception):
    """429: this account or this address failed to sign in too often."""

    def __init__(self, retry_after):
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} s.")
        self.retry_after = retry_after


def invitation_hash(token):
    """Invitations are stored hashed: a copy of the database cannot accept them. A
    fast hash is enough for 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


class Identity:
    def __init__(self, store, settings, hasher=None):
        self.store = store
        self.settings = settings
        self.passwords = Passwords(hasher)
        self.tokens = Tokens(settings.secret_key or store.development_secret(),
                             settings.token_ttl)
        self.limiter = SignInLimiter(
            store.db, {"account": settings.sign_in_account_limit,
                       "ip": settings.sign_in_ip_limit},
            settings.sign_in_window, store.clock)

    def set_clock(self, clock):
        """Tests move time forward through this."""
        self.store.clock = clock
        self.limiter.clock = clock

    # -- answers --------------------------------------------------------------------------

    @staticmethod
    def me(principal):
        org = principal.org
        return {"id": principal.id, "kind": principal.kind, "name": principal.name,
                "email": principal.email, "roles": list(principal.roles),
                "partner_org": {"id": str(org["_id"]), "name": org["name"],
                                "tier": org["tier"]} if org else None}

    def issue(self, principal):
        """A fresh token for ``principal``: internal users get API tokens, partner
        users portal tokens, and nothing else."""
        audience = PORTAL_AUDIENCE if principal.is_partner else API_AUDIENCE
        token, _ = self.tokens.issue(principal.id, principal.domain, audience,
                                     principal.user["token_version"])
        return {"access_token": token, "token_type": "Bearer",
                "expires_in": self.tokens.ttl, "user": self.me(principal)}

    # -- sign-in ------------------------------------------------------------------------

    def _check_not_locked(self, keys):
        wait = self.limiter.retry_after(keys)
        if wait:
            raise TooManyAttempts(wait)

    def sign_in(self, email, password, audience, client_ip):
        """``audience`` "api" looks the email up among internal users, "portal" among
        partner users, so a partner can never hold an API token. Unknown email, wrong
        password, disabled user, suspended organisation: one answer, one argon2
        verification each."""
        keys = [account_key(email), ip_key(client_ip)]
        self._check_not_locked(keys)
        if audience == "api":
            collection, user = "users", self.store.user_by_email(email)
        else:
            collection, user = "partner_users", self.store.partner_user_by_email(email)
        matches = self.passwords.verify(user.get("password_hash") if user else None, password)
        principal = self._usable(collection, user) if matches else None
        if principal is None:
            self.limiter.record_failure(keys)
            raise AuthenticationFailed(SIGN_IN_FAILED)
        self.limiter.clear(keys[0])
        if self.passwords.needs_rehash(user["password_hash"]):
            self.store.replace_hash(collection, user["_id"], self.passwords.hash(password))
        return self.issue(principal)

    def _usable(self, collection, user, claims=None):
        """The principal of a user who may hold a token now, else None."""
        if user is None:
            return None
        if collection == "users":
            return Principal.internal(user, claims) if user["active"] else None
        if user["status"] != "active":
            return None
        org = self.store.find("partner_orgs", user["org_id"])
        if org is None or org["status"] != "active":
            return None
        return Principal.partner(user, org, claims)

    # -- bearer tokens ------------------------------------------------------------------

    def authenticate(self, token):
        """The principal behind a bearer token that passes every check."""
        try:
            claims = self.tokens.decode(token)
        except InvalidToken:
            raise AuthenticationFailed(TOKEN_FAILED, "invalid_token") from None
        partner = claims["aud"] == PORTAL_AUDIENCE
        collection = "partner_users" if partner else "users"
        user = self.store.find(collection, claims["sub"])
        principal = None
        if user is not None and user["token_version"] == claims["ver"] and (
                not partner or claims["dom"] == partner_domain(user["org_id"])):
            principal = self._usable(collection, user, claims)
        if principal is None or self.store.is_revoked(claims["jti"]):
            raise AuthenticationFailed(TOKEN_FAILED, "invalid_token")
        return principal

    def sign_out(self, principal):
        claims = principal.claims
        self.store.revoke_token(claims["jti"], datetime.fromtimestamp(claims["exp"], UTC))

    # -- passwords and invitations ----------------------------------------------------------

    @staticmethod
    def _collection(principal):
        return "partner_users" if principal.is_partner else "users"

    def change_password(self, principal, current_password, new_password, client_ip):
        """Every token the user holds stops working; the answer carries a fresh one.
        Guessing the current password with a stolen token is rate-limited like sign-in."""
        keys = [account_key(principal.email), ip_key(client_ip)]
        self._check_not_locked(keys)
        if not self.passwords.verify(principal.user.get("password_hash"), current_password):
            self.limiter.record_failure(keys)
            raise ValidationFailed("The current password is wrong.",
                                   {"current_password": ["Wrong password."]})
        user = self.store.set_password(self._collection(principal), principal.user["_id"],
                                       self.passwords.hash(new_password))
        return self.issue(self._usable(self._collection(principal), user))

    def new_invitation(self):
        """(token to hand over once, its hash to store, when it expires)."""
        token = secrets.token_urlsafe(32)
        expires_at = self.store.clock() + timedelta(seconds=self.settings.invitation_ttl)
        return token, invitation_hash(token), expires_at

    def accept_invitation(self, token, password):
        digest = invitation_hash(token)
        invalid = ValidationFailed("The invitation is not valid.", {
            "token": ["Unknown, already used or expired invitation."]})
        if self.store.pending_invitation(digest) is None:  # before paying for a hash
            raise invalid
        user = self.store.accept_invitation(digest, self.passwords.hash(password))
        principal = self._usable("partner_users", user)
        if principal is None:
            raise invalid
        return self.issue(principal)
