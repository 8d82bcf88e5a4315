"""A quote's money (pure, no I/O): each line's net and the quote's totals.

The one rounding rule (``sfa_common.money``: ROUND_HALF_UP to the currency's minor
unit), applied in exactly three places:

1. each line: ``net = round(quantity x unit_price x (1 - line_discount_percent/100))``;
   the unit price is the pricing engine's, used as it is;
2. the quote discount: ``discount = round(subtotal x quote_discount_percent/100)``,
   where ``subtotal`` is the sum of the ROUNDED line nets (exact, no rounding);
3. the tax: ``tax = round(net x tax_rate_percent/100)`` with ``net = subtotal - discount``.

``total = net + tax`` (exact). Nothing else is rounded, so the PDF, the event and the
won opportunity all carry these very numbers.
"""
from dataclasses import dataclass
from decimal import Decimal

from sfa_common.money import Money

HUNDRED = Decimal(100)


def _share(money, percent):
    return money * (to_percent(percent) / HUNDRED)


def to_percent(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def line_amount(quantity, unit_price):
    """``quantity x unit_price``, unrounded."""
    return unit_price * quantity


def line_net(quantity, unit_price, line_discount_percent):
    """A line's net after its discount, rounded once to the minor unit."""
    amount = line_amount(quantity, unit_price)
    return (amount - _share(amount, line_discount_percent)).rounded()


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    discount: Money
    net: Money
    tax: Money
    total: Money

    def as_dict(self):
        return {"subtotal": self.subtotal, "discount": self.discount, "net": self.net,
                "tax": self.tax, "total": self.total}


def totals(line_nets, currency, quote_discount_percent, tax_rate_percent):
    """The quote's totals from its lines' rounded nets (``Money`` in ``currency``)."""
    subtotal = Money(0, currency).rounded()
    for net in line_nets:
        subtotal = subtotal + net
    discount = _share(subtotal, quote_discount_percent).rounded()
    net = subtotal - discount
    tax = _share(net, tax_rate_percent).rounded()
    return Totals(subtotal=subtotal, discount=discount, net=net, tax=tax, total=net + tax)


def max_discount(line_discounts, quote_discount_percent):
    """The largest discount the quote gives (a line's or the quote's), in percent: what
    the approval threshold is compared with."""
    return max([to_percent(quote_discount_percent),
                *(to_percent(value) for value in line_discounts)])
