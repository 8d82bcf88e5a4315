"""Builders the commission service tests share: plans, event payloads as the
opportunities and quotes services dispatch them, and a fake opportunities service
that answers the period's quota targets."""
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from support import stored

# The relay's timer never fires during a test; tests run it with entrypoint_hook.
RELAY_SECONDS = 3600
# The empty scope: every record (what the "all" grant compiles to).
EVERYTHING = {}


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=UTC)


# Marginal tiers on attainment of the quota: 0-50 % at 5 %, 50-100 % at 10 %, above
# 100 % (the accelerator) at 15 %; clawed back within 30 days.
TIERED_REP_PLAN = {
    "name": "Reps 2026", "payee_kind": "rep", "currency": "CNY",
    "tiers": [{"from_percent": "0", "to_percent": "50", "rate_percent": "5"},
              {"from_percent": "50", "to_percent": "100", "rate_percent": "10"},
              {"from_percent": "100", "to_percent": None, "rate_percent": "15"}],
    "clawback_window_days": 30}

FLAT_PARTNER_PLAN = {"name": "Gold partners", "payee_kind": "partner", "currency": "CNY",
                     "rate_percent": "8", "clawback_window_days": 30}


class FakeOpportunities:
    """The opportunities service as commission calls it: quota targets per period."""

    def __init__(self):
        self.targets = {}

    def set_target(self, period, amount, owner_id=None, partner_org_id=None):
        self.targets.setdefault(period, []).append(
            {"owner_id": owner_id, "partner_org_id": partner_org_id, "target": cny(amount)})

    def quota_targets(self, period):
        return list(self.targets.get(period, []))


def won_event(opportunity_id, amount, closed_at, owner_id="u1", splits=None,
              partner_org_id=None, products=(), department_id="d1", event_id=None,
              name="Deal"):
    """An ``opportunities.opportunity_won`` payload (splits resolved: the owner takes
    100 % revenue when the deal names none)."""
    return {
        "event_id": event_id or uuid.uuid4().hex, "occurred_at": iso(closed_at),
        "opportunity_id": opportunity_id, "name": name, "account_id": "a1",
        "account_name": "Acme", "amount": cny(amount), "owner_id": owner_id,
        "department_id": department_id,
        "splits": splits if splits is not None else [
            {"user_id": owner_id, "kind": "revenue", "percent": "100"}],
        "partner_org_id": partner_org_id, "partner_user_id": None,
        "deal_registration_id": None, "products": list(products), "stage": "won",
        "closed_at": iso(closed_at), "previous_stage": None, "previous_closed_at": None,
        "lost_reason": None}


def reopened_event(won, reopened_at, event_id=None):
    """The ``opportunity_reopened`` payload of the deal ``won`` announced."""
    return {**won, "event_id": event_id or uuid.uuid4().hex, "occurred_at": iso(reopened_at),
            "stage": "negotiation", "closed_at": None, "previous_stage": "won",
            "previous_closed_at": won["closed_at"]}


def quote_accepted_event(opportunity_id, lines, accepted_at, event_id=None):
    total = sum(Decimal(line["net"]) for line in lines)
    return {
        "event_id": event_id or uuid.uuid4().hex, "occurred_at": iso(accepted_at),
        "quote_id": "q" + opportunity_id, "number": "Q-202611-0001", "version": 1,
        "opportunity_id": opportunity_id, "account_id": "a1", "owner_id": "u1",
        "department_id": "d1", "partner_org_id": None, "partner_user_id": None,
        "lines": [{"sku": line["sku"], "category": line.get("category"),
                   "quantity": "1", "net": cny(line["net"])} for line in lines],
        "totals": {"subtotal": cny(str(total))}, "accepted_by": "u1"}


def total_of(statement):
    return statement["total"]["amount"]


def ledger_rows(container):
    """How many ledger rows the service has stored (rows are kept in entries)."""
    return sum(len(entry["rows"]) for entry in stored(container, "ledger").find({}, {"rows": 1}))
