"""Storage of the commission service (its own database), its settings, the runner of
recompute jobs and the outbox relay's timer.

``CommissionRepository`` is composed of the plans' store (``plan_store.py``: plans and
assignments) and the ledger's (``ledger_store.py``: periods, wins, ledger lines,
recompute jobs). Money goes in as Decimal128 and comes out as ``Money`` again
(``storage.py``), so nothing above the stores sees a storage type.
"""
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from sfa_common.mongo import Repository

from .ledger_store import LedgerStore, PeriodStore
from .plan_store import PlanStore
from .settings import CommissionSettings, relay_seconds


class CommissionRepository(PlanStore, LedgerStore, PeriodStore, Repository):
    indexes = {**PlanStore.indexes, **LedgerStore.indexes, **PeriodStore.indexes}
    outbox_collections = PeriodStore.outbox_collections




class Settings(DependencyProvider):
    """The service's settings (``CommissionSettings``), checked when the container
    starts: a malformed one stops it with a message naming the setting."""

    def setup(self):
        self.settings = CommissionSettings.from_mapping(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings


class Background(DependencyProvider):
    """Runs long work (a period's recompute) in a thread the container manages, after
    the RPC that started it has answered; the container's stop kills it. ``pending``
    keeps the threads still running, so a test can wait for them instead of sleeping."""

    def setup(self):
        self.pending = {}

    def get_dependency(self, worker_ctx):
        return self.spawn

    def spawn(self, key, function, *args):
        thread = self.container.spawn_managed_thread(
            lambda: function(*args), identifier=f"commission.background.{key}")
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
