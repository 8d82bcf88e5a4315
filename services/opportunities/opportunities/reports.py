"""Finishing the reports (pure, no I/O): rows from ``$group`` results, exact Decimal money,
ordering and percentages, and the RFM customer tiers.

Amounts reach this module as integer minor units (``amount_minor`` sums: the embedded
engine cannot add Decimal128 exactly enough to compare), so every sum is exact.
Weighted amounts are ``sum(amount x probability / 100)``, computed exactly from sums
per probability and rounded once, half up, to the currency's minor unit: a total's
weighted amount is the rounded exact total, not the sum of rounded rows.
Percentages have one decimal place (half up) and are None when nothing is counted.
Months are calendar months in UTC, as periods are.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sfa_common.contracts.opportunities import LOST, WON
from sfa_common.money import Money

from .stages import OPEN

_ONE_PLACE = Decimal("0.1")
_SECONDS_PER_DAY = 86400


def minor_digits(currency):
    return Money(0, currency).minor_digits


def from_minor(minor, currency):
    """An integer of minor units as the Decimal amount it stands for."""
    return Decimal(minor).scaleb(-minor_digits(currency))


def percent(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)


class _Tally:
    """Counts and exact sums of one row; ``add`` takes one ``$group`` result."""

    def __init__(self, currency):
        self.currency = currency
        self.count = 0
        self.minor = 0
        self.weighted_minor_percent = 0     # sum of minor units x probability

    def add(self, count, minor, probability):
        self.count += count
        self.minor += minor
        self.weighted_minor_percent += minor * probability

    @property
    def amount(self):
        return from_minor(self.minor, self.currency)

    @property
    def weighted(self):
        digits = minor_digits(self.currency)
        exact = Decimal(self.weighted_minor_percent).scaleb(-(digits + 2))
        return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)

    def row(self, **keys):
        return {**keys, "currency": self.currency, "count": self.count, "amount": self.amount,
                "weighted": self.weighted}


def pipeline_report(pipeline, groups, currency=None):
    """``groups``: open deals by (stage, currency, probability) with ``count`` and
    ``minor``. A row for every open stage in pipeline order (zero when empty) in every
    currency seen or asked for; stages no longer in the pipeline follow, by key."""
    stage_order = [stage.key for stage in pipeline.open_stages]
    tallies, totals = {}, {}
    currencies = {currency} if currency else set()
    for group in groups:
        key = group["_id"]
        currencies.add(key["currency"])
        row_key = (key["stage"], key["currency"])
        for tally_key, table in ((row_key, tallies), (key["currency"], totals)):
            table.setdefault(tally_key, _Tally(key["currency"])).add(
                group["count"], group["minor"], key["probability"])
    retired = sorted({stage for stage, _ in tallies} - set(stage_order))
    rows = [(tallies.get((stage, code)) or _Tally(code)).row(stage=stage)
            for stage in stage_order + retired for code in sorted(currencies)
            if stage in stage_order or (stage, code) in tallies]
    return {"rows": rows,
            "totals": [(totals.get(code) or _Tally(code)).row(stage="total")
                       for code in sorted(currencies)]}


def month_of(moment):
    return f"{moment.year:04d}-{moment.month:02d}"


def forecast_report(open_groups, won_groups):
    """``open_groups``: open deals by (expected close ``day``, currency, probability);
    ``won_groups``: won deals by currency with their ``deals`` [{won_at, minor}].
    One row per (month, currency), by month then currency."""
    tallies = {}
    won = defaultdict(int)
    for group in open_groups:
        key = group["_id"]
        row_key = (month_of(key["day"]), key["currency"])
        tallies.setdefault(row_key, _Tally(key["currency"])).add(
            group["count"], group["minor"], key["probability"])
    for group in won_groups:
        for deal in group["deals"]:
            won[(month_of(deal["won_at"]), group["_id"])] += deal["minor"]
    rows = []
    for month, code in sorted(set(tallies) | set(won)):
        row = (tallies.get((month, code)) or _Tally(code)).row(month=month)
        rows.append({**row, "won": from_minor(won[(month, code)], code)})
    return {"rows": rows}


def win_rate_report(groups):
    """``groups``: closed deals counted by status."""
    counts = {group["_id"]: group["count"] for group in groups}
    won, lost = counts.get(WON, 0), counts.get(LOST, 0)
    return {"won_count": won, "lost_count": lost, "percent": percent(won, won + lost)}


def cycle_time_report(groups):
    """``groups``: at most one, the won deals' ``count`` and summed ``seconds``."""
    count = sum(group["count"] for group in groups)
    seconds = sum(group["seconds"] for group in groups)
    average = None
    if count:
        average = (Decimal(seconds) / count / _SECONDS_PER_DAY).quantize(
            _ONE_PLACE, rounding=ROUND_HALF_UP)
    return {"won_count": count, "average_days": average}


