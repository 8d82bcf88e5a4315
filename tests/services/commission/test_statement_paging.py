"""Statement rows are computed from the ledger, so their pages are cut in memory: every
row exactly once across pages, in either direction, with a cursor that names the
sort it was issued for (pure)."""
import pytest

from commission.statements import page
from sfa_common.contracts.commission import StatementQuerySchema, encode_statement_cursor


def row(period, payee_id, kind="user"):
    return {"period": period, "payee_kind": kind, "payee_id": payee_id}


ROWS = [row(period, payee) for period in ("2026-10", "2026-11", "2026-12")
        for payee in ("u1", "u2", "u3")] + [row("2026-11", "u1", kind="partner_org")]


@pytest.mark.parametrize("sort", ["period", "-period", "payee_id", "-payee_id"])
def test_pages_hold_every_row_once_in_order(sort):
    seen, cursor = [], None
    while True:
        items, cursor = page(ROWS, sort, cursor, 3)
        assert len(items) <= 3
        seen.extend(items)
        if cursor is None:
            break
    assert sorted(map(str, seen)) == sorted(map(str, ROWS))
    field = sort.lstrip("-")
    values = [item[field] for item in seen]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_one_page_has_no_cursor():
    assert page(ROWS, "period", None, 50) == (sorted(
        ROWS, key=lambda r: (r["period"], r["period"], r["payee_kind"], r["payee_id"])), None)


def test_a_cursor_of_another_sort_is_refused_naming_it():
    cursor = encode_statement_cursor("period", ("2026-11", "2026-11", "user", "u1"))
    assert StatementQuerySchema().validate({"sort": "period", "cursor": cursor}) == {}
    assert "cursor" in StatementQuerySchema().validate({"sort": "-period", "cursor": cursor})
    assert "cursor" in StatementQuerySchema().validate({"cursor": "not-a-cursor"})
