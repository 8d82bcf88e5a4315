"""Settling a period: the engine's desired lines for each payee, written as deltas.

One path for everything that changes money: an event recomputes the payees it touches
in the period it lands in, a recompute job settles every payee of a period, the bench
drives the same code over a seeded database. Each payee is settled on its own:
``engine.compute`` (what is due) then ``engine.delta`` against every stored row computed
for that period (booked there or, as adjustments, later), and only the differences are
inserted. Re-running writes nothing.

A closed period is locked: its rows never change, and a late change to it is booked as
adjustment rows (``adjusts_period``) in the first open period after it.

Which plan: the assignment in effect on the period's last day, else the last one that
started in the period; a plan change therefore takes effect for whole periods (cumulative
attainment of a quota is per period and per plan).
"""
import logging

from sfa_common.periods import period_bounds

from . import engine
from .ledger_store import following_period, win_payees  # noqa: F401  (re-exported)
from .plan_store import payee_key
from .plans import Plan

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# What a stored row has that a row to write must not copy (a "no longer due" row is a
# copy of the key's last stored row).
_STORED_ONLY = ("_id", "created_at", "entry_number")


def split_payee(key):
    kind, _, payee_id = key.partition(":")
    return {"kind": kind, "id": payee_id}


def quota_map(targets):
    """``{payee key: Money}`` from the opportunities service's ``quota_targets``."""
    found = {}
    for target in targets or ():
        if target.get("owner_id"):
            found[payee_key("user", target["owner_id"])] = target["target"]
        elif target.get("partner_org_id"):
            found[payee_key("partner_org", target["partner_org_id"])] = target["target"]
    return found


def choose_assignment(assignments, last_day):
    """The assignment of a period: in effect on its last day, else the latest start."""
    if not assignments:
        return None
    in_effect = [item for item in assignments if item["effective_from"] <= last_day and (
        item["effective_to"] is None or item["effective_to"] >= last_day)]
    return max(in_effect or assignments, key=lambda item: item["effective_from"])


def net_by_key(rows):
    """One row per key carrying the sum of the key's stored amounts (and portions)."""
    netted = {}
    for row in sorted(rows, key=lambda row: (row["key"], row.get("seq", 0))):
        first = netted.get(row["key"])
        if first is None:
            netted[row["key"]] = dict(row)
        else:
            first["amount"] = first["amount"] + row["amount"]
            if row.get("portion") is not None and first.get("portion") is not None:
                first["portion"] = first["portion"] + row["portion"]
    return list(netted.values())


def _group(records, keys_of, pause, every=2000):
    """``{payee key: [record]}``, yielding to eventlet every ``every`` records."""
    grouped = {}
    for number, record in enumerate(records, start=1):
        for key in keys_of(record):
            grouped.setdefault(key, []).append(record)
        if number % every == 0:
            pause()
    return grouped


def _no_pause():
    return None


class Settlement:
    """The facts of one period, read once, and the settling of its payees."""

    def __init__(self, store, period_key, quota_targets, payee_keys=None, prepare=None,
                 pause=_no_pause):
        self.store = store
        self.key = period_key
        self.quotas = quota_map(quota_targets)
        first, last = (day.isoformat() for day in period_bounds(period_key))
        self.last_day = last
        wanted = None if payee_keys is None else set(payee_keys)
        prepare = prepare or (lambda win: win)
        self.wins = _group((prepare(win) for win in store.wins_of(period_key, wanted)),
                           lambda win: win["payee_keys"], pause)
        self.reversals = _group(store.reversals_in(period_key, wanted),
                                lambda win: win["payee_keys"], pause)
        self.existing = _group(store.lines_for(period_key, wanted),
                               lambda row: [row["payee_key"]], pause)
        everyone = set(self.wins) | set(self.reversals) | set(self.existing)
        self.payees = sorted(everyone if wanted is None else everyone & wanted)
        self.assignments = store.assignments_over(first, last, self.payees)
        plan_ids = [item["plan_id"] for items in self.assignments.values() for item in items]
        self.plans = {plan_id: Plan.from_document(plan)
                      for plan_id, plan in store.plans_by_id(plan_ids).items()}

    # -- what is due ----------------------------------------------------------------------

    def assignment_of(self, key):
        return choose_assignment(self.assignments.get(key), self.last_day)

    def quota_of(self, key, plan):
        target = self.quotas.get(key)
        return target if target is not None and target.currency == plan.currency else None

    def _clawbacks(self, key):
        found = []
        for win in self.reversals.get(key, ()):
            clawback = {"opportunity_id": win["opportunity_id"], "won_at": win["won_at"],
                        "reversed_at": win["reversed_at"],
                        "source_event_id": win.get("reversal_event_id")}
            if win["period"] != self.key:   # its lines were made in another period
                clawback["lines"] = net_by_key(
                    row for row in self.store.deal_lines(key, win["opportunity_id"],
                                                         win["won_at"])
                    if row["rule"]["component"] != "clawback")
            found.append(clawback)
        return found

    def desired(self, key):
        assignment = self.assignment_of(key)
        if assignment is None:
            return [], None
        plan = self.plans.get(assignment["plan_id"])
        if plan is None:
            return [], assignment
        lines = engine.compute(self.key, plan, split_payee(key), self.quota_of(key, plan),
                               self.wins.get(key, []), self._clawbacks(key))
        return lines, assignment

    # -- writing --------------------------------------------------------------------------

    def settle(self, key, booked_period, written_by=None):
        """Write the deltas that make ``key``'s stored lines of this period what is due,
        booked in ``booked_period`` (this one, or the first open one after it when it is
        closed); how many rows were written."""
        desired, assignment = self.desired(key)
        existing = self.existing.get(key, [])
        payee = split_payee(key)
        scope = {"owner_id": payee["id"] if payee["kind"] == "user" else None,
                 "partner_org_id": payee["id"] if payee["kind"] == "partner_org" else None,
                 "department_id": (assignment or {}).get("department_id")}
        written = 0
        for _attempt in range(MAX_ATTEMPTS):
            rows = [self._row(line, key, booked_period, scope, written_by)
                    for line in engine.delta(existing, desired)]
            next_entry = 1 + max((row["entry_number"] for row in existing), default=-1)
            count, collided = self.store.add_lines(rows, next_entry)
            written += count
            if not collided:
                return written
            # Another writer took some (key, seq): read the ledger again and retry.
            existing = self.store.lines_for(self.key, [key])
        raise RuntimeError(f"could not settle {key} in {self.key}: the ledger kept changing")

    def _row(self, line, key, booked_period, scope, written_by):
        department = scope["department_id"] or line.get("department_id")
        line = {name: value for name, value in line.items() if name not in _STORED_ONLY}
        return {**line, **scope, "department_id": department, "payee_key": key,
                "for_period": self.key, "period": booked_period,
                "adjusts_period": None if booked_period == self.key else self.key,
                "written_by": written_by}

    def booked_period(self):
        """Where this period's changes are booked now: itself while open, else the first
        open period after it."""
        period = self.store.ensure_period(self.key)
        if period["status"] == "open":
            return self.key
        return self.store.open_period_from(following_period(self.key))["key"]

