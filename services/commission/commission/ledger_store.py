"""Storage of the facts commission is told (wins, their quotes and reversals), the
ledger, recompute jobs and periods (mixed into ``CommissionRepository``).

Idempotency by event id: every event lands on exactly one fact document (a win is
``opportunity_id|won_at``), and its id is pushed onto that document's ``event_ids`` in
the same conditional update that writes the fact (``event_ids: {$ne: id}``), so a
redelivered event matches nothing and changes nothing. (No unique index on
``event_ids``: an event names its document, so the per-document condition suffices, and
the embedded engine checks a unique index by scanning the collection on every insert.)

Ledger rows are never updated or deleted: a change is a further row (a delta) with
the same ``key`` and the next ``seq``, and a row's id is ``key#seq``. Rows are stored in
entries (``storage.encode_entries``): what one settle writes for one payee, numbered per
payee and period. An entry's ``_id`` is ``period|payee#number`` (unique by nature, and
checked in constant time on both engines), so two writers that computed a correction
from the same ledger collide on the number instead of paying twice; the loser reads the
ledger again and retries.
"""
from datetime import UTC, date

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import Conflict
from sfa_common.events import outbox_entry, stamp
from sfa_common.periods import period_bounds

from .storage import decode_entries, decode_win, encode_entries, encode_win, to_storage


