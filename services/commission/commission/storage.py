"""How commission values cross into storage and back (shared by the stores), so
nothing above the stores sees a storage type. Three forms, each for what reads it:

- plans (and an accepted quote a win carries): money as ``Money.to_document()`` and
  percents as Decimal128, exact on both engines; they are nested (tiers, bonuses,
  rules), so ``to_storage``/``from_storage`` walk the whole record;
- ledger rows: integer minor units, in entries (below);
- wins: decimals as exact strings (below).

The last two are read by the hundred thousand in a period's recompute, where Decimal128
(microseconds a value in the driver's pure-Python codec) dominated.
"""
from decimal import Decimal

from bson.decimal128 import Decimal128

from sfa_common.money import Money, minor_digits


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


# -- ledger entries ---------------------------------------------------------------------
#
# The ledger is stored as entries: one document per payee, for-period and department per
# settle, holding the rows that settle wrote (at most ``ENTRY_ROWS`` each, far below
# MongoDB's 16 MB document limit). A row's money is integer minor units (every ledger
# amount is rounded to its currency's minor unit) and its percents are exact decimal
# strings: a period of 100,000 deals writes some 240,000 rows, and this is what keeps
# writing and reading them cheap on both engines (Decimal128 costs microseconds a value
# in the driver's pure-Python codec). What all rows of an entry share (payee, periods,
# scope fields, the rules its rows pay by) is stored once, on the entry.

ENTRY_ROWS = 1000
ENTRY_FIELDS = ("payee_key", "payee_kind", "payee_id", "period", "for_period",
                "adjusts_period", "owner_id", "department_id", "partner_org_id",
                "written_by")
_MONEY_FIELDS = ("base", "credited_base", "portion", "amount")
_PERCENT_FIELDS = ("rate_percent", "split_percent")
_RANGE_FIELDS = ("tier", "attainment")
_RANGE_ENDS = ("from_percent", "to_percent")
# What a row read back carries from its entry, never stored on the row itself.
_READ_ONLY = ("_id", "created_at", "entry_number")


class LedgerRowError(ValueError):
    """A row cannot be stored exactly (an amount finer than its currency's minor unit)."""


def _minor(money, field):
    units = money.amount.scaleb(money.minor_digits)
    if units != units.to_integral_value():
        raise LedgerRowError(f"{field} {money} is finer than a minor unit of "
                             f"{money.currency}")
    return int(units)


def _percent_text(value):
    return None if value is None else str(value)


def _range_text(value):
    return None if value is None else {end: _percent_text(value[end]) for end in _RANGE_ENDS}


def encode_row(row, rules):
    """A ledger row (engine line plus ``seq``) as stored inside its entry, its rule an
    index into the entry's ``rules`` (a payee's rows share a handful of rules)."""
    currency = row["currency"]
    stored = {name: value for name, value in row.items()
              if name not in ENTRY_FIELDS and name not in _READ_ONLY}
    others = {}
    for field in _MONEY_FIELDS:
        money = row[field]
        stored[field] = _minor(money, field)
        if money.currency != currency:
            others[field] = money.currency
    if others:
        stored["other_currencies"] = others
    for field in _PERCENT_FIELDS:
        stored[field] = _percent_text(row.get(field))
    for field in _RANGE_FIELDS:
        stored[field] = _range_text(row.get(field))
    rule = tuple(row["rule"].items())
    stored["rule"] = rules.setdefault(rule, len(rules))
    return stored


def _percent(text):
    return None if text is None else Decimal(text)


def decode_row(stored, entry):
    """A stored row back as the line it was, with its entry's fields and its id."""
    row = dict(stored)
    others = row.pop("other_currencies", None) or {}
    for field in _MONEY_FIELDS:
        currency = others.get(field, row["currency"])
        row[field] = Money(Decimal(row[field]).scaleb(-minor_digits(currency)), currency)
    for field in _PERCENT_FIELDS:
        row[field] = _percent(row[field])
    for field in _RANGE_FIELDS:
        if row[field] is not None:
            row[field] = {end: _percent(row[field][end]) for end in _RANGE_ENDS}
    row["rule"] = entry["rules"][row["rule"]]
    for field in ENTRY_FIELDS:
        row[field] = entry.get(field)
    row["_id"] = f"{row['key']}#{row['seq']}"
    row["created_at"] = entry.get("created_at")
    row["entry_number"] = entry["number"]
    return row


def entry_id(for_period, payee_key, number):
    """An entry's id: the ``number``-th entry of a payee's ledger for a period. Two
    writers that read the same ledger take the same next number, so one of them
    collides instead of paying twice."""
    return f"{for_period}|{payee_key}#{number}"


def encode_entries(rows, first_number, now):
    """``rows`` (all of one payee and for-period) as entries numbered from
    ``first_number``: one per department, at most ``ENTRY_ROWS`` rows each."""
    groups = {}
    for row in rows:
        groups.setdefault(row.get("department_id"), []).append(row)
    entries = []
    for department_rows in groups.values():
        for start in range(0, len(department_rows), ENTRY_ROWS):
            chunk = department_rows[start:start + ENTRY_ROWS]
            first = chunk[0]
            number = first_number + len(entries)
            rules = {}
            stored = [encode_row(row, rules) for row in chunk]
            entries.append({
                "_id": entry_id(first["for_period"], first["payee_key"], number),
                "number": number, **{field: first.get(field) for field in ENTRY_FIELDS},
                "created_at": now, "rules": [dict(rule) for rule in rules], "rows": stored})
    return entries


def decode_entries(entries):
    return [decode_row(stored, entry) for entry in entries for stored in entry["rows"]]


# -- wins -------------------------------------------------------------------------------
#
# A period's recompute reads every win of the period (100,000 in the bench), so a win's
# decimals are stored as exact decimal strings, which read back ten times cheaper than
# Decimal128. Nothing queries, sorts or sums them in the database. The accepted quote a
# win may carry is rare and nested: it goes through the general conversion above.

def _decimal_text(value):
    return None if value is None else str(value)


def _money_text(money):
    return None if money is None else {"amount": str(money.amount), "currency": money.currency}


def _money_from_text(document):
    return None if document is None else Money(Decimal(document["amount"]),
                                               document["currency"])


def _decimal_from_text(text):
    return None if text is None else Decimal(text)


def encode_win(win):
    stored = dict(win)
    if "amount" in win:
        stored["amount"] = _money_text(win["amount"])
    if "splits" in win:
        stored["splits"] = [{**split, "percent": _decimal_text(split["percent"])}
                            for split in win["splits"] or ()]
    if "products" in win:
        stored["products"] = [{**product, "quantity": _decimal_text(product.get("quantity")),
                               "amount": _money_text(product["amount"]),
                               "cost": _money_text(product.get("cost"))}
                              for product in win["products"] or ()]
    if win.get("quote") is not None:
        stored["quote"] = to_storage(win["quote"])
    return stored


def decode_win(stored):
    win = dict(stored)
    if "amount" in win:
        win["amount"] = _money_from_text(win["amount"])
    if "splits" in win:
        win["splits"] = [{**split, "percent": _decimal_from_text(split["percent"])}
                         for split in win["splits"] or ()]
    if "products" in win:
        win["products"] = [{**product,
                            "quantity": _decimal_from_text(product.get("quantity")),
                            "amount": _money_from_text(product["amount"]),
                            "cost": _money_from_text(product.get("cost"))}
                           for product in win["products"] or ()]
    if win.get("quote") is not None:
        win["quote"] = from_storage(win["quote"])
    return win
