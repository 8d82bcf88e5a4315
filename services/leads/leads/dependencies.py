"""Storage of the leads service (its own database)."""
from pymongo import ASCENDING, DESCENDING, IndexModel

from sfa_common.clock import utcnow
from sfa_common.mongo import Repository
from sfa_common.scope import scoped


class LeadRepository(Repository):
    indexes = {
        "leads": [
            IndexModel([("normalised_company", ASCENDING)]),
            IndexModel([("phone", ASCENDING)]),
            IndexModel([("email", ASCENDING)]),
            IndexModel([("owner_id", ASCENDING), ("status", ASCENDING)]),
            IndexModel([("team_member_ids", ASCENDING)]),
            IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_id", ASCENDING), ("partner_user_id", ASCENDING)]),
            IndexModel([("created_at", DESCENDING)]),
        ],
    }

    def add_lead(self, lead):
        now = utcnow()
        document = {**lead, "status": "unprocessed", "created_at": now, "updated_at": now}
        document["_id"] = self.db.leads.insert_one(document).inserted_id
        return document

    def find_lead(self, lead_id, scope):
        """The lead if it exists, is not voided and lies inside ``scope``."""
        return self.db.leads.find_one(scoped({"_id": lead_id, "status": {"$ne": "voided"}}, scope))
