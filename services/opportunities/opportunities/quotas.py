"""Quota attainment (pure, no I/O): how much a rep or a partner organisation has won
in a quota's period, against its target.

A rep is credited, for every deal won inside the period, with the amount times the
rep's *revenue* split percent / 100 (the owner takes 100 % when the deal names no
splits; overlay splits are paid on top by commission and do not count towards a
quota). A partner organisation is credited with the whole amount of the deals won with
its ``partner_org_id``. Only deals in the target's currency count: a deal in another
currency is left out, never converted. Periods are calendar months in UTC.
"""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sfa_common.money import Money
from sfa_common.periods import period_bounds

from .reports import percent


def period_window(period):
    """``(start, end)`` of a period: its first instant and the first instant after it."""
    first, last = period_bounds(period)
    return (datetime.combine(first, time(), tzinfo=UTC),
            datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC))


def revenue_share(deal, user_id):
    """The percent of the deal's revenue credited to ``user_id``."""
    if not deal["splits"]:
        return Decimal(100) if deal.get("owner_id") == user_id else Decimal(0)
    return sum((split["percent"] for split in deal["splits"]
                if split["user_id"] == user_id and split["kind"] == "revenue"), Decimal(0))


def attainment(quota, deals):
    """``{"won": Money, "won_count": int, "percent": Decimal | None}`` for ``quota`` from
    won ``deals`` (each with ``won_at``, ``amount`` as Money, ``owner_id``, ``splits``
    and ``partner_org_id``); deals outside its period or currency are skipped."""
    target = quota["target"]
    start, end = period_window(quota["period"])
    won, count = Money(0, target.currency), 0
    for deal in deals:
        if not (start <= deal["won_at"] < end and deal["amount"].currency == target.currency):
            continue
        if quota.get("owner_id"):
            share = revenue_share(deal, quota["owner_id"])
        else:
            share = Decimal(100) if deal.get("partner_org_id") == quota["partner_org_id"] else 0
        if share:
            won += deal["amount"] * (share / 100)
            count += 1
    won = won.rounded()
    return {"won": won, "won_count": count, "percent": percent(won.amount, target.amount)}
