"""The commission nameko service: thin entrypoints over the repository and the rules.

Periods belong to sales operations as a whole, not to a rep or a partner, so they
are read without a data scope (the gateway decides who may call at all).
"""
from nameko.rpc import rpc

from sfa_common import service as common
from sfa_common.contracts.commission import PeriodCreateSchema, PeriodSchema
from sfa_common.errors import EXPECTED, NotFound
from sfa_common.mongo import Mongo
from sfa_common.periods import is_period_key, period_bounds
from sfa_common.service import load

from .dependencies import PeriodRepository


# common.HealthMixin, not an imported HealthMixin: `nameko run commission.service` tries to
# run every top-level class with an entrypoint, and the mixin's `health` is one.
class CommissionService(common.HealthMixin):
    name = "commission"

    store = Mongo(PeriodRepository)

    @rpc(expected_exceptions=EXPECTED)
    def create_period(self, payload):
        key = load(PeriodCreateSchema(), payload)["key"]
        return PeriodSchema().dump(self.store.add_period(key, *period_bounds(key)))

    @rpc(expected_exceptions=EXPECTED)
    def get_period(self, key):
        # A malformed key names no period, exactly like a missing one; checking the
        # type also keeps a query operator ({"$ne": null}) out of the filter.
        period = self.store.find_period(key) if is_period_key(key) else None
        if period is None:
            raise NotFound(f"No period {key!r}.")
        return PeriodSchema().dump(period)
