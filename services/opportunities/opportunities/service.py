"""The opportunities nameko service: thin entrypoints over the repository and the rules."""
from nameko.rpc import rpc

from sfa_common import service as common
from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.opportunities import AccountCreateSchema, AccountSchema
from sfa_common.errors import EXPECTED, NotFound
from sfa_common.mongo import Mongo
from sfa_common.service import load, record_id

from .dependencies import AccountRepository


# common.HealthMixin, not an imported HealthMixin: `nameko run opportunities.service` tries to
# run every top-level class with an entrypoint, and the mixin's `health` is one.
class OpportunitiesService(common.HealthMixin):
    name = "opportunities"

    store = Mongo(AccountRepository)

    @rpc(expected_exceptions=EXPECTED)
    def create_account(self, payload):
        account = load(AccountCreateSchema(), payload)
        account["normalised_name"] = normalise_company_name(account["name"])
        return AccountSchema().dump(self.store.add_account(account))

    @rpc(expected_exceptions=EXPECTED)
    def get_account(self, account_id, scope):
        account = self.store.find_account(record_id(account_id, "account"), scope)
        if account is None:
            raise NotFound(f"No account {account_id!r}.")
        return AccountSchema().dump(account)
