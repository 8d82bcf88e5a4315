"""The ledger's entrypoints, mixed into ``CommissionService``: the events that create
money (won, reopened, quote accepted), periods (close, recompute), statements, the CSV
export and the what-if preview. Thin: load, store the fact, settle (``settlement.py``
over the pure ``engine``), dump.

Uses the service's ``store`` (CommissionRepository), ``settings`` (CommissionSettings),
``opportunities`` (RpcProxy: the period's quota targets), ``background`` (Background)
and ``_publish``.

Events are at-least-once. Each handler first records its fact with the event id in one
conditional update (a redelivered event changes nothing there), then settles the
payees the fact touches, which writes deltas only: a redelivery, or a retry after a
failure between the two steps, settles to the same ledger. A malformed payload is
logged and dropped; any other failure retries the event, EVENT_MAX_ATTEMPTS times
before it is parked (``sfa_common.handlers``; the work is idempotent, so a retry is safe).
"""
import base64
import logging
from datetime import UTC, datetime, time

import eventlet
from marshmallow import EXCLUDE
from nameko.rpc import rpc

from sfa_common.clock import utcnow
from sfa_common.contracts.commission import (
    PAYEE_KINDS,
    PeriodCreateSchema,
    PeriodSchema,
    PreviewRequestSchema,
    PreviewSchema,
    RecomputeJobSchema,
    StatementQuerySchema,
    StatementRowPageSchema,
    StatementSchema,
)
from sfa_common.contracts.opportunities import OpportunityEventSchema
from sfa_common.contracts.quotes import QuoteAcceptedEventSchema
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.handlers import event_handler
from sfa_common.money import Money
from sfa_common.periods import is_period_key, period_bounds
from sfa_common.schemas import UTCDateTime
from sfa_common.scope import scoped
from sfa_common.service import load, record_id

from . import engine, statements
from .ledger_store import period_of
from .plan_store import payee_key
from .plans import Plan
from .settlement import Settlement, choose_assignment, quota_map

log = logging.getLogger(__name__)

WON = "won"


def _event(schema, payload):
    """The loaded event, or None (logged) when it is malformed: redelivering a payload
    that cannot be read would only fail again."""
    try:
        event = load(schema, payload, unknown=EXCLUDE)
    except ValidationFailed as error:
        log.error("dropped a malformed event: %s %s", error, error.details)
        return None
    if not event.get("event_id") or not event.get("opportunity_id"):
        log.error("dropped an event without event_id/opportunity_id: %r", payload)
        return None
    return event


def _occurred_at(event):
    return UTCDateTime().deserialize(event["occurred_at"])


def _period_key(key):
    if not is_period_key(key):
        raise NotFound(f"No period {key!r}.")
    return key


def _win(event, won_at):
    """The win as the engine reads it (``WinSchema``), plus where it is filed."""
    win = {"opportunity_id": event["opportunity_id"], "name": event.get("name") or "",
           "won_at": won_at, "amount": event["amount"],
           "owner_id": event.get("owner_id"), "department_id": event.get("department_id"),
           "splits": event.get("splits") or [], "partner_org_id": event.get("partner_org_id"),
           "products": event.get("products") or [], "quote_id": None}
    return win


def _with_quote(win):
    """A win whose deal carried no products takes its accepted quote's lines (the
    quote never adds money: the won event already carries the quote's total)."""
    quote = win.get("quote")
    if quote is None:
        return win
    products = win.get("products") or [
        {"product_id": None, "sku": line["sku"], "category": line.get("category"),
         "quantity": line.get("quantity"), "amount": line["net"], "cost": None}
        for line in quote.get("lines") or ()]
    return {**win, "products": products, "quote_id": quote.get("quote_id")}


