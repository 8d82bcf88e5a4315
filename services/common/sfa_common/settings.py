"""Settings from the environment (or a nameko config mapping), checked once at start-up.

A missing or malformed value raises ``SettingsError`` naming the variable, so a
misconfigured component refuses to start instead of failing on its first request.
"""
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672//"
DEFAULT_MONGO_URI = "mongomock://localhost"
DEFAULT_RPC_TIMEOUT = 5.0

AMQP_SCHEMES = {"amqp", "amqps", "pyamqp"}
MONGO_SCHEMES = {"mongodb", "mongodb+srv", "mongomock"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message starts with its name."""

    def __init__(self, name, problem):
        self.name = name
        super().__init__(f"{name}: {problem}")


def text(mapping, name, default=None):
    """The stripped value of ``name``; blank counts as unset (``default``)."""
    value = mapping.get(name)
    if value is None or str(value).strip() == "":
        return default
    return str(value).strip()


def redacted(uri):
    """``uri`` with its password masked, fit for an error message or a log line.
    Plain string work, so it cannot fail on a URI that does not parse."""
    scheme, sep, rest = uri.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return uri
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"


def _parsed_uri(value):
    """The parts of ``value``, or None if it does not parse: an unclosed "[" of an IPv6
    host, or a port that is not a number (urlsplit checks the port only when it is read)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018
    except ValueError:
        return None
    return parts


def amqp_uri(mapping):
    value = text(mapping, "AMQP_URI", DEFAULT_AMQP_URI)
    parts = _parsed_uri(value)
    if parts is None or parts.scheme not in AMQP_SCHEMES or not parts.hostname:
        raise SettingsError(
            "AMQP_URI", f"expected pyamqp://user:password@host:port/vhost, got {redacted(value)!r}"
        )
    return value


def mongo_uri(mapping):
    value = text(mapping, "MONGO_URI", DEFAULT_MONGO_URI)
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in MONGO_SCHEMES:
        raise SettingsError(
            "MONGO_URI",
            f"expected mongodb://host:port/ or mongomock:// (embedded engine), "
            f"got {redacted(value)!r}",
        )
    return value


def positive_float(mapping, name, default):
    raw = text(mapping, name, None)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"expected a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise SettingsError(name, f"must be greater than 0, got {raw!r}")
    # "inf" parses as a float, but an endless timeout is the hung worker a timeout prevents.
    if not math.isfinite(value):
        raise SettingsError(name, f"must be a finite number of seconds, got {raw!r}")
    return value


def positive_int(mapping, name, default):
    raw = text(mapping, name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(name, f"must be greater than 0, got {raw!r}")
    return value


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def flag(mapping, name, default):
    raw = text(mapping, name)
    if raw is None:
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise SettingsError(name, f"expected true or false, got {raw!r}")


def non_negative_int(mapping, name, default):
    raw = text(mapping, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"expected a whole number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(name, f"must not be negative, got {raw!r}")
    return value


def port(mapping, name, default):
    value = positive_int(mapping, name, default)
    if value > 65535:
        raise SettingsError(name, f"expected a TCP port (1-65535), got {value}")
    return value


@dataclass(frozen=True)
class ServiceSettings:
    """What a nameko service needs beyond nameko's own config."""

    amqp_uri: str
    mongo_uri: str
    rpc_timeout: float

    @classmethod
    def from_mapping(cls, mapping):
        return cls(
            amqp_uri=amqp_uri(mapping),
            mongo_uri=mongo_uri(mapping),
            rpc_timeout=positive_float(mapping, "RPC_TIMEOUT", DEFAULT_RPC_TIMEOUT),
        )


DEFAULT_RELAY_SECONDS = 5.0


def relay_seconds(mapping):
    """``OUTBOX_RELAY_SECONDS``: how long an event may wait in a record's outbox before
    the relay sends it again (every service with an outbox)."""
    return positive_float(mapping, "OUTBOX_RELAY_SECONDS", DEFAULT_RELAY_SECONDS)
