"""The leads nameko service: leads (``lead_entrypoints.py``) and deal registrations
and lead offers (``registration_entrypoints.py``), composed here with the dependencies
they share.

Every call about leads takes the data scope the gateway compiled; a record outside it
answers NotFound exactly like a missing one, and a call without a scope is refused
(``sfa_common.scope.scoped``). Assignment rules and imports are the gateway's to guard.
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

from . import lead_entrypoints, registration_entrypoints
from .dependencies import LeadRepository, Settings

log = logging.getLogger(__name__)


# Mixins through their modules (common.HealthMixin, lead_entrypoints.LeadEntrypoints):
# `nameko run leads.service` tries to run every top-level class with an entrypoint, and
# each mixin has some.
class LeadsService(common.HealthMixin, lead_entrypoints.LeadEntrypoints,
                   registration_entrypoints.RegistrationEntrypoints):
    name = "leads"

    store = Mongo(LeadRepository)
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
        """Send again every event queued longer than the relay interval (its write's own
        dispatch failed or never ran); ids unchanged, so listeners deduplicate."""
        sent = 0
        cutoff = overdue_cutoff(utcnow(), self.settings.leads.relay_seconds)
        for collection, record_id, event in self.store.overdue_events(cutoff):
            self.dispatch(event["event_type"], event["payload"])
            self.store.clear_event(collection, record_id, event["event_id"])
            sent += 1
        return sent
