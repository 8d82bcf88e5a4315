"""The opportunities service's own settings, read from the nameko config (config.yml,
whose values come from the environment) and checked once at start-up: a malformed
value stops the service with a ``SettingsError`` that names it."""
from dataclasses import dataclass

from sfa_common.money import MoneyError, check_currency, to_decimal
from sfa_common.settings import SettingsError, positive_int, relay_seconds, text

from .reports import RfmRules
from .stages import Pipeline

DEFAULT_STAGES = "qualify:10,needs_analysis:25,proposal:50,negotiation:75"
DEFAULT_RFM = {"RFM_CURRENCY": "CNY", "RFM_RECENCY_DAYS": "90,365", "RFM_FREQUENCY": "5,2",
               "RFM_MONETARY": "1000000,100000", "RFM_WINDOW_DAYS": 730}


def pipeline(mapping):
    try:
        return Pipeline.parse(text(mapping, "OPPORTUNITY_STAGES", DEFAULT_STAGES))
    except ValueError as error:
        raise SettingsError("OPPORTUNITY_STAGES", str(error)) from None



def _pair(mapping, name, parse, ascending):
    """Two positive thresholds "a,b", strictly ascending or descending as the rule needs."""
    raw = text(mapping, name, DEFAULT_RFM[name])
    order = "smaller" if ascending else "larger"
    problem = f"expected two positive numbers, the first {order} (e.g. {DEFAULT_RFM[name]}), " \
              f"got {raw!r}"
    try:
        first, second = (parse(part.strip()) for part in raw.split(","))
    except (ValueError, MoneyError):
        raise SettingsError(name, problem) from None
    if not (0 < min(first, second) and (first < second if ascending else first > second)):
        raise SettingsError(name, problem)
    return first, second


def rfm_rules(mapping):
    currency = text(mapping, "RFM_CURRENCY", DEFAULT_RFM["RFM_CURRENCY"])
    try:
        check_currency(currency)
    except MoneyError as error:
        raise SettingsError("RFM_CURRENCY", str(error)) from None
    return RfmRules(
        currency=currency,
        recency_days=_pair(mapping, "RFM_RECENCY_DAYS", int, ascending=True),
        frequency=_pair(mapping, "RFM_FREQUENCY", int, ascending=False),
        monetary=_pair(mapping, "RFM_MONETARY", to_decimal, ascending=False),
        window_days=positive_int(mapping, "RFM_WINDOW_DAYS", DEFAULT_RFM["RFM_WINDOW_DAYS"]))


@dataclass(frozen=True)
class OpportunitySettings:
    pipeline: Pipeline
    rfm: RfmRules
    relay_seconds: float

    @classmethod
    def from_mapping(cls, mapping):
        return cls(pipeline=pipeline(mapping), rfm=rfm_rules(mapping),
                   relay_seconds=relay_seconds(mapping))
