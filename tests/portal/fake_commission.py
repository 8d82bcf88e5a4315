"""The fake gateway's commission statements, in memory, as the real gateway answers a
partner (gateway/api/commission.py, gateway/views.py):

- statements for partner admins only: a partner rep holds no statement grant (403 on
  the list, 404 on one statement, like any record it may not read);
- scoped to the admin's organisation and to partner payees (``payee_kind`` is the
  gateway's to set: a partner naming it gets a 400 that names it); a statement of
  another organisation, or of a rep, is 404 like a missing one;
- rows and statements dumped with the contract schemas (``StatementRowSchema``,
  ``StatementSchema`` with the partner line view: no ``owner_id``/``department_id``),
  newest period first, paged by an offset cursor (the real one is opaque too);
- the CSV export as the gateway sends it: ``text/csv; charset=utf-8``, a UTF-8 BOM,
  ``Content-Disposition: attachment; filename="..."``, in several chunks.
"""
from datetime import datetime
from decimal import Decimal

from fake_http import answer, problem
from fake_sales import PartnerInput, invalid, loaded, not_found
from flask import Response, request
from marshmallow import fields

from sfa_common.contracts.commission import (
    LedgerLineSchema,
    StatementQuerySchema,
    StatementRowSchema,
    StatementSchema,
)
from sfa_common.money import Money

PARTNER_PAYEE = "partner_org"
BOM = "\ufeff"


class PartnerStatementQuerySchema(PartnerInput, StatementQuerySchema):
    class Meta(StatementQuerySchema.Meta):
        exclude = ("payee_kind",)


class PartnerLedgerLineSchema(LedgerLineSchema):
    class Meta(LedgerLineSchema.Meta):
        exclude = ("owner_id", "department_id")


class PartnerStatementSchema(StatementSchema):
    lines = fields.List(fields.Nested(PartnerLedgerLineSchema))


def line(deal, amount, component="tier", base="100000.00", rate="5", tier=("0", "100"),
         split="100", currency="CNY", won_at="2026-11-10T08:00:00+00:00", **extra):
    """A ledger line paying ``amount`` on ``deal`` (its name), explaining itself."""
    money = lambda value: Money(Decimal(value), currency)  # noqa: E731
    return {"key": f"{deal}|{component}|{tier and tier[0]}", "seq": 1,
            "deal": {"opportunity_id": f"opp-{deal}", "name": deal,
                     "won_at": datetime.fromisoformat(won_at)},
            "source_event_id": f"evt-{deal}", "base": money(base), "base_kind": "amount",
            "credited_base": money(base),
            "rule": {"plan_id": "plan-1", "plan_name": "金牌伙伴佣金 2026",
                     "component": component},
            "tier": None if tier is None else {"from_percent": tier[0], "to_percent": tier[1]},
            "attainment": None, "rate_percent": rate, "split_kind": "partner",
            "split_percent": split, "portion": money(base), "amount": money(amount),
            "currency": currency, "note": None, "owner_id": "internal-rep",
            "department_id": "internal-dept", **extra}


class CommissionRecords:
    """Tests seed with ``add_statement(org_id, period, lines, period_status)`` and read
    ``statements`` ((period, org id) -> statement); ``csv_chunks`` is how many pieces a
    CSV answer comes in."""

    def __init__(self, users):
        self.users = users
        self.statements = {}
        self.csv_chunks = 3

    def add_statement(self, org_id, period, lines, period_status="open"):
        currency = lines[0]["currency"] if lines else "CNY"
        totals = {}
        for entry in lines:
            component = entry["rule"]["component"]
            totals[component] = totals.get(component, Decimal(0)) + entry["amount"].amount
        total = sum(totals.values(), Decimal(0))
        self.statements[(period, org_id)] = {
            "period": period, "period_status": period_status, "payee_kind": PARTNER_PAYEE,
            "payee_id": org_id, "currency": currency, "lines": lines,
            "totals": {name: Money(value, currency) for name, value in totals.items()},
            "total": Money(total, currency), "line_count": len(lines)}

    def register(self, app, answering):
        routes = [
            ("/api/v1/commission/statements", self._list, ["GET"]),
            ("/api/v1/commission/statements/<period>/<payee_kind>/<payee_id>", self._one,
             ["GET"]),
            ("/api/v1/commission/statements/<period>/<payee_kind>/<payee_id>/csv", self._csv,
             ["GET"]),
        ]
        for rule, view, methods in routes:
            app.add_url_rule(rule, endpoint=f"commission{view.__name__}",
                             view_func=answering(view), methods=methods)

    @staticmethod
    def _admin(user):
        return "partner_admin" in user.roles

    def _list(self, user):
        if not self._admin(user):
            return problem(403, "Forbidden", "You may not read commission statement records.")
        query = loaded(PartnerStatementQuerySchema(), request.args.to_dict())
        org = user.partner_org["id"]
        rows = sorted((s for (period, payee), s in self.statements.items()
                       if payee == org and query.get("period") in (None, period)),
                      key=lambda s: s["period"], reverse=True)
        start = int(query.get("cursor") or 0) if (query.get("cursor") or "0").isdigit() \
            else None
        if start is None:
            raise invalid({"cursor": ["Not a cursor of this list."]})
        end = start + query["limit"]
        return answer({"items": StatementRowSchema(many=True).dump(rows[start:end]),
                       "next_cursor": str(end) if end < len(rows) else None})

    def _visible(self, user, period, payee_kind, payee_id):
        record = self.statements.get((period, payee_id))
        if (not self._admin(user) or payee_kind != PARTNER_PAYEE or record is None
                or payee_id != user.partner_org["id"]):
            raise not_found()
        return record

    def _one(self, user, period, payee_kind, payee_id):
        record = self._visible(user, period, payee_kind, payee_id)
        return answer(PartnerStatementSchema().dump(record))

    def _csv(self, user, period, payee_kind, payee_id):
        record = self._visible(user, period, payee_kind, payee_id)
        rows = ["period,deal,component,tier_from,tier_to,rate_percent,split_percent,"
                "portion,amount,currency"]
        for entry in record["lines"]:
            tier = entry["tier"] or {}
            rows.append(",".join(str(value) for value in (
                period, entry["deal"]["name"], entry["rule"]["component"],
                tier.get("from_percent", ""), tier.get("to_percent") or "",
                entry["rate_percent"] or "", entry["split_percent"],
                entry["portion"].amount, entry["amount"].amount, entry["currency"])))
        content = (BOM + "\r\n".join(rows) + "\r\n").encode("utf-8")
        size = max(1, -(-len(content) // self.csv_chunks))
        pieces = [content[at:at + size] for at in range(0, len(content), size)]
        return Response(iter(pieces), mimetype="text/csv", headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="commission-{period}.csv"'})
