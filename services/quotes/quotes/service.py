"""The quotes nameko service: the catalogue, price lists and pricing
(``catalogue_entrypoints.py``) and quotes (``quote_entrypoints.py``), composed here
with the dependencies they share.

Products and price lists are the public catalogue every rep and partner quotes from,
not records anyone owns, so reading them takes no data scope (the gateway guards who
may change them). Every call about quotes takes the data scope the gateway compiled;
a quote outside it answers NotFound exactly like a missing one.
"""
import logging

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy

from sfa_common import service as common
from sfa_common.clock import utcnow
from sfa_common.events import overdue_cutoff
from sfa_common.mongo import Mongo
from sfa_common.ops import Ops
from sfa_common.service import relay_timer

from . import catalogue_entrypoints, quote_entrypoints
from .dependencies import QuotesRepository, Settings, expiry_timer

log = logging.getLogger(__name__)


# Mixins through their modules (common.HealthMixin, quote_entrypoints.QuoteEntrypoints):
# `nameko run quotes.service` tries to run every top-level class with an entrypoint, and
# each mixin has some.
class QuotesService(common.HealthMixin, catalogue_entrypoints.CatalogueEntrypoints,
                    quote_entrypoints.QuoteEntrypoints):
    name = "quotes"

    store = Mongo(QuotesRepository)
    settings = Settings()
    opportunities = RpcProxy("opportunities")
    dispatch = EventDispatcher()
    ops = Ops()

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
        cutoff = overdue_cutoff(utcnow(), self.settings.relay_seconds)
        for collection, record_id, event in self.store.overdue_events(cutoff):
            self.dispatch(event["event_type"], event["payload"])
            self.store.clear_event(collection, record_id, event["event_id"])
            sent += 1
        return sent

    @expiry_timer
    def expire_quotes(self):
        """Sent quotes past their last valid day become expired."""
        return self._expire_lapsed()
