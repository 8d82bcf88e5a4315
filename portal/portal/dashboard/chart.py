"""The pipeline chart's bars, from the gateway's pipeline report: one bar per open
stage, its length in proportion to the stage's amount in one currency (amounts in
different currencies do not add up, so the chart shows one at a time). Pure: no I/O,
no Flask. Amounts stay Decimal; only the bar lengths are rounded."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LONGEST_BAR = Decimal(360)  # the longest bar's length, in the SVG's user units
LENGTH_STEP = Decimal("0.1")
OPEN = "open"


@dataclass(frozen=True)
class Bar:
    stage: str
    count: int
    amount: Decimal
    weighted: Decimal
    length: Decimal  # 0 to LONGEST_BAR


def main_currency(totals, requested=None):
    """The currency to draw: ``requested`` when the pipeline has deals in it, else the
    one with the most open deals (a tie goes to the first alphabetically); None for an
    empty pipeline."""
    counts = {row["currency"]: int(row.get("count") or 0) for row in totals}
    if requested in counts:
        return requested
    return min(counts, key=lambda currency: (-counts[currency], currency), default=None)


def pipeline_bars(stages, rows, currency):
    """A bar for every open stage of the pipeline, in its order (an empty stage gets a
    bar of length 0), then for any stage the report has that the pipeline no longer
    lists, so no open amount goes missing from the chart."""
    reported = {row["stage"]: row for row in rows if row.get("currency") == currency}
    keys = [stage["key"] for stage in stages if stage.get("kind") == OPEN]
    keys += [key for key in reported if key not in keys]
    amounts = {key: _decimal(reported.get(key, {}).get("amount")) for key in keys}
    largest = max(amounts.values(), default=Decimal(0))
    return [Bar(stage=key, count=int(reported.get(key, {}).get("count") or 0),
                amount=amounts[key],
                weighted=_decimal(reported.get(key, {}).get("weighted")),
                length=_length(amounts[key], largest))
            for key in keys]


def _length(amount, largest):
    share = amount * LONGEST_BAR / largest if largest > 0 else Decimal(0)
    return share.quantize(LENGTH_STEP, rounding=ROUND_HALF_UP)


def _decimal(value):
    """A report amount (a decimal string, or a Decimal the client parsed) as Decimal."""
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)
