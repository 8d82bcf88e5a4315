"""Storage of the commission service (its own database), its settings, the runner of
recompute jobs and the outbox relay's timer.

``CommissionRepository`` is composed of the plans' store (``plan_store.py``: plans and
assignments) and the ledger's (``ledger_store.py``: periods, wins, ledger lines,
recompute jobs). ``storage.py`` turns values into their stored form and back (plans'
money as Decimal128, ledger rows in integer minor units, wins' decimals as exact
strings), so nothing above the stores sees a storage type.
"""
from nameko.extensions import DependencyProvider

from sfa_common.mongo import Repository

from .ledger_store import LedgerStore, PeriodStore
from .plan_store import PlanStore
from .settings import CommissionSettings


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
