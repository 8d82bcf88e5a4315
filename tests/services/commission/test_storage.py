"""The stored forms of ledger rows and wins: exact round trips, entries that split where
they must, and a refusal instead of a silently rounded amount."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from commission.storage import (
    ENTRY_ROWS,
    LedgerRowError,
    decode_entries,
    decode_win,
    encode_entries,
    encode_win,
)
from sfa_common.money import Money

WON_AT = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def row(seq=0, department="d1", amount="123.45", **changes):
    return {
        "key": f"user:u1|o1@x|revenue|tier|{seq}", "seq": seq, "payee_key": "user:u1",
        "payee_kind": "user", "payee_id": "u1", "period": "2026-11", "for_period": "2026-11",
        "adjusts_period": None, "owner_id": "u1", "department_id": department,
        "partner_org_id": None, "written_by": "recompute:1",
        "deal": {"opportunity_id": "o1", "name": "商机", "won_at": WON_AT},
        "source_event_id": "e1", "base": Money(Decimal("4000.00"), "CNY"), "base_kind": "amount",
        "credited_base": Money(Decimal("2400"), "CNY"),
        "rule": {"plan_id": "p", "plan_name": "计划", "component": "tier", "sku": None,
                 "category": None, "bonus": None, "reverses": None},
        "tier": {"from_percent": Decimal("100"), "to_percent": None},
        "attainment": {"from_percent": Decimal("87.5"), "to_percent": Decimal("112.25")},
        "rate_percent": Decimal("7.5"), "split_kind": "revenue",
        "split_percent": Decimal("60"), "portion": Money(Decimal("-1646.00"), "CNY"),
        "amount": Money(Decimal(amount), "CNY"), "currency": "CNY", "note": None, **changes}


def test_a_row_comes_back_as_it_went_in_with_its_id_and_entry():
    original = row()
    [entry] = encode_entries([original], 3, NOW)
    assert entry["_id"] == "2026-11|user:u1#3"
    assert entry["rows"][0]["amount"] == 12345 and entry["rows"][0]["portion"] == -164600
    assert (entry["rules"], entry["rows"][0]["rule"]) == ([original["rule"]], 0)
    [back] = decode_entries([entry])
    assert back == {**original, "_id": f"{original['key']}#0", "created_at": NOW,
                    "entry_number": 3}


def test_money_in_another_currency_keeps_it():
    original = row(base=Money(Decimal("99.5"), "USD"),
                   credited_base=Money(Decimal("0"), "USD"))
    [back] = decode_entries(encode_entries([original], 0, NOW))
    assert (back["base"], back["credited_base"]) == (Money(Decimal("99.50"), "USD"),
                                                     Money(Decimal("0"), "USD"))


def test_an_amount_finer_than_the_minor_unit_is_refused_not_rounded():
    with pytest.raises(LedgerRowError, match="amount"):
        encode_entries([row(amount="1.005")], 0, NOW)


def test_entries_split_by_department_and_size_and_number_on():
    rows = ([row(seq=n, department="d1") for n in range(ENTRY_ROWS + 1)]
            + [row(seq=n, department=None) for n in range(2)])
    entries = encode_entries(rows, 5, NOW)
    assert [(entry["number"], entry["department_id"], len(entry["rows"]))
            for entry in entries] == [(5, "d1", ENTRY_ROWS), (6, "d1", 1), (7, None, 2)]
    assert [back["seq"] for back in decode_entries(entries)] == [row["seq"] for row in rows]
    bonus = row(seq=9, rule={**rows[0]["rule"], "component": "bonus", "bonus": "SPIFF"})
    [entry] = encode_entries([rows[0], bonus, rows[1]], 0, NOW)
    assert [stored["rule"] for stored in entry["rows"]] == [0, 1, 0]
    assert [back["rule"] for back in decode_entries([entry])] == [
        rows[0]["rule"], bonus["rule"], rows[1]["rule"]]


def test_a_win_comes_back_as_it_went_in():
    win = {"opportunity_id": "o1", "won_at": WON_AT, "amount": Money(Decimal("100.1234"), "CNY"),
           "splits": [{"user_id": "u1", "kind": "revenue", "percent": Decimal("33.33")}],
           "products": [{"sku": "A", "quantity": Decimal("1.5"), "cost": None,
                         "amount": Money(Decimal("100.1234"), "CNY")}],
           "quote": {"quote_id": "q", "lines": [{"amount": Money(Decimal("1"), "CNY")}]}}
    stored = encode_win(win)
    assert stored["amount"] == {"amount": "100.1234", "currency": "CNY"}
    assert decode_win(stored) == win
    bare = {"opportunity_id": "o1", "reversed_at": WON_AT}
    assert decode_win(encode_win(bare)) == bare
