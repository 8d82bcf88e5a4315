"""The wire server the reliability tests share one database through: a real pymongo
client gets what a MongoDB server would give it (results, the driver's own exceptions),
and the test commands stall a chosen command."""
import eventlet
import pytest
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure

from sfa_common.mongo import connect

pytestmark = pytest.mark.reliability


@pytest.fixture
def db(mongo_wire):
    return mongo_wire.db("wire_test")


def test_documents_round_trip_with_filter_projection_sort_skip_and_limit(db):
    db.deals.insert_many([{"n": n, "name": f"deal {n}"} for n in range(6)])
    assert db.deals.count_documents({"n": {"$gte": 2}}) == 4
    found = db.deals.find({"n": {"$gte": 1}}, {"_id": 0, "n": 1}).sort("n", -1).skip(1).limit(2)
    assert list(found) == [{"n": 4}, {"n": 3}]
    assert db.deals.find_one({"n": 5})["name"] == "deal 5"
    assert sorted(db.deals.distinct("n")) == list(range(6))
    grouped = list(db.deals.aggregate([{"$match": {"n": {"$lt": 3}}},
                                       {"$group": {"_id": None, "total": {"$sum": "$n"}}}]))
    assert grouped == [{"_id": None, "total": 3}]


def test_updates_upserts_and_deletes_answer_their_counts(db):
    db.deals.insert_many([{"n": n} for n in range(3)])
    changed = db.deals.update_many({"n": {"$lt": 2}}, {"$inc": {"n": 10}})
    assert (changed.matched_count, changed.modified_count) == (2, 2)
    upserted = db.deals.update_one({"_id": "new"}, {"$set": {"n": 7}}, upsert=True)
    assert upserted.upserted_id == "new"
    assert db.deals.delete_many({"n": {"$gte": 10}}).deleted_count == 2
    assert sorted(deal["n"] for deal in db.deals.find()) == [2, 7]
    db.deals.drop()
    assert "deals" not in db.list_collection_names()


KEYED = {"source_key": {"$type": "string"}}


def test_a_partial_unique_index_raises_the_drivers_duplicate_key_error(db):
    db.deals.create_indexes([IndexModel([("source_key", ASCENDING)], unique=True,
                                        partialFilterExpression=KEYED)])
    db.deals.insert_one({"source_key": "k1"})
    db.deals.insert_many([{"source_key": None}, {"source_key": None}])   # not in the index
    with pytest.raises(DuplicateKeyError):
        db.deals.insert_one({"source_key": "k1"})
    with pytest.raises(DuplicateKeyError):   # an upsert that meets the index, as commission's
        db.deals.update_one({"source_key": "k1", "x": 1}, {"$set": {"y": 1}}, upsert=True)
    index = db.deals.index_information()["source_key_1"]
    assert index["unique"] and index["partialFilterExpression"] == KEYED
    assert db.deals.count_documents({}) == 3


def test_find_and_modify_returns_the_document_before_or_after(db):
    db.deals.insert_many([{"n": 1, "stage": "a"}, {"n": 2, "stage": "a"}])
    before = db.deals.find_one_and_update({"stage": "a"}, {"$set": {"stage": "b"}},
                                          sort=[("n", -1)], projection={"_id": 0})
    assert before == {"n": 2, "stage": "a"}
    after = db.deals.find_one_and_update({"n": 3}, {"$set": {"stage": "c"}}, upsert=True,
                                         return_document=ReturnDocument.AFTER)
    assert after["n"] == 3 and after["stage"] == "c"
    assert db.deals.find_one_and_delete({"n": 1})["stage"] == "a"
    assert sorted((deal["n"], deal["stage"]) for deal in db.deals.find()) == [(2, "b"), (3, "c")]


def test_an_unknown_command_is_command_not_found(db):
    with pytest.raises(OperationFailure) as raised:
        db.command("noSuchCommand")
    assert raised.value.code == 59


def test_a_stalled_command_released_to_be_dropped_never_runs(mongo_wire, db):
    other = connect(mongo_wire.uri("instance-1"))
    try:
        mongo_wire.stall("insert", "deals")
        insert = eventlet.spawn(other[db.name].deals.insert_one, {"n": 1})
        assert mongo_wire.wait_stalled() == [{"appName": "instance-1", "command": "insert",
                                              "collection": "deals"}]
        mongo_wire.release(run=False)
        with pytest.raises(AutoReconnect):    # its connection closed, unanswered
            insert.wait()
        assert db.deals.count_documents({}) == 0
        db.deals.insert_one({"n": 2})         # the trap was for one command only
        writes = mongo_wire.writes()          # who wrote what: only what ran counts
        assert "instance-1" not in writes and writes["test"] == {"insert:deals": 1}
    finally:
        other.close()


def test_stalled_commands_released_to_run_run_and_answer(mongo_wire, db):
    other = connect(mongo_wire.uri("instance-1"))
    try:
        mongo_wire.stall("insert", "deals")
        mongo_wire.stall("update", "deals")
        insert = eventlet.spawn(other[db.name].deals.insert_one, {"_id": 1, "n": 1})
        update = eventlet.spawn(other[db.name].deals.update_one, {"_id": 2}, {"$set": {"n": 2}},
                                upsert=True)
        assert sorted(held["command"] for held in mongo_wire.wait_stalled(2)) == ["insert",
                                                                                 "update"]
        assert db.deals.count_documents({}) == 0      # held: not run yet
        mongo_wire.release(run=True)
        assert insert.wait().inserted_id == 1 and update.wait().upserted_id == 2
        assert sorted(deal["n"] for deal in db.deals.find()) == [1, 2]
    finally:
        other.close()


def test_a_services_client_reaches_a_server_by_name_under_eventlet(mongo_wire):
    # The tests run eventlet-patched, as `nameko run` does: eventlet 0.33's green
    # getaddrinfo refused the `type=` keyword pymongo 4.15 passes (sfa_common.mongo.connect).
    client = connect(f"mongodb://localhost:{mongo_wire.port}/?directConnection=true")
    try:
        assert client.admin.command("ping")["ok"] == 1
    finally:
        client.close()
