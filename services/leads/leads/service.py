"""The leads nameko service: thin entrypoints over the repository and the rules."""
from nameko.rpc import rpc

from sfa_common import service as common
from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.leads import LeadCreateSchema, LeadSchema
from sfa_common.errors import EXPECTED, NotFound
from sfa_common.mongo import Mongo
from sfa_common.service import load, record_id

from .dependencies import LeadRepository


# HealthMixin stays behind its module: `nameko run leads.service` would otherwise
# try to run the imported mixin as a service of its own.
class LeadsService(common.HealthMixin):
    name = "leads"

    store = Mongo(LeadRepository)

    @rpc(expected_exceptions=EXPECTED)
    def create_lead(self, payload):
        lead = load(LeadCreateSchema(), payload)
        lead["normalised_company"] = normalise_company_name(lead["company"])
        return LeadSchema().dump(self.store.add_lead(lead))

    @rpc(expected_exceptions=EXPECTED)
    def get_lead(self, lead_id, scope):
        lead = self.store.find_lead(record_id(lead_id, "lead"), scope)
        if lead is None:
            raise NotFound(f"No lead {lead_id!r}.")
        return LeadSchema().dump(lead)
