"""The embedded engine stops at what a query can return (sfa_common.mongo's patches of
mongomock): find_one and limited finds copy only the documents they return, a query
pinned to one _id reads only that document, and every answer is what a full scan gives."""
from datetime import UTC, datetime

import mongomock
import pytest
from bson import Decimal128, ObjectId
from pymongo import ASCENDING, DESCENDING

from sfa_common import mongo
from sfa_common.mongo import connect, database


@pytest.fixture
def deals():
    collection = database(connect("mongomock://localhost"), "deals").deals
    collection.insert_many([
        {"_id": ObjectId(), "rank": rank, "owner": f"u{rank % 3}", "tag": str(rank),
         "at": datetime(2026, 1, 1 + rank, tzinfo=UTC)} for rank in range(20)])
    return collection


def unpatched(find):
    """What mongomock itself answers to ``find()``: run with its own functions."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mongomock.collection.Collection, "_iter_documents",
                      mongo._MONGOMOCK_ITER_DOCUMENTS)
        patch.setattr(mongomock.collection.Cursor, "_compute_results",
                      mongo._MONGOMOCK_COMPUTE_RESULTS)
        return find()


@pytest.fixture
def copies(monkeypatch):
    """Counts the documents the engine copies out to a caller."""
    counted = []
    original = mongomock.collection.Collection._copy_only_fields

    def counting(collection, document, *args, **kwargs):
        counted.append(document["_id"])
        return original(collection, document, *args, **kwargs)
    monkeypatch.setattr(mongomock.collection.Collection, "_copy_only_fields", counting)
    return counted


@pytest.fixture
def scanned(monkeypatch):
    """Counts the stored documents a query's filter is tried on."""
    counted = []
    original = mongo.filter_applies

    def counting(query, document):
        counted.append(document.get("_id"))
        return original(query, document)
    monkeypatch.setattr(mongo, "filter_applies", counting)
    monkeypatch.setattr(mongomock.collection, "filter_applies", counting)
    return counted


@pytest.mark.parametrize(("query", "sort", "skip", "limit"), [
    ({}, [("rank", DESCENDING), ("_id", DESCENDING)], 0, 5),
    ({"owner": "u1"}, [("at", ASCENDING), ("_id", ASCENDING)], 2, 3),
    ({"owner": "u2"}, [("rank", ASCENDING)], 0, 50),
    ({"$and": [{"owner": "u0"}, {"rank": {"$gt": 4}}]}, [("rank", DESCENDING)], 1, 2),
    ({"owner": "nobody"}, [("rank", ASCENDING)], 0, 5),
])
def test_a_limited_find_answers_what_a_full_scan_answers(deals, query, sort, skip, limit):
    def find():
        return list(deals.find(query).sort(sort).skip(skip).limit(limit))
    assert find() == unpatched(find)


def test_a_limited_find_copies_only_the_documents_it_returns(deals, copies):
    page = list(deals.find({}).sort([("rank", DESCENDING)]).limit(3))
    assert [document["rank"] for document in page] == [19, 18, 17]
    assert copies == [document["_id"] for document in page]


def test_an_unlimited_find_still_returns_every_match(deals):
    assert len(list(deals.find({"owner": "u0"}))) == 7
    def find():
        return list(deals.find({"owner": "u0"}))
    assert find() == unpatched(find)


def test_find_one_copies_one_document_and_honours_its_sort(deals, copies):
    found = deals.find_one({"owner": "u1"}, sort=[("rank", DESCENDING)])
    assert found["rank"] == 19
    assert copies == [found["_id"]]
    assert deals.find_one({"owner": "nobody"}) is None
    assert deals.find_one(found["_id"])["rank"] == 19  # a bare id, as pymongo allows


def test_a_query_on_one_id_reads_only_that_document(deals, scanned):
    target = deals.find_one({"rank": 7})
    scanned.clear()
    assert deals.find_one({"_id": target["_id"]}) == target
    assert deals.find_one({"$and": [{"_id": target["_id"]}, {"owner": target["owner"]}]}) \
        == target
    assert set(scanned) == {target["_id"]}


def test_the_rest_of_a_query_on_one_id_still_applies(deals):
    target = deals.find_one({"rank": 7})
    assert deals.find_one({"_id": target["_id"], "owner": "someone else"}) is None
    assert deals.find_one({"$and": [{"_id": target["_id"]}, {"rank": {"$lt": 7}}]}) is None
    assert deals.find_one({"_id": ObjectId()}) is None
    assert deals.find_one({"_id": str(target["_id"])}) is None  # a string is not an ObjectId


def test_a_string_id_is_found_and_a_missing_one_is_not(deals):
    deals.insert_one({"_id": "jti-1", "rank": 100})
    assert deals.find_one({"_id": "jti-1"}, {"_id": 1}) == {"_id": "jti-1"}
    assert deals.find_one({"_id": "jti-2"}) is None


