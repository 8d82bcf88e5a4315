"""The leads service's own settings, read from the nameko config (config.yml, whose
values come from the environment) and checked once at start-up: a malformed value
stops the service with a ``SettingsError`` that names it.

Leads' settings first; deal registrations and lead offers append theirs in the marked
section at the end (``RegistrationSettings``), built into ``LeadsSettings.registrations``.
"""
from dataclasses import dataclass

from sfa_common.contracts.registrations import PARTNER_TIERS
from sfa_common.settings import (
    SettingsError,
    flag,
    positive_float,
    positive_int,
    relay_seconds,
    text,
)

DEFAULT_IMPORT_CHUNK = 200



@dataclass(frozen=True)
class LeadSettings:
    # 查重规则: on conversion, link an existing customer with the same normalised name
    # instead of creating one.
    duplicate_check: bool
    relay_seconds: float
    # Rows an import writes between two yields to eventlet.
    import_chunk: int

    @classmethod
    def from_mapping(cls, mapping):
        return cls(duplicate_check=flag(mapping, "LEAD_DUPLICATE_CHECK", True),
                   relay_seconds=relay_seconds(mapping),
                   import_chunk=positive_int(mapping, "LEAD_IMPORT_CHUNK", DEFAULT_IMPORT_CHUNK))


@dataclass(frozen=True)
class LeadsSettings:
    """Everything the service's settings dependency hands a worker."""
    leads: LeadSettings
    registrations: object   # RegistrationSettings (below)

    @classmethod
    def from_mapping(cls, mapping):
        return cls(leads=LeadSettings.from_mapping(mapping),
                   registrations=RegistrationSettings.from_mapping(mapping))


# -- registrations (helper R): RegistrationSettings.from_mapping(mapping) ---------------

DEFAULT_PROTECTION_DAYS = "platinum:120,gold:90,silver:60,registered:30"
DEFAULT_OFFER_TIER_WEIGHTS = "platinum:4,gold:3,silver:2,registered:1"
DEFAULT_FUZZY_THRESHOLD = 0.85
DEFAULT_EXPIRY_SECONDS = 60.0
DEFAULT_OFFER_HOURS = 72


def tier_numbers(mapping, name, default):
    """``platinum:120,gold:90,...``: a positive whole number for every partner tier."""
    raw = text(mapping, name, default)
    problem = f"expected a positive whole number for each of {', '.join(PARTNER_TIERS)} " \
              f"as tier:number,... (e.g. {default}), got {raw!r}"
    numbers = {}
    for part in raw.split(","):
        tier, _, number = part.strip().partition(":")
        if tier.strip() not in PARTNER_TIERS or tier.strip() in numbers:
            raise SettingsError(name, problem)
        try:
            numbers[tier.strip()] = int(number)
        except ValueError:
            raise SettingsError(name, problem) from None
        if numbers[tier.strip()] <= 0:
            raise SettingsError(name, problem)
    if set(numbers) != set(PARTNER_TIERS):
        raise SettingsError(name, problem)
    return numbers


def fuzzy_threshold(mapping):
    raw = text(mapping, "REGISTRATION_FUZZY_THRESHOLD", None)
    if raw is None:
        return DEFAULT_FUZZY_THRESHOLD
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 1:
        raise SettingsError("REGISTRATION_FUZZY_THRESHOLD",
                            f"expected a number above 0 and at most 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class RegistrationSettings:
    protection_days: dict      # partner tier -> days an approved registration protects
    fuzzy_threshold: float     # similar company names conflict from this Dice score
    expiry_seconds: float      # how often approved registrations are checked for expiry
    offer_hours: int           # how long a lead offer waits for an answer
    offer_tier_weights: dict   # partner tier -> weight in the offer rule's choice
    offer_expiry_seconds: float

    @classmethod
    def from_mapping(cls, mapping):
        return cls(
            protection_days=tier_numbers(mapping, "PROTECTION_DAYS", DEFAULT_PROTECTION_DAYS),
            fuzzy_threshold=fuzzy_threshold(mapping),
            expiry_seconds=registration_expiry_seconds(mapping),
            offer_hours=positive_int(mapping, "OFFER_HOURS", DEFAULT_OFFER_HOURS),
            offer_tier_weights=tier_numbers(mapping, "OFFER_TIER_WEIGHTS",
                                            DEFAULT_OFFER_TIER_WEIGHTS),
            offer_expiry_seconds=offer_expiry_seconds(mapping))


def registration_expiry_seconds(mapping):
    return positive_float(mapping, "REGISTRATION_EXPIRY_SECONDS", DEFAULT_EXPIRY_SECONDS)


def offer_expiry_seconds(mapping):
    return positive_float(mapping, "OFFER_EXPIRY_SECONDS", DEFAULT_EXPIRY_SECONDS)
