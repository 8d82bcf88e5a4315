"""Statements (pure): one payee's lines of a period with totals by component, the rows
of the statement list, and the CSV export.

Totals are sums of the stored (already rounded) line amounts (``engine.totals``), so a
statement adds up to the cent. The CSV is UTF-8 with a byte-order mark, which Excel
needs to read the Chinese names right, and has one row per ledger line with every
column that explains it.
"""
import csv
import io

from sfa_common.contracts.commission import (
    decode_statement_cursor,
    encode_statement_cursor,
    statement_row_key,
)

from . import engine

CSV_COLUMNS = (
    "period", "adjusts_period", "payee_kind", "payee_id", "opportunity_id", "deal_name",
    "won_at", "source_event_id", "component", "plan_name", "plan_id", "sku", "category",
    "bonus", "base", "base_kind", "credited_base", "split_kind", "split_percent",
    "tier_from_percent", "tier_to_percent", "attainment_from_percent",
    "attainment_to_percent", "rate_percent", "portion", "amount", "currency", "note", "key",
    "seq")


def _currency(lines):
    return lines[0]["currency"] if lines else None


def statement(period, status, payee_kind, payee_id, lines, currency=None):
    """One payee's statement; ``currency`` is its plan's, for a statement with no lines
    (its total is then zero in it, or none without a plan)."""
    currency = _currency(lines) or currency
    by_component, total = engine.totals(lines, currency) if currency else ({}, None)
    return {"period": period, "period_status": status, "payee_kind": payee_kind,
            "payee_id": payee_id, "currency": currency, "lines": lines,
            "totals": by_component, "total": total}


def rows(lines):
    """One row per (period, payee) of ``lines``, with its totals."""
    grouped = {}
    for line in lines:
        grouped.setdefault((line["period"], line["payee_kind"], line["payee_id"]),
                           []).append(line)
    found = []
    for (period, payee_kind, payee_id), own in grouped.items():
        currency = _currency(own)
        by_component, total = engine.totals(own, currency)
        found.append({"period": period, "payee_kind": payee_kind, "payee_id": payee_id,
                      "currency": currency, "line_count": len(own), "totals": by_component,
                      "total": total})
    return found


def page(rows, sort_text, cursor, limit):
    """``(items, next_cursor)``: the rows after ``cursor`` in ``sort_text`` order (a
    field, ``-`` for descending, ties broken by period and payee), at most ``limit``."""
    field, descending = sort_text.lstrip("-"), sort_text.startswith("-")
    ordered = sorted(rows, key=lambda row: statement_row_key(row, field), reverse=descending)
    if cursor is not None:
        last = decode_statement_cursor(cursor, sort_text)
        ordered = [row for row in ordered
                   if (statement_row_key(row, field) < last if descending
                       else statement_row_key(row, field) > last)]
    if len(ordered) <= limit:
        return ordered, None
    items = ordered[:limit]
    return items, encode_statement_cursor(sort_text, statement_row_key(items[-1], field))


# Free text a user typed (a deal's name) could start a formula in Excel; such a cell is
# prefixed with an apostrophe. Amounts are not text and keep their minus sign.
_TEXT_COLUMNS = {"payee_id", "opportunity_id", "deal_name", "source_event_id", "plan_name",
                 "plan_id", "sku", "category", "bonus", "note", "key"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(name, value):
    text = _text(value)
    if name in _TEXT_COLUMNS and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _text(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    if hasattr(value, "amount") and hasattr(value, "currency"):
        return str(value.amount)
    return str(value)


def csv_row(line):
    rule, deal = line.get("rule") or {}, line.get("deal") or {}
    tier, attainment = line.get("tier") or {}, line.get("attainment") or {}
    values = {
        **{name: line.get(name) for name in (
            "period", "adjusts_period", "payee_kind", "payee_id", "source_event_id", "base",
            "base_kind", "credited_base", "split_kind", "split_percent", "rate_percent",
            "portion", "amount", "currency", "note", "key", "seq")},
        "opportunity_id": deal.get("opportunity_id"), "deal_name": deal.get("name"),
        "won_at": deal.get("won_at"),
        **{name: rule.get(name) for name in ("component", "plan_name", "plan_id", "sku",
                                             "category", "bonus")},
        "tier_from_percent": tier.get("from_percent"), "tier_to_percent": tier.get("to_percent"),
        "attainment_from_percent": attainment.get("from_percent"),
        "attainment_to_percent": attainment.get("to_percent")}
    return [_cell(name, values[name]) for name in CSV_COLUMNS]


def csv_bytes(lines):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(csv_row(line))
    return buffer.getvalue().encode("utf-8-sig")
