"""Storage of the opportunities service (its own database)."""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict
from sfa_common.mongo import Repository
from sfa_common.scope import scoped


class AccountRepository(Repository):
    indexes = {
        "accounts": [
            # Unique only where a code is given: many accounts have none (stored as null).
            IndexModel([("unified_social_credit_code", ASCENDING)], unique=True,
                       partialFilterExpression={"unified_social_credit_code": {"$type": "string"}}),
            IndexModel([("normalised_name", ASCENDING)]),  # the duplicate check on conversion
            IndexModel([("owner_id", ASCENDING)]),
            IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_ids", ASCENDING), ("partner_user_id", ASCENDING)]),
            IndexModel([("created_at", DESCENDING)]),
        ],
    }

    def add_account(self, account):
        now = utcnow()
        document = {**account, "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.accounts.insert_one(document).inserted_id
        except DuplicateKeyError:
            code = account["unified_social_credit_code"]
            raise Conflict(f"An account with unified social credit code {code} exists.",
                           {"unified_social_credit_code": [
                               "An account with this code exists."]}) from None
        return document

    def find_account(self, account_id, scope):
        """The account if it exists and lies inside ``scope``."""
        return self.db.accounts.find_one(scoped({"_id": account_id}, scope))