def test_updates_and_deletes_by_id_touch_only_that_document(deals):
    target = deals.find_one({"rank": 3})
    deals.update_one({"_id": target["_id"]}, {"$set": {"owner": "moved"}})
    assert [d["rank"] for d in deals.find({"owner": "moved"})] == [3]
    assert deals.delete_one({"_id": target["_id"]}).deleted_count == 1
    assert deals.count_documents({}) == 19


NESTED = [
    {"_id": f"w{n}", "n": n, "won_at": datetime(2026, 11, 1, 8, n, 5, 123456, tzinfo=UTC),
     "amount": {"amount": Decimal128("12.30"), "currency": "CNY"}, "ids": [ObjectId(), None],
     "rows": [{"deal": {"at": datetime(2026, 11, 2, tzinfo=UTC), "name": "商机"},
               "cents": -n, "ok": n % 2 == 0, "tags": ["a", ["b", 1.5]]}]}
    for n in range(30)]


def mongomock_itself(run):
    """``run()`` with every one of sfa_common.mongo's patches taken off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mongomock.collection.Collection, "_iter_documents",
                      mongo._MONGOMOCK_ITER_DOCUMENTS)
        patch.setattr(mongomock.collection.Cursor, "_compute_results",
                      mongo._MONGOMOCK_COMPUTE_RESULTS)
        patch.setattr(mongomock.collection.Cursor, "__next__", mongo._MONGOMOCK_NEXT)
        patch.setattr(mongomock.collection, "_copy_field", mongo._MONGOMOCK_COPY_FIELD)
        patch.setattr(mongomock.helpers, "patch_datetime_awareness_in_document",
                      mongo._MONGOMOCK_TO_NAIVE)
        patch.setattr(mongomock.helpers, "make_datetime_timezone_aware_in_document",
                      mongo._MONGOMOCK_TO_AWARE)
        return run()


def stored_and_read(skip=0, limit=0):
    collection = database(connect("mongomock://localhost"), "wide").things
    collection.insert_many([dict(document) for document in NESTED])
    return list(collection.find({"n": {"$gte": 3}}, skip=skip, limit=limit).sort("n", -1))


@pytest.mark.parametrize(("skip", "limit"), [(0, 0), (4, 0), (2, 5), (0, 100), (40, 0)])
def test_wide_documents_are_stored_and_read_as_mongomock_itself_does(skip, limit):
    """The shortcuts (no n² cursor, immutable values not walked or copied) change no
    document: datetimes still lose their microseconds below a millisecond and come back
    aware, nested lists and dicts are copies."""
    read = stored_and_read(skip, limit)
    assert read == mongomock_itself(lambda: stored_and_read(skip, limit))
    if read:
        assert read[0]["rows"][0]["deal"]["at"].tzinfo is not None
        assert read[0]["won_at"].microsecond == 123000


def test_what_is_read_is_a_copy():
    collection = database(connect("mongomock://localhost"), "wide").things
    collection.insert_one({"_id": 1, "rows": [{"tags": ["a"]}]})
    first = collection.find_one({"_id": 1})
    first["rows"][0]["tags"].append("changed")
    assert collection.find_one({"_id": 1})["rows"] == [{"tags": ["a"]}]


@pytest.fixture
def keyed():
    """Indexed while empty, as services index at start-up (mongomock's create_index
    ignores a partial filter for documents already there)."""
    collection = database(connect("mongomock://localhost"), "keyed").deals
    collection.create_index("source_key", unique=True,
                            partialFilterExpression={"source_key": {"$type": "string"}})
    collection.create_index("tag", unique=True)
    collection.insert_many([{"rank": rank, "tag": f"t{rank}"} for rank in range(20)])
    return collection


def test_a_record_outside_a_partial_unique_index_is_not_checked_against_it(keyed, scanned):
    keyed.insert_one({"rank": 50, "tag": "t50"})  # no source_key: not in that index
    # One scan of the collection (for the full unique index on tag), not two, and one
    # look at the new record (is it in the partial index?).
    assert len(scanned) == keyed.count_documents({}) + 1


def test_unique_indexes_still_refuse_duplicates(keyed):
    from pymongo.errors import DuplicateKeyError
    keyed.insert_one({"rank": 60, "tag": "t60", "source_key": "k1"})
    with pytest.raises(DuplicateKeyError):
        keyed.insert_one({"rank": 61, "tag": "t61", "source_key": "k1"})
    with pytest.raises(DuplicateKeyError):
        keyed.insert_one({"rank": 62, "tag": "t60"})
    keyed.insert_one({"rank": 63, "tag": "t63"})  # two without a key: the partial index allows
    keyed.insert_one({"rank": 64, "tag": "t64"})
    with pytest.raises(DuplicateKeyError):
        keyed.update_one({"rank": 64}, {"$set": {"source_key": "k1"}})
    assert keyed.count_documents({"source_key": "k1"}) == 1
    assert keyed.count_documents({"rank": {"$in": [61, 62]}}) == 0
