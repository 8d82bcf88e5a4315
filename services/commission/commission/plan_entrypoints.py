"""Commission plans and their assignments: the entrypoints mixed into
``CommissionService``. Thin: validate (the contract's schemas and ``check_plan``, the
engine's ``validate_plan``), store.

Plans and assignments belong to sales operations as a whole, not to a rep or a
partner, so they take no data scope (the gateway decides who may call at all, and
checks that an assignment's payee exists in its identity store).
"""
from datetime import date, datetime

from nameko.rpc import rpc

from sfa_common.contracts.commission import (
    PAYEE_KIND_OF_PLAN,
    AssignmentCreateSchema,
    AssignmentPageSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    PlanCreateSchema,
    PlanPageSchema,
    PlanQuerySchema,
    PlanSchema,
    PlanUpdateSchema,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.service import load, record_id

from .plan_store import as_day
from .plans import validate_plan

PLAN_FIELDS = tuple(PlanCreateSchema().fields)


def _plan_dump(plan):
    return PlanSchema().dump(plan)


def _assignment_record(assignment, plan_names):
    return {
        **assignment, "_id": assignment["id"],
        "effective_from": date.fromisoformat(assignment["effective_from"]),
        "effective_to": (None if assignment["effective_to"] is None
                         else date.fromisoformat(assignment["effective_to"])),
        "plan_name": plan_names.get(assignment["plan_id"])}


def _overlapping(assignments, wanted_from, wanted_to):
    """The assignment ``wanted_from..wanted_to`` (ISO days, None = open) overlaps."""
    for item in assignments:
        ends_before = wanted_to is not None and wanted_to < item["effective_from"]
        starts_after = item["effective_to"] is not None and wanted_from > item["effective_to"]
        if not (ends_before or starts_after):
            return item
    return None


class PlanEntrypoints:

    # -- plans ----------------------------------------------------------------------------

    def _plan(self, plan_id):
        plan = self.store.find_plan(record_id(plan_id, "plan"))
        if plan is None:
            raise NotFound(f"No plan {plan_id!r}.")
        return plan

    @rpc(expected_exceptions=EXPECTED)
    def create_plan(self, payload, actor_id=None):
        """A commission plan; one whose tiers overlap or leave a gap is refused naming
        ``tiers`` and nothing is saved."""
        plan = load(PlanCreateSchema(), payload)
        validate_plan(plan)
        return _plan_dump(self.store.add_plan(plan, actor_id))

    @rpc(expected_exceptions=EXPECTED)
    def get_plan(self, plan_id):
        return _plan_dump(self._plan(plan_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_plans(self, query=None):
        """Plans, by name (``payee_kind`` filters); every plan on one page (sales ops
        keep a handful)."""
        wanted = load(PlanQuerySchema(), {} if query is None else query)
        plans = self.store.list_plans(wanted["payee_kind"])
        descending = wanted["sort"].startswith("-")
        field = wanted["sort"].lstrip("-")
        plans.sort(key=lambda plan: (plan[field], str(plan["_id"])), reverse=descending)
        return PlanPageSchema().dump({"items": plans[:wanted["limit"]], "next_cursor": None})

    @rpc(expected_exceptions=EXPECTED)
    def update_plan(self, plan_id, changes, actor_id=None):
        """Change a plan; the merged plan is checked in full. The change pays from the
        next recompute of an open period on (closed periods are locked)."""
        changes = load(PlanUpdateSchema(), changes)
        plan = self._plan(plan_id)
        merged = {name: plan.get(name) for name in PLAN_FIELDS}
        merged.update(changes)
        if changes.get("tiers"):
            merged["rate_percent"] = changes.get("rate_percent")
        elif changes.get("rate_percent") is not None:
            merged["tiers"] = None
        validate_plan(merged)
        written = self.store.replace_plan(plan, merged, actor_id)
        if written is None:
            message = "The plan changed meanwhile; reload it and try again."
            raise Conflict(message, {"revision": [message]})
        return _plan_dump(written)

    # -- assignments ------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def assign_plan(self, payload, actor_id=None, department_id=None):
        """Assign a plan to a rep (``user``) or a partner organisation from
        ``effective_from`` to ``effective_to`` (inclusive; None: open-ended). The plan's
        payee kind must fit; one payee's assignments never overlap. ``department_id``:
        the rep's main department, stamped by the gateway (the ledger lines carry it for
        the department scope)."""
        wanted = load(AssignmentCreateSchema(), payload)
        plan = self.store.find_plan(wanted["plan_id"])
        if plan is None:
            raise ValidationFailed("No such plan.", {"plan_id": ["No such plan."]})
        if PAYEE_KIND_OF_PLAN[plan["payee_kind"]] != wanted["payee_kind"]:
            message = (f"The plan is for a {plan['payee_kind']}; it cannot be assigned to a "
                       f"{wanted['payee_kind']}.")
            raise ValidationFailed(message, {"payee_kind": [message]})
        assignment = {**wanted, "plan_id": str(wanted["plan_id"]), "created_by": actor_id,
                      "department_id": department_id if isinstance(department_id, str)
                      else None}
        start, end = as_day(wanted["effective_from"]), as_day(wanted["effective_to"])
        revision, existing = self.store.payee_assignments(wanted["payee_kind"],
                                                          wanted["payee_id"])
        clash = _overlapping(existing, start, end)
        if clash is None:
            written = self.store.add_assignment(revision, assignment)
            if written is not None:
                return AssignmentSchema().dump(
                    _assignment_record(written, {written["plan_id"]: plan["name"]}))
            message = "The payee's assignments changed meanwhile; reload and try again."
            raise Conflict(message, {"effective_from": [message]})
        message = (f"Overlaps the assignment from {clash['effective_from']} to "
                   f"{clash['effective_to'] or 'open end'}.")
        raise Conflict(message, {"effective_from": [message]})

    @rpc(expected_exceptions=EXPECTED)
    def list_assignments(self, query=None):
        """Assignments (filters: ``plan_id``, ``payee_kind``, ``payee_id``, ``on`` a day)."""
        wanted = load(AssignmentQuerySchema(), {} if query is None else query)
        items = self.store.list_assignments(wanted["payee_kind"], wanted["payee_id"],
                                            wanted["plan_id"])
        if wanted["on"] is not None:
            day = as_day(wanted["on"])
            items = [item for item in items if item["effective_from"] <= day and (
                item["effective_to"] is None or item["effective_to"] >= day)]
        field = wanted["sort"].lstrip("-")
        items.sort(key=lambda item: (_sortable(item[field]), item["id"]),
                   reverse=wanted["sort"].startswith("-"))
        names = {plan_id: plan["name"] for plan_id, plan in
                 self.store.plans_by_id([item["plan_id"] for item in items]).items()}
        return AssignmentPageSchema().dump({
            "items": [_assignment_record(item, names) for item in items[:wanted["limit"]]],
            "next_cursor": None})


def _sortable(value):
    return value.isoformat() if isinstance(value, datetime) else value