def period_of(moment):
    """The period key (UTC calendar month) of an aware datetime."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def win_id(win):
    """A win is one deal won at one moment: reopened and won again is another win."""
    return f"{win['opportunity_id']}|{win['won_at'].astimezone(UTC).isoformat()}"


def win_payees(win):
    """The payee keys a win credits: its split users (the owner when it names none)
    and its partner organisation."""
    users = {split["user_id"] for split in win.get("splits") or ()}
    if not users and win.get("owner_id"):
        users.add(win["owner_id"])
    keys = {f"user:{user}" for user in users}
    if win.get("partner_org_id"):
        keys.add(f"partner_org:{win['partner_org_id']}")
    return sorted(keys)


def filed_win(win):
    """The win with where it is filed: its period (by won_at) and the payees it credits."""
    return {"quote": None, **win, "period": period_of(win["won_at"]),
            "payee_keys": win_payees(win)}


def following_period(key):
    year, month = int(key[:4]), int(key[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _day_fields(document):
    if document is None:
        return None
    return {**document, "starts_on": date.fromisoformat(document["starts_on"]),
            "ends_on": date.fromisoformat(document["ends_on"])}


def _period_document(key, now):
    starts_on, ends_on = period_bounds(key)
    return {"key": key, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
            "status": "open", "created_at": now, "updated_at": now}


class PeriodStore:
    outbox_collections = ("periods",)
    indexes = {
        "periods": [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("key", ASCENDING)]),
            IndexModel([("outbox.queued_at", ASCENDING)], sparse=True),
        ],
    }

    def add_period(self, key, starts_on, ends_on):
        now = utcnow()
        document = {**_period_document(key, now), "outbox": []}
        try:
            document["_id"] = self.db.periods.insert_one(document).inserted_id
        except DuplicateKeyError:
            raise Conflict(f"Period {key} exists.",
                           {"key": ["A period with this key exists."]}) from None
        return _day_fields(document)

    def find_period(self, key):
        return _day_fields(self.db.periods.find_one({"key": key}))

    def ensure_period(self, key):
        """The period ``key``, opened now if nobody created it yet (a win may land in a
        month sales ops have not set up)."""
        now = utcnow()
        self.db.periods.update_one({"key": key},
                                   {"$setOnInsert": {**_period_document(key, now),
                                                     "outbox": []}}, upsert=True)
        return self.find_period(key)

    def list_periods(self):
        return [_day_fields(document) for document in
                self.db.periods.find({}, {"outbox": 0}).sort("key", DESCENDING)]

    def open_period_from(self, key):
        """``key`` if it is open, else the first open period after it (opened if need be):
        where a change to a closed period is booked as an adjustment."""
        while True:
            period = self.ensure_period(key)
            if period["status"] == "open":
                return period
            key = following_period(key)

    def close_period(self, key, actor_id, now):
        """Close ``key`` if it is open, with its ``period_closed`` event in the same
        update; the closed period, or None when it was not open."""
        payload = stamp({"period": key, "closed_by": actor_id}, occurred_at=now)
        event = outbox_entry("period_closed", payload, now)
        return _day_fields(self.db.periods.find_one_and_update(
            {"key": key, "status": "open"},
            {"$set": {"status": "closed", "closed_at": now, "closed_by": actor_id,
                      "updated_at": now}, "$push": {"outbox": event}},
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)), event

    def clear_event(self, collection, record_id, event_id):
        self.db[collection].update_one({"_id": record_id},
                                       {"$pull": {"outbox": {"event_id": event_id}}})

    def overdue_events(self, cutoff):
        found = []
        for collection in self.outbox_collections:
            for document in self.db[collection].find({"outbox.queued_at": {"$lte": cutoff}},
                                                     {"outbox": 1}):
                found.extend((collection, document["_id"], entry)
                             for entry in document["outbox"] if entry["queued_at"] <= cutoff)
        return found


class LedgerStore:
    indexes = {
        "wins": [
            IndexModel([("period", ASCENDING), ("payee_keys", ASCENDING)]),
            IndexModel([("reversal_period", ASCENDING), ("payee_keys", ASCENDING)],
                       sparse=True),
            IndexModel([("opportunity_id", ASCENDING), ("won_at", DESCENDING)]),
        ],
        "ledger": [
            IndexModel([("for_period", ASCENDING), ("payee_key", ASCENDING)]),
            IndexModel([("payee_key", ASCENDING), ("rows.deal.opportunity_id", ASCENDING)]),
            IndexModel([("period", ASCENDING), ("payee_key", ASCENDING)]),
            IndexModel([("owner_id", ASCENDING)]), IndexModel([("department_id", ASCENDING)]),
            IndexModel([("partner_org_id", ASCENDING)]),
        ],
        "recompute_jobs": [IndexModel([("period", ASCENDING), ("started_at", DESCENDING)])],
    }

    # -- facts ----------------------------------------------------------------------------

    def _record(self, collection, record_id, event_id, changes, push=None):
        """Write ``changes`` onto ``record_id`` (created if missing) with ``event_id``,
        unless that event was recorded there already; True when it was new."""
        update = {"$set": changes, "$push": {"event_ids": event_id, **(push or {})}}
        try:
            self.db[collection].update_one({"_id": record_id, "event_ids": {"$ne": event_id}},
                                           update, upsert=True)
        except DuplicateKeyError:
            return False   # the document exists and already carries the event
        return True

    def record_win(self, win, event_id):
        """Store a won deal (``opportunity_id|won_at``); True when the event was new. A
        quote accepted before the win arrived is attached now."""
        new = self._record("wins", win_id(win), event_id,
                           {**encode_win(filed_win(win)), "source_event_id": event_id})
        pending = self.db.pending_quotes.find_one({"_id": win["opportunity_id"]})
        if pending is not None:
            self.db.wins.update_one({"_id": win_id(win), "quote": None},
                                    {"$set": {"quote": pending["quote"]}})
        return self.find_win(win_id(win)), new

    def add_wins(self, wins):
        """Store many wins at once, as their won events would (seeding: the bench, a
        migration); each win is a ``WinSchema`` dict with its ``source_event_id``."""
        documents = []
        for win in wins:
            filed = filed_win(win)
            documents.append({**encode_win(filed), "_id": win_id(win),
                              "event_ids": [win["source_event_id"]]})
        if documents:
            self.db.wins.insert_many(documents)
        return len(documents)

    def record_reversal(self, opportunity_id, won_at, reversal, event_id):
        """Mark the win of ``opportunity_id`` at ``won_at`` reversed (the deal was reopened);
        True when the event was new. A reversal that overtakes its win waits on a bare
        document that the won event fills in."""
        reversed_id = win_id({"opportunity_id": opportunity_id, "won_at": won_at})
        new = self._record("wins", reversed_id, event_id,
                           {**reversal, "opportunity_id": opportunity_id,
                            "won_at": won_at})
        return self.find_win(reversed_id), new

    def attach_quote(self, opportunity_id, quote, event_id):
        """Attach an accepted quote's lines to the latest win of its opportunity (or keep
        them until that win arrives); ``(win or None, new)``."""
        latest = self.db.wins.find_one({"opportunity_id": opportunity_id,
                                        "reversed_at": None},
                                       sort=[("won_at", DESCENDING)])
        stored = to_storage(quote)
        new = self._record("pending_quotes", opportunity_id, event_id, {"quote": stored})
        if latest is None:
            return None, new
        self._record("wins", latest["_id"], event_id, {"quote": stored})
        return self.find_win(latest["_id"]), new

    def find_win(self, win_id):
        document = self.db.wins.find_one({"_id": win_id})
        return None if document is None else decode_win(document)

    def wins_of(self, period, payee_keys=None):
        """Wins in ``period`` (by won_at) with their amount known, of ``payee_keys``."""
        query = {"period": period, "amount": {"$exists": True}}
        if payee_keys is not None:
            query["payee_keys"] = {"$in": sorted(payee_keys)}
        return [decode_win(document) for document in self.db.wins.find(query)]

    def reversals_in(self, period, payee_keys=None):
        """Wins reversed in ``period`` (whatever period they were won in)."""
        query = {"reversal_period": period, "amount": {"$exists": True}}
        if payee_keys is not None:
            query["payee_keys"] = {"$in": sorted(payee_keys)}
        return [decode_win(document) for document in self.db.wins.find(query)]

    # -- the ledger -----------------------------------------------------------------------

    def lines_for(self, for_period, payee_keys=None):
        """Every stored row computed for ``for_period`` (booked there or, as an
        adjustment, later), of ``payee_keys``."""
        query = {"for_period": for_period}
        if payee_keys is not None:
            query["payee_key"] = {"$in": sorted(payee_keys)}
        return decode_entries(self.db.ledger.find(query))

    def deal_lines(self, payee_key, opportunity_id, won_at):
        """The stored rows paying ``payee_key`` for one win (what a clawback reverses)."""
        return [row for row in decode_entries(self.db.ledger.find(
                    {"payee_key": payee_key, "rows.deal.opportunity_id": opportunity_id}))
                if row["deal"]["opportunity_id"] == opportunity_id
                and row["deal"]["won_at"] == won_at]

    def add_lines(self, rows, first_entry):
        """Store ``rows`` (one payee's, for one period) as entries numbered from
        ``first_entry``; ``(written, collided)``: how many rows were written and whether
        another writer had taken an entry number first (then nothing after it is)."""
        if not rows:
            return 0, False
        written = 0
        for entry in encode_entries(rows, first_entry, utcnow()):
            try:
                self.db.ledger.insert_one(entry)
            except DuplicateKeyError:
                return written, True
            written += len(entry["rows"])
        return written, False

    def has_lines(self, period, payee_key):
        """Whether ``payee_key`` has rows booked in ``period``."""
        return self.db.ledger.find_one({"period": period, "payee_key": payee_key},
                                       {"_id": 1}) is not None

    def statement_lines(self, query, scope_filter):
        """The rows of the entries matching ``query`` and ``scope_filter`` (fields every
        row of an entry shares), ordered by period, payee and row."""
        found = decode_entries(self.db.ledger.find(
            {"$and": [query, scope_filter]} if scope_filter else query))
        return sorted(found, key=lambda row: (row["period"], row["payee_key"], row["_id"]))

    # -- recompute jobs -------------------------------------------------------------------

    def add_job(self, job):
        document = {**job, "status": "running", "payees_total": None, "payees_done": 0,
                    "lines_written": 0, "failure": None, "started_at": utcnow(),
                    "finished_at": None}
        document["_id"] = self.db.recompute_jobs.insert_one(document).inserted_id
        return document

    def find_job(self, job_id):
        return self.db.recompute_jobs.find_one({"_id": job_id})

    def record_job(self, job_id, changes=None, increments=None):
        update = {}
        if changes:
            update["$set"] = changes
        if increments:
            update["$inc"] = increments
        if update:
            self.db.recompute_jobs.update_one({"_id": job_id}, update)

