"""Storage of the leads service (its own database), its settings, the outbox relay's
timer and the runner of lead imports.

``LeadRepository`` is composed of the leads' store (``lead_store.py``) and the deal
registrations' and lead offers' store (``registration_store.py``).
"""
from nameko.extensions import DependencyProvider

from sfa_common.mongo import Repository

from .lead_store import LeadStore
from .registration_store import RegistrationStore
from .settings import LeadsSettings


class LeadRepository(LeadStore, RegistrationStore, Repository):
    indexes = {**LeadStore.indexes, **RegistrationStore.indexes}
    # registrations: the collections whose documents carry an ``outbox`` of events.
    outbox_collections = (*LeadStore.outbox_collections,
                          *RegistrationStore.outbox_collections)


class Settings(DependencyProvider):
    """The service's settings (``LeadsSettings``), checked when the container starts:
    a malformed one stops it with a message naming the setting."""

    def setup(self):
        self.settings = LeadsSettings.from_mapping(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
