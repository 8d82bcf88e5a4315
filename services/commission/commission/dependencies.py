"""Storage of the commission service (its own database).

BSON has no date-only type, and a midnight datetime invites time-zone slips (a
Beijing month is not a UTC month), so period days are stored as ISO strings, which
also sort correctly, and come back as ``date``.
"""
from datetime import date

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict
from sfa_common.mongo import Repository

_DAY_FIELDS = ("starts_on", "ends_on")


def _from_document(document):
    if document is None:
        return None
    return {**document, **{name: date.fromisoformat(document[name]) for name in _DAY_FIELDS}}


class PeriodRepository(Repository):
    indexes = {
        "periods": [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("key", ASCENDING)]),
        ],
    }

    def add_period(self, key, starts_on, ends_on):
        now = utcnow()
        document = {"key": key, "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(), "status": "open",
                    "created_at": now, "updated_at": now}
        try:
            document["_id"] = self.db.periods.insert_one(document).inserted_id
        except DuplicateKeyError:
            raise Conflict(f"Period {key} exists.",
                           {"key": ["A period with this key exists."]}) from None
        return _from_document(document)

    def find_period(self, key):
        return _from_document(self.db.periods.find_one({"key": key}))
