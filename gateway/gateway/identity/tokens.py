"""Access tokens: signed JWTs (HS256) that can still be revoked.

Why signed and not opaque: every API request carries a token, and a signed one is
checked without a round trip (signature, expiry, audience, issuer) before the one
lookup of its user that authorization needs anyway. Why revocable all the same:
disabling a user or changing a password must end their sessions at once, not when
the token expires. So each token carries ``ver``, the user's ``token_version`` at
issue; disabling, a password change or a suspended partner organisation increments
it, and every token issued before stops matching. Signing out revokes one token: its
``jti`` goes on a denylist kept only until the token would have expired anyway.

Claims: ``iss`` (this gateway), ``aud`` ("channel-sfa-api" for internal users,
"channel-sfa-portal" for partner users, who sign in through the portal), ``sub``
(user id), ``dom`` ("internal" or "partner:<org id>"), ``iat``, ``exp``, ``jti``,
``ver``. Only HS256 is accepted: "none" and every other algorithm are refused.

The signing key is derived from SECRET_KEY with HMAC, so the same SECRET_KEY given
to the portal (which signs its session cookies with it) never signs both.
"""
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime

import jwt

ISSUER = "channel-sfa-gateway"
API_AUDIENCE = "channel-sfa-api"
PORTAL_AUDIENCE = "channel-sfa-portal"
AUDIENCES = {"api": API_AUDIENCE, "portal": PORTAL_AUDIENCE}
ALGORITHM = "HS256"
REQUIRED = ["iss", "aud", "sub", "dom", "exp", "iat", "jti", "ver"]
LEEWAY = 5   # seconds of clock skew between gateway instances
CHECKED_TOKENS = 4096  # tokens per process whose passed checks are remembered


class InvalidToken(Exception):
    """The token fails a check; the message is for logs, never for the client."""


def signing_key(secret):
    return hmac.new(secret.encode(), b"channel-sfa gateway access token v1",
                    hashlib.sha256).digest()


class Tokens:
    def __init__(self, secret, ttl):
        self.key = signing_key(secret)
        self.ttl = ttl
        self._checked = {}  # token -> its claims, for tokens that passed every check

    def issue(self, user_id, domain, audience, version, now=None):
        """A token and its claims for ``audience`` (API_AUDIENCE or PORTAL_AUDIENCE)."""
        issued = int((now or datetime.now(UTC)).timestamp())
        claims = {"iss": ISSUER, "aud": audience, "sub": str(user_id), "dom": domain,
                  "iat": issued, "exp": issued + self.ttl, "jti": uuid.uuid4().hex,
                  "ver": version}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM), claims

    def decode(self, token):
        """The claims of a token that passes every check, else ``InvalidToken``.

        The signature and claim checks answer the same for the same string every time,
        except for expiry: a token that passed is remembered, and a repeat (a client's
        every request) only has its expiry checked again, as PyJWT checks it. Revocation
        is not decided here (``Identity.authenticate`` asks the store every time)."""
        claims = self._checked.get(token)
        if claims is not None:
            if claims["exp"] > time.time() - LEEWAY:
                return dict(claims)
            self._checked.pop(token, None)
        claims = self._checked_claims(token)
        if len(self._checked) >= CHECKED_TOKENS:
            self._checked.clear()
        self._checked[token] = claims
        return dict(claims)

    def _checked_claims(self, token):
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM],
                                audience=[API_AUDIENCE, PORTAL_AUDIENCE], issuer=ISSUER,
                                leeway=LEEWAY, options={"require": REQUIRED})
        except jwt.PyJWTError as error:
            raise InvalidToken(f"{type(error).__name__}: {error}") from None
        # A list audience would let one token serve both doors; ours name exactly one.
        if claims["aud"] not in (API_AUDIENCE, PORTAL_AUDIENCE):
            raise InvalidToken("aud must be one audience")
        partner = claims["aud"] == PORTAL_AUDIENCE
        domain = claims["dom"]
        if not isinstance(domain, str) or partner != domain.startswith("partner:") or (
                not partner and domain != "internal"):
            raise InvalidToken("dom does not match aud")
        if not isinstance(claims["sub"], str) or not isinstance(claims["jti"], str) or (
                type(claims["ver"]) is not int):
            raise InvalidToken("sub, jti or ver malformed")
        return claims
