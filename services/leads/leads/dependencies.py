"""Storage of the leads service (its own database), its settings, the outbox relay's
timer and the runner of lead imports.

``LeadRepository`` is composed of the leads' store (``lead_store.py``) and the deal
registrations' and lead offers' store (``registration_store.py``).
"""
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from sfa_common.mongo import Repository

from .lead_store import LeadStore
from .registration_store import RegistrationStore
from .settings import LeadsSettings, relay_seconds


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


class Background(DependencyProvider):
    """Runs long work (a lead import) in a thread the container manages, after the RPC
    that started it has answered; the container's stop kills it. ``pending`` keeps the
    threads still running, so a test can wait for them instead of sleeping."""

    def setup(self):
        self.pending = {}

    def get_dependency(self, worker_ctx):
        return self.spawn

    def spawn(self, key, function, *args):
        thread = self.container.spawn_managed_thread(
            lambda: function(*args), identifier=f"leads.background.{key}")
        self.pending[key] = thread
        thread.link(lambda _: self.pending.pop(key, None))
        return thread

    def wait_all(self):
        for thread in list(self.pending.values()):
            thread.wait()


class OutboxRelayTimer(Timer):
    """nameko's timer, firing every ``OUTBOX_RELAY_SECONDS`` of the config."""

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = relay_seconds(self.container.config)


relay_timer = OutboxRelayTimer.decorator