def competitor_report(groups):
    """``groups``: competitor links counted by (competitor_id, the deal's status, the
    competitor the deal was lost to), each with the competitor's ``name``."""
    rows = {}
    for group in groups:
        key = group["_id"]
        competitor_id = key["competitor_id"]
        row = rows.setdefault(competitor_id, {
            "competitor_id": competitor_id, "name": group["name"], "open": 0,
            "won_against": 0, "lost_to": 0, "lost_other": 0})
        if key["status"] == OPEN:
            row["open"] += group["count"]
        elif key["status"] == WON:
            row["won_against"] += group["count"]
        elif key.get("lost_to") == competitor_id:
            row["lost_to"] += group["count"]
        else:
            row["lost_other"] += group["count"]
    for row in rows.values():
        row["win_rate"] = percent(row["won_against"],
                                  row["won_against"] + row["lost_to"] + row["lost_other"])
    return {"rows": sorted(rows.values(), key=lambda row: (row["name"], row["competitor_id"]))}


def partner_report(groups):
    """``groups``: partner deals by (partner_org_id, currency, status, probability)
    with ``count`` and ``minor``. One row per (partner organisation, currency)."""
    tallies = {}
    for group in groups:
        key = group["_id"]
        row_key = (key["partner_org_id"], key["currency"])
        per_status = tallies.setdefault(row_key, {status: _Tally(key["currency"])
                                                  for status in (OPEN, WON, LOST)})
        per_status[key["status"]].add(group["count"], group["minor"], key["probability"])
    rows = []
    for (partner_org_id, code), tally in sorted(tallies.items()):
        won, lost = tally[WON].count, tally[LOST].count
        rows.append({
            "partner_org_id": partner_org_id, "currency": code,
            "open_count": tally[OPEN].count, "open_amount": tally[OPEN].amount,
            "weighted": tally[OPEN].weighted, "won_count": won,
            "won_amount": tally[WON].amount, "lost_count": lost,
            "win_rate": percent(won, won + lost)})
    return {"rows": rows}


# -- RFM customer tiers ------------------------------------------------------------------

TIERS = ((8, "A"), (6, "B"), (4, "C"))
LOWEST_TIER = "D"
MAX_TIER_ROWS = 500


@dataclass(frozen=True)
class RfmRules:
    """Scores 1-3 each for recency, frequency and monetary; the tier from their sum.

    ``recency_days``: (recent, lapsing) - within the first 3, the second 2, else 1;
    ``frequency`` (wins) and ``monetary`` (won amount): (high, middle) - at least the
    first 3, the second 2, else 1. Wins count inside the last ``window_days``."""
    currency: str
    recency_days: tuple
    frequency: tuple
    monetary: tuple
    window_days: int

    def window_start(self, now):
        return now - timedelta(days=self.window_days)

    def thresholds(self):
        return {"recency_days": list(self.recency_days), "frequency": list(self.frequency),
                "monetary": [str(amount) for amount in self.monetary],
                "window_days": self.window_days}


def _at_most(value, limits):
    recent, lapsing = limits
    return 3 if value <= recent else 2 if value <= lapsing else 1


def _at_least(value, limits):
    high, middle = limits
    return 3 if value >= high else 2 if value >= middle else 1


def tier(score):
    return next((name for lowest, name in TIERS if score >= lowest), LOWEST_TIER)


def rfm_tiers(rules, groups, now, limit=MAX_TIER_ROWS):
    """``groups``: per account (``_id``) won in ``rules.currency`` inside the window, its
    ``last_won_at``, ``frequency`` (wins) and ``minor`` (won amount). Rows by tier, then
    the largest won amount, then account id; at most ``limit``."""
    rows = []
    for group in groups:
        recency_days = (now - group["last_won_at"]).days
        monetary = from_minor(group["minor"], rules.currency)
        scores = {"recency_score": _at_most(recency_days, rules.recency_days),
                  "frequency_score": _at_least(group["frequency"], rules.frequency),
                  "monetary_score": _at_least(monetary, rules.monetary)}
        rows.append({"account_id": group["_id"], "last_won_at": group["last_won_at"],
                     "recency_days": recency_days, "frequency": group["frequency"],
                     "monetary": Money(monetary, rules.currency), **scores,
                     "tier": tier(sum(scores.values()))})
    rows.sort(key=lambda row: (row["tier"], -row["monetary"].amount, row["account_id"]))
    return {"currency": rules.currency, "thresholds": rules.thresholds(), "rows": rows[:limit]}
