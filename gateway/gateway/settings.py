"""Gateway settings, read once from the environment at start-up.

A missing or malformed value raises ``SettingsError`` naming the variable, so a
misconfigured gateway refuses to start instead of failing on its first request.
"""
import os
import re
from dataclasses import dataclass

from sfa_common import settings as checks
from sfa_common.settings import SettingsError

from .identity.passwords import password_problem

SERVICES = ("leads", "opportunities", "quotes", "commission")
ENVIRONMENTS = ("development", "production")
MIN_SECRET_LENGTH = 32          # characters; it keys HMAC-SHA256 (see identity/tokens.py)
DEFAULT_TOKEN_TTL = 8 * 3600    # a working day; revocation covers a stolen token sooner
DEFAULT_INVITATION_TTL = 7 * 24 * 3600
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def environment(mapping):
    value = (checks.text(mapping, "GATEWAY_ENV") or "development").lower()
    if value not in ENVIRONMENTS:
        raise SettingsError("GATEWAY_ENV", f"expected one of {', '.join(ENVIRONMENTS)}, "
                                           f"got {value!r}")
    return value


def secret_key(mapping, env):
    """The secret access tokens are signed with. None in development when unset: the
    app then keeps a generated one in its own database, shared by every worker."""
    value = checks.text(mapping, "SECRET_KEY")
    if value is None:
        if env == "production":
            raise SettingsError("SECRET_KEY", "required when GATEWAY_ENV=production; set it "
                                              "to a long random string shared by every "
                                              "gateway instance")
        return None
    if len(value) < MIN_SECRET_LENGTH:
        # The value itself is never echoed: it is a secret.
        raise SettingsError("SECRET_KEY", f"too short (at least {MIN_SECRET_LENGTH} "
                                          f"characters)")
    return value


def portal_client_secret(mapping):
    """Shared with the portal, which signs partners in on their behalf: with it, the
    portal may tell the gateway the browser's address for per-IP sign-in limits."""
    value = checks.text(mapping, "PORTAL_CLIENT_SECRET")
    if value is not None and len(value) < MIN_SECRET_LENGTH:
        raise SettingsError("PORTAL_CLIENT_SECRET", f"too short (at least {MIN_SECRET_LENGTH} "
                                                    f"characters)")
    return value


def bootstrap_admin(mapping):
    """(email, password) of the admin to create when none exists, or (None, None)."""
    email = checks.text(mapping, "BOOTSTRAP_ADMIN_EMAIL")
    password = mapping.get("BOOTSTRAP_ADMIN_PASSWORD") or None
    if email is None and password is None:
        return None, None
    if email is None:
        raise SettingsError("BOOTSTRAP_ADMIN_EMAIL",
                            "required when BOOTSTRAP_ADMIN_PASSWORD is set")
    if password is None:
        raise SettingsError("BOOTSTRAP_ADMIN_PASSWORD",
                            "required when BOOTSTRAP_ADMIN_EMAIL is set")
    if not EMAIL.match(email):
        raise SettingsError("BOOTSTRAP_ADMIN_EMAIL", f"expected an email address, got {email!r}")
    problem = password_problem(password)
    if problem:
        raise SettingsError("BOOTSTRAP_ADMIN_PASSWORD", problem)
    return email.lower(), password


@dataclass(frozen=True)
class GatewaySettings:
    amqp_uri: str
    mongo_uri: str
    rpc_timeout: float      # every RPC call, and waiting for a free proxy
    rpc_pool_size: int      # started proxies per process (>= request threads)
    ready_timeout: float    # each service's `health` answer for /readyz
    env: str = "development"
    secret_key: str | None = None   # None: development, generated and kept in the database
    token_ttl: int = DEFAULT_TOKEN_TTL             # seconds an access token lives
    invitation_ttl: int = DEFAULT_INVITATION_TTL   # seconds a partner invitation lives
    # Whether "my department's" records include those of the departments below mine.
    department_scope_includes_subdepartments: bool = True
    # Failed sign-ins allowed per account and per client IP within the window.
    sign_in_account_limit: int = 5
    sign_in_ip_limit: int = 20
    sign_in_window: int = 15 * 60
    # Reverse proxies in front of the gateway whose X-Forwarded-For is believed.
    # 0: the client address is the TCP peer, and no client header can change it.
    trusted_proxy_hops: int = 0
    portal_client_secret: str | None = None
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None

    @classmethod
    def from_mapping(cls, mapping=None):
        mapping = os.environ if mapping is None else mapping
        env = environment(mapping)
        admin_email, admin_password = bootstrap_admin(mapping)
        return cls(
            amqp_uri=checks.amqp_uri(mapping),
            mongo_uri=checks.mongo_uri(mapping),
            rpc_timeout=checks.positive_float(mapping, "RPC_TIMEOUT", checks.DEFAULT_RPC_TIMEOUT),
            rpc_pool_size=checks.positive_int(mapping, "RPC_POOL_SIZE", 16),
            ready_timeout=checks.positive_float(mapping, "READY_TIMEOUT", 2.0),
            env=env,
            secret_key=secret_key(mapping, env),
            token_ttl=checks.positive_int(mapping, "TOKEN_TTL", DEFAULT_TOKEN_TTL),
            invitation_ttl=checks.positive_int(mapping, "INVITATION_TTL",
                                               DEFAULT_INVITATION_TTL),
            department_scope_includes_subdepartments=checks.flag(
                mapping, "DEPARTMENT_SCOPE_INCLUDES_SUBDEPARTMENTS", True),
            sign_in_account_limit=checks.positive_int(mapping, "SIGN_IN_ACCOUNT_LIMIT", 5),
            sign_in_ip_limit=checks.positive_int(mapping, "SIGN_IN_IP_LIMIT", 20),
            sign_in_window=checks.positive_int(mapping, "SIGN_IN_WINDOW", 15 * 60),
            trusted_proxy_hops=checks.non_negative_int(mapping, "TRUSTED_PROXY_HOPS", 0),
            portal_client_secret=portal_client_secret(mapping),
            bootstrap_admin_email=admin_email,
            bootstrap_admin_password=admin_password,
        )
