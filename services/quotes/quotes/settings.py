"""The quotes service's own settings, read from the nameko config (config.yml, whose
values come from the environment) and checked once at start-up: a malformed value
stops the service with a ``SettingsError`` that names it."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sfa_common.settings import SettingsError, positive_float, positive_int, relay_seconds, text

DEFAULT_TAX_PERCENT = "13"
DEFAULT_THRESHOLDS = ("sales_rep:10,sales_manager:20,channel_manager:15,partner_rep:5,"
                      "partner_admin:5")
DEFAULT_VALID_DAYS = 30
DEFAULT_EXPIRY_SECONDS = 300.0


def _percent(raw):
    """A Decimal 0..100 from ``raw``, or None."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value <= 100 else None


def tax_percent(mapping):
    raw = text(mapping, "QUOTE_TAX_PERCENT", DEFAULT_TAX_PERCENT)
    value = _percent(raw)
    if value is None:
        raise SettingsError("QUOTE_TAX_PERCENT",
                            f"expected a percentage from 0 to 100 (e.g. 13), got {raw!r}")
    return value


def discount_thresholds(mapping):
    """``role:percent,...``: the largest discount each role gives without approval."""
    raw = text(mapping, "QUOTE_DISCOUNT_THRESHOLDS", DEFAULT_THRESHOLDS)
    problem = (f"expected role:percent,... with percentages from 0 to 100 "
               f"(e.g. {DEFAULT_THRESHOLDS}), got {raw!r}")
    thresholds = {}
    for part in raw.split(","):
        role, _, percent = (piece.strip() for piece in part.partition(":"))
        value = _percent(percent) if percent else None
        if not role or value is None or role in thresholds:
            raise SettingsError("QUOTE_DISCOUNT_THRESHOLDS", problem)
        thresholds[role] = value
    return thresholds


def expiry_seconds(mapping):
    return positive_float(mapping, "QUOTE_EXPIRY_SECONDS", DEFAULT_EXPIRY_SECONDS)



@dataclass(frozen=True)
class QuotesSettings:
    tax_percent: Decimal          # QUOTE_TAX_PERCENT: a quote's default tax rate
    discount_thresholds: dict     # QUOTE_DISCOUNT_THRESHOLDS: role -> Decimal percent
    valid_days: int               # QUOTE_VALID_DAYS: default validity of a new quote
    expiry_seconds: float         # QUOTE_EXPIRY_SECONDS: how often sent quotes expire
    relay_seconds: float          # OUTBOX_RELAY_SECONDS

    @classmethod
    def from_mapping(cls, mapping):
        return cls(tax_percent=tax_percent(mapping),
                   discount_thresholds=discount_thresholds(mapping),
                   valid_days=positive_int(mapping, "QUOTE_VALID_DAYS", DEFAULT_VALID_DAYS),
                   expiry_seconds=expiry_seconds(mapping),
                   relay_seconds=relay_seconds(mapping))