class LedgerEntrypoints:

    # -- settling -------------------------------------------------------------------------

    def _quota_targets(self, period):
        targets = self.opportunities.quota_targets(period)
        return [{**target, "target": Money(target["target"]["amount"],
                                           target["target"]["currency"])}
                for target in targets]

    def _settle(self, period, payee_keys, written_by):
        """Settle ``payee_keys`` in ``period`` now (booked in the first open period from
        it); rows written."""
        if not payee_keys:
            return 0
        settlement = Settlement(self.store, period, self._quota_targets(period), payee_keys,
                                prepare=_with_quote)
        booked = settlement.booked_period()
        return sum(settlement.settle(key, booked, written_by) for key in settlement.payees)

    # -- events ---------------------------------------------------------------------------

    @event_handler("opportunities", "opportunity_won")
    def on_opportunity_won(self, payload):
        """A won deal: filed by ``won_at`` (its ``closed_at``), then its period settled
        for every payee it credits."""
        event = _event(OpportunityEventSchema(), payload)
        if event is None or event.get("amount") is None:
            return None
        won_at = event.get("closed_at") or _occurred_at(event)
        win, _new = self.store.record_win(_win(event, won_at), event["event_id"])
        return self._settle(win["period"], win["payee_keys"], event["event_id"])

    @event_handler("opportunities", "opportunity_reopened")
    def on_opportunity_reopened(self, payload):
        """A won deal reopened: its win is reversed now; the engine claws its lines back
        in the period of the reversal when that is inside the plan's clawback window."""
        event = _event(OpportunityEventSchema(), payload)
        if event is None or event.get("previous_stage") != WON:
            return None   # a lost deal reopened paid nothing
        won_at = event.get("previous_closed_at")
        if won_at is None:
            log.error("dropped a reopened event without previous_closed_at: %r", payload)
            return None
        reversed_at = _occurred_at(event)
        win, _new = self.store.record_reversal(
            event["opportunity_id"], won_at,
            {"reversed_at": reversed_at, "reversal_period": period_of(reversed_at),
             "reversal_event_id": event["event_id"]}, event["event_id"])
        if win.get("amount") is None:
            return 0      # the win itself has not arrived yet; its event settles both
        return self._settle(win["reversal_period"], win["payee_keys"], event["event_id"])

    @event_handler("quotes", "quote_accepted")
    def on_quote_accepted(self, payload):
        """Attach the accepted quote's lines to its deal's win (product and category
        rates read them). It never adds money by itself: accepting the quote won the
        deal with the quote's total, and that ``opportunity_won`` carries the amount."""
        event = _event(QuoteAcceptedEventSchema(), payload)
        if event is None:
            return None
        quote = {"quote_id": event.get("quote_id"), "number": event.get("number"),
                 "version": event.get("version"),
                 "lines": [{"sku": line["sku"], "category": line.get("category"),
                            "quantity": line.get("quantity"), "net": line["net"]}
                           for line in event.get("lines") or ()]}
        win, _new = self.store.attach_quote(event["opportunity_id"], quote, event["event_id"])
        if win is None or win.get("amount") is None:
            return 0
        return self._settle(win["period"], win["payee_keys"], event["event_id"])

    # -- periods --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_period(self, payload):
        key = load(PeriodCreateSchema(), payload)["key"]
        return PeriodSchema().dump(self.store.add_period(key, *period_bounds(key)))

    def _period(self, key):
        # A malformed key names no period, exactly like a missing one; checking the
        # type also keeps a query operator ({"$ne": null}) out of the filter.
        period = self.store.find_period(key) if is_period_key(key) else None
        if period is None:
            raise NotFound(f"No period {key!r}.")
        return period

    @rpc(expected_exceptions=EXPECTED)
    def get_period(self, key):
        return PeriodSchema().dump(self._period(key))

    @rpc(expected_exceptions=EXPECTED)
    def list_periods(self):
        return PeriodSchema(many=True).dump(self.store.list_periods())

    @rpc(expected_exceptions=EXPECTED)
    def close_period(self, key, actor_id=None):
        """Close (lock) an open period and dispatch ``period_closed``. Its lines never
        change again: a later change is an adjustment in the next open period."""
        period = self._period(key)
        if period["status"] != "open":
            message = f"The period {key} is {period['status']}."
            raise Conflict(message, {"status": [message]})
        closed, event = self.store.close_period(key, actor_id, utcnow())
        if closed is None:
            current = self._period(key)
            message = f"The period {key} is {current['status']}."
            raise Conflict(message, {"status": [message]})
        self._publish("periods", closed["_id"], event)
        return PeriodSchema().dump(closed)

    @rpc(expected_exceptions=EXPECTED)
    def recompute_period(self, key, actor_id=None):
        """Start recomputing an open period for every payee (in the background; answers
        the running job at once, progress: ``get_recompute``). Writes deltas only, so a
        second run writes nothing."""
        period = self._period(key)
        if period["status"] != "open":
            message = f"The period {key} is {period['status']}; a closed period is locked."
            raise Conflict(message, {"status": [message]})
        targets = self._quota_targets(key)
        job = self.store.add_job({"period": key, "actor_id": actor_id})
        self.background(str(job["_id"]), run_recompute, self.store, job["_id"], key, targets,
                        self.settings.recompute_chunk)
        return RecomputeJobSchema().dump(job)

    @rpc(expected_exceptions=EXPECTED)
    def get_recompute(self, job_id):
        job = self.store.find_job(record_id(job_id, "recompute"))
        if job is None:
            raise NotFound(f"No recompute {job_id!r}.")
        return RecomputeJobSchema().dump(job)

    # -- statements -----------------------------------------------------------------------

    def _statement_lines(self, period, payee_kind, payee_id, scope):
        query = {"period": _period_key(period)}
        if payee_kind is not None or payee_id is not None:
            if payee_kind not in PAYEE_KINDS or not isinstance(payee_id, str):
                raise NotFound(f"No statement for {payee_kind!r} {payee_id!r}.")
            query.update(payee_kind=payee_kind, payee_id=payee_id)
        return self.store.statement_lines(query, scoped({}, scope))

    @rpc(expected_exceptions=EXPECTED)
    def get_statement(self, period, payee_kind, payee_id, scope):
        """One payee's lines in one period (booked there, adjustments included) with
        totals by component. None inside ``scope``: NotFound."""
        lines = self._statement_lines(period, payee_kind, payee_id, scope)
        found = self.store.find_period(period)
        if found is None or (not lines and self.store.has_lines(
                period, payee_key(payee_kind, payee_id))):
            # No period, or lines that are all outside the scope: the same 404.
            raise NotFound(f"No statement for {payee_kind} {payee_id} in {period}.")
        # No lines yet (nothing won, or the period not recomputed): an empty statement
        # in the currency of the payee's plan. The gateway answers it only for a payee
        # the caller may read.
        currency = None if lines else self._plan_currency(period, payee_kind, payee_id)
        return StatementSchema().dump(statements.statement(
            period, found["status"], payee_kind, payee_id, lines, currency))

    def _plan_currency(self, period, payee_kind, payee_id):
        plan = self._assigned_plan(period, payee_key(payee_kind, payee_id))
        return plan["currency"] if plan else None

    def _assigned_plan(self, period, key):
        """The plan assigned to payee ``key`` for ``period``, or None."""
        first, last = (day.isoformat() for day in period_bounds(period))
        assignment = choose_assignment(
            self.store.assignments_over(first, last, [key]).get(key), last)
        return assignment and self.store.find_plan(record_id(assignment["plan_id"], "plan"))

    @rpc(expected_exceptions=EXPECTED)
    def list_statements(self, query, scope):
        """One row per payee per period inside ``scope``, with totals."""
        wanted = load(StatementQuerySchema(), {} if query is None else query)
        filters = {name: wanted[name] for name in ("period", "payee_kind", "payee_id")
                   if wanted[name] is not None}
        rows = statements.rows(self.store.statement_lines(filters, scoped({}, scope)))
        items, next_cursor = statements.page(rows, wanted["sort"], wanted["cursor"],
                                             wanted["limit"])
        return StatementRowPageSchema().dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def export_statement_csv(self, period, payee_kind, payee_id, scope):
        """The lines of one payee's statement (or, without a payee, every statement of
        the period inside ``scope``) as CSV for Excel: UTF-8 with a BOM, one row per
        ledger line with every column that explains it."""
        lines = self._statement_lines(period, payee_kind, payee_id, scope)
        if not lines and payee_kind is not None:
            raise NotFound(f"No statement for {payee_kind} {payee_id} in {period}.")
        content = statements.csv_bytes(lines)
        suffix = "" if payee_kind is None else f"-{payee_kind}-{payee_id}"
        return {"file_name": f"commission-{period}{suffix}.csv",
                "content_type": "text/csv; charset=utf-8",
                "content_base64": base64.b64encode(content).decode("ascii")}

    # -- what if --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def preview_deal(self, request):
        """What a hypothetical deal would pay a payee in a period, on top of their
        current wins there, under ``plan_id`` or the plan assigned to them. Nothing is
        stored."""
        wanted = load(PreviewRequestSchema(), request)
        key = payee_key(wanted["payee_kind"], wanted["payee_id"])
        period = wanted["period"]
        if wanted["plan_id"] is not None:
            plan = self.store.find_plan(wanted["plan_id"])
            if plan is None:
                raise ValidationFailed("No such plan.", {"plan_id": ["No such plan."]})
        else:
            plan = self._assigned_plan(period, key)
            if plan is None:
                message = "The payee has no plan in this period; name a plan_id."
                raise ValidationFailed(message, {"plan_id": [message]})
        plan = Plan.from_document(plan)
        target = quota_map(self._quota_targets(period)).get(key)
        if target is not None and target.currency != plan.currency:
            target = None
        deal = dict(wanted["deal"])
        if deal.get("won_at") is None:
            deal["won_at"] = utcnow() if period_of(utcnow()) == period else \
                _last_instant(period)
        wins = [_with_quote(win) for win in self.store.wins_of(period, [key])]
        payee = {"kind": wanted["payee_kind"], "id": wanted["payee_id"]}
        outcome = engine.preview(period, plan, payee, target, wins, deal)
        return PreviewSchema().dump({**outcome, "period": period, "plan_id": plan.id,
                                     "payee_kind": wanted["payee_kind"],
                                     "payee_id": wanted["payee_id"], "quota_target": target})


