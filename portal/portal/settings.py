"""The portal's settings, read once from the environment at start-up.

A missing or malformed value raises ``SettingsError`` whose message starts with the
variable's name, so a misconfigured portal refuses to start instead of failing on a
partner's first request. Deliberately self-contained: the portal deploys without the
service stack, so nothing here comes from ``sfa_common``.
"""
import math
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "testing", "production")
DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
DEFAULT_GATEWAY_TIMEOUT = 5.0
DEFAULT_PORT = 8001
MIN_PRODUCTION_SECRET_LENGTH = 16

# The environment variables this module reads; create_app lets its config dict
# override exactly these, so an override is checked like the environment is.
NAMES = ("PORTAL_ENV", "GATEWAY_URL", "GATEWAY_TIMEOUT", "SECRET_KEY", "PORTAL_PORT",
         "SESSION_COOKIE_SECURE", "PORTAL_CLIENT_SECRET")

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message starts with its name."""

    def __init__(self, name, problem):
        self.name = name
        super().__init__(f"{name}: {problem}")


def _text(mapping, name):
    """The stripped value, or None when unset or blank."""
    value = mapping.get(name)
    if value is None or str(value).strip() == "":
        return None
    return str(value).strip()


def environment(mapping):
    value = (_text(mapping, "PORTAL_ENV") or "development").lower()
    if value not in ENVIRONMENTS:
        raise SettingsError("PORTAL_ENV", f"expected one of {', '.join(ENVIRONMENTS)}, "
                                          f"got {value!r}")
    return value


def gateway_url(mapping):
    value = _text(mapping, "GATEWAY_URL") or DEFAULT_GATEWAY_URL
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018  (urlsplit checks the port only when it is read)
        port_ok = True
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok \
            or parts.query or parts.fragment:
        raise SettingsError("GATEWAY_URL", f"expected http(s)://host[:port][/prefix], "
                                           f"got {value!r}")
    return value.rstrip("/")


def positive_number(mapping, name, default):
    raw = _text(mapping, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"expected a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(name, f"expected a positive number of seconds, got {raw!r}")
    return value


def positive_int(mapping, name, default, maximum=None):
    raw = _text(mapping, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"expected a whole number, got {raw!r}") from None
    if value <= 0 or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingsError(name, f"expected a whole number above 0{upper}, got {raw!r}")
    return value


def port(mapping):
    return positive_int(mapping, "PORTAL_PORT", DEFAULT_PORT, maximum=65535)


def flag(mapping, name, default):
    raw = _text(mapping, name)
    if raw is None:
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise SettingsError(name, f"expected true or false, got {raw!r}")


def secret_key(mapping, env):
    value = _text(mapping, "SECRET_KEY")
    if env != "production":
        # A fresh random key per process: sessions do not outlive a restart in
        # development (gunicorn.conf.py shares one key between its workers).
        return value or secrets.token_hex(32)
    if value is None:
        raise SettingsError("SECRET_KEY", "required when PORTAL_ENV=production; set it to "
                                          "a long random string shared by every instance")
    if len(value) < MIN_PRODUCTION_SECRET_LENGTH:
        # The value itself is never echoed: it is a secret.
        raise SettingsError("SECRET_KEY", f"too short for production (at least "
                                          f"{MIN_PRODUCTION_SECRET_LENGTH} characters)")
    return value


def client_secret(mapping):
    value = _text(mapping, "PORTAL_CLIENT_SECRET")
    if value is not None and len(value) < 32:
        raise SettingsError("PORTAL_CLIENT_SECRET", "too short (at least 32 characters)")
    return value


@dataclass(frozen=True)
class PortalSettings:
    env: str                   # development | testing | production
    gateway_url: str           # no trailing slash
    gateway_timeout: float     # seconds, for connecting and for each read
    secret_key: str
    port: int
    session_cookie_secure: bool
    # Shared with the gateway: lets the portal name the browser's address when it
    # signs a partner in, so per-IP sign-in limits count browsers, not the portal.
    client_secret: str | None = None

    @classmethod
    def from_mapping(cls, mapping=None):
        mapping = os.environ if mapping is None else mapping
        env = environment(mapping)
        return cls(
            env=env,
            gateway_url=gateway_url(mapping),
            gateway_timeout=positive_number(mapping, "GATEWAY_TIMEOUT",
                                            DEFAULT_GATEWAY_TIMEOUT),
            secret_key=secret_key(mapping, env),
            port=port(mapping),
            session_cookie_secure=flag(mapping, "SESSION_COOKIE_SECURE",
                                       env == "production"),
            client_secret=client_secret(mapping),
        )
