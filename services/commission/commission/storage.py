"""How commission values cross into storage and back (shared by the stores).

Money goes in as ``Money.to_document()`` and percents as Decimal128 (exact on both
engines) and comes out as ``Money`` and ``Decimal`` again, so nothing above the stores
sees a storage type. Plans and ledger lines are nested (tiers, bonuses, rules), so the
conversion walks the whole record rather than listing fields.
"""
from decimal import Decimal

from bson.decimal128 import Decimal128

from sfa_common.money import Money


def to_storage(value):
    if isinstance(value, Money):
        return value.to_document()
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, dict):
        return {name: to_storage(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_storage(item) for item in value]
    return value


def _is_money(document):
    return (len(document) == 2 and isinstance(document.get("amount"), Decimal128)
            and isinstance(document.get("currency"), str))


def from_storage(value):
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        if _is_money(value):
            return Money.from_document(value)
        return {name: from_storage(item) for name, item in value.items()}
    if isinstance(value, list):
        return [from_storage(item) for item in value]
    return value


def minor_units(money):
    """``money`` as a whole number of minor units (what the embedded engine can sort)."""
    return int(money.rounded().amount.scaleb(money.minor_digits))