def _last_instant(period):
    return datetime.combine(period_bounds(period)[1], time(23, 59, 59), tzinfo=UTC)


def run_recompute(store, job_id, period, quota_targets, chunk, pause=None):
    """Recompute ``period`` for every payee, ``chunk`` payees between two yields to
    eventlet, recording progress on the job. Never raises: a thread the container
    manages must not, so an unexpected failure marks the job failed."""
    pause = pause or (lambda: eventlet.sleep(0))
    try:
        settlement = Settlement(store, period, quota_targets, prepare=_with_quote, pause=pause)
        store.record_job(job_id, {"payees_total": len(settlement.payees)})
        for start in range(0, len(settlement.payees), chunk):
            # Checked every chunk: closed meanwhile, the rest lands as adjustments.
            booked = settlement.booked_period()
            written = sum(settlement.settle(key, booked, f"recompute:{job_id}")
                          for key in settlement.payees[start:start + chunk])
            store.record_job(job_id, increments={
                "payees_done": len(settlement.payees[start:start + chunk]),
                "lines_written": written})
            pause()   # let the AMQP heartbeat and other workers run
        store.record_job(job_id, {"status": "done", "finished_at": utcnow()})
    except Exception as error:
        log.exception("recompute %s of %s failed", job_id, period)
        store.record_job(job_id, {"status": "failed", "finished_at": utcnow(),
                                  "error": f"The recompute stopped: {error}"})
