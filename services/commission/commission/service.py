"""The commission nameko service: plans and assignments (``plan_entrypoints.py``) and
the ledger — events, periods, recomputes, statements, preview (``ledger_entrypoints.py``)
— composed here with the dependencies they share. The maths is the pure ``engine``.

Periods, plans and assignments belong to sales operations as a whole, so they take no
data scope (the gateway decides who may call at all). Statements take the scope the
gateway compiled over the lines' ``owner_id`` (the rep paid), ``department_id`` and
``partner_org_id`` (the partner organisation paid); outside it is NotFound.
"""
import logging

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy

from sfa_common import service as common
from sfa_common.clock import utcnow
from sfa_common.events import overdue_cutoff
from sfa_common.mongo import Mongo
from sfa_common.ops import Ops
from sfa_common.service import Background, relay_timer

from . import ledger_entrypoints, plan_entrypoints
from .dependencies import CommissionRepository, Settings

log = logging.getLogger(__name__)


# Mixins through their modules (common.HealthMixin, plan_entrypoints.PlanEntrypoints):
# `nameko run commission.service` tries to run every top-level class with an entrypoint,
# and each mixin has some.
class CommissionService(common.HealthMixin, plan_entrypoints.PlanEntrypoints,
                        ledger_entrypoints.LedgerEntrypoints):
    name = "commission"

    store = Mongo(CommissionRepository)
    settings = Settings()
    opportunities = RpcProxy("opportunities")
    dispatch = EventDispatcher()
    ops = Ops()
    background = Background()

    def _publish(self, collection, record_id, event):
        """Dispatch an event a write queued, then take it off the record's outbox. The
        write has happened, so a failed dispatch does not fail the call: the event stays
        queued and the relay sends it."""
        try:
            self.dispatch(event["event_type"], event["payload"])
        except Exception:
            log.warning("event %s (%s) left in the outbox for the relay", event["event_id"],
                        event["event_type"], exc_info=True)
            return
        self.store.clear_event(collection, record_id, event["event_id"])

    @relay_timer
    def relay_outbox(self):
        """Send again every event queued longer than the relay interval; ids unchanged,
        so listeners deduplicate."""
        sent = 0
        cutoff = overdue_cutoff(utcnow(), self.settings.relay_seconds)
        for collection, record_id, event in self.store.overdue_events(cutoff):
            self.dispatch(event["event_type"], event["payload"])
            self.store.clear_event(collection, record_id, event["event_id"])
            sent += 1
        return sent
