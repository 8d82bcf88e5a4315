"""Storage of the quotes service (its own database), its settings and its timers.

``QuotesRepository`` is composed of the catalogue's store (``catalogue_store.py``:
products, price lists and their rules) and the quotes' store (``quote_store.py``).
Money goes in as ``Money.to_document()`` (Decimal128, exact on both engines) and comes
out as ``Money`` again, so nothing above the stores sees a storage type.
"""
from nameko.extensions import DependencyProvider

from sfa_common.mongo import Repository
from sfa_common.service import ConfiguredTimer

from .catalogue_store import CatalogueStore
from .quote_store import QuoteStore
from .settings import QuotesSettings, expiry_seconds


class QuotesRepository(CatalogueStore, QuoteStore, Repository):
    indexes = {**CatalogueStore.indexes, **QuoteStore.indexes}
    outbox_collections = QuoteStore.outbox_collections


class Settings(DependencyProvider):
    """The service's settings (``QuotesSettings``), checked when the container starts:
    a malformed one stops it with a message naming the setting."""

    def setup(self):
        self.settings = QuotesSettings.from_mapping(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings


class QuoteExpiryTimer(ConfiguredTimer):
    interval_from = staticmethod(expiry_seconds)


expiry_timer = QuoteExpiryTimer.decorator
