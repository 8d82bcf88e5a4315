"""The storage dependency: engine by MONGO_URI, client made in setup(), indexes declared
in code and created at start-up, one database per service, aware datetimes back."""
from datetime import UTC, datetime, timedelta, timezone

import mongomock
import pymongo
import pytest
from mongomock import aggregate as mongomock_aggregate
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from sfa_common import mongo
from sfa_common.mongo import Mongo, Repository, connect, database
from sfa_common.settings import SettingsError


class FakeContainer:
    """The two things a DependencyProvider reads from its nameko container."""

    def __init__(self, config, service_name="deals"):
        self.config = config
        self.service_name = service_name


class DealRepository(Repository):
    indexes = {
        "deals": [
            IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
            IndexModel([("owner_id", ASCENDING), ("status", ASCENDING)]),
            IndexModel([("created_at", DESCENDING)]),
        ],
        "events_seen": [IndexModel([("event_id", ASCENDING)], unique=True)],
        "nothing_declared": [],
    }

    def add(self, deal):
        return self.db.deals.insert_one(deal).inserted_id


class NoIndexes(Repository):
    pass


@pytest.fixture
def container():
    return FakeContainer({"MONGO_URI": "mongomock://localhost"})


@pytest.fixture
def provider(container):
    provider = Mongo(DealRepository).bind(container, "store")
    provider.setup()
    yield provider
    provider.stop()


def keys(index_information):
    return {name: [tuple(k) for k in info["key"]] for name, info in index_information.items()}


# --- connect -------------------------------------------------------------------------


def test_mongomock_uri_gives_the_embedded_engine():
    client = connect("mongomock://x")
    assert isinstance(client, mongomock.MongoClient)
    assert not isinstance(client, pymongo.MongoClient)
    assert client.codec_options.tz_aware is True  # even for code that skips database()


def test_each_embedded_client_has_its_own_data():
    first, second = connect("mongomock://x"), connect("mongomock://x")
    first.db.c.insert_one({"a": 1})
    assert second.db.c.count_documents({}) == 0


def test_mongodb_uri_gives_pymongo_without_connecting():
    # Nothing listens on port 1: constructing must not try (connect=False), so a service
    # can start (and a test can run) without a server until the first query.
    client = connect("mongodb://localhost:1")
    try:
        assert isinstance(client, pymongo.MongoClient)
        assert "connect=False" in repr(client)
        assert client.codec_options.tz_aware is True
        assert client.options.server_selection_timeout == 5
    finally:
        client.close()


@pytest.mark.parametrize("uri", ["mongodb://", "mongodb://localhost:port",
                                 "mongodb://localhost:99999", "mongodb://u:s3cr3t@host:x/"])
def test_a_uri_pymongo_cannot_parse_is_a_settings_error(uri):
    with pytest.raises(SettingsError) as raised:
        connect(uri)
    assert str(raised.value).startswith("MONGO_URI:")
    assert "s3cr3t" not in str(raised.value)


# --- the dependency provider ---------------------------------------------------------


def test_setup_creates_the_declared_indexes(provider):
    assert keys(provider.db.deals.index_information()) == {
        "_id_": [("_id", 1)],
        "code_unique": [("code", 1)],
        "owner_id_1_status_1": [("owner_id", 1), ("status", 1)],
        "created_at_-1": [("created_at", -1)],
    }
    assert provider.db.deals.index_information()["code_unique"].get("unique") is True
    assert keys(provider.db.events_seen.index_information()) == {
        "_id_": [("_id", 1)], "event_id_1": [("event_id", 1)]}


def test_the_unique_index_is_enforced(provider):
    repository = provider.get_dependency(worker_ctx=None)
    repository.add({"code": "D-1"})
    with pytest.raises(DuplicateKeyError):
        repository.add({"code": "D-1"})


def test_setup_is_idempotent_across_restarts(container):
    first = Mongo(DealRepository).bind(container, "store")
    first.setup()
    DealRepository.ensure_indexes(first.db)  # a second start-up on the same database
    assert len(first.db.deals.index_information()) == 4
    first.stop()


def test_get_dependency_is_a_repository_on_the_services_own_database(provider):
    repository = provider.get_dependency(worker_ctx=None)
    assert isinstance(repository, DealRepository)
    assert repository.db.name == "channel_sfa_deals"
    assert repository.ping() is True
    repository.add({"code": "D-7"})
    assert provider.client["channel_sfa_deals"].deals.count_documents({"code": "D-7"}) == 1
    assert provider.client["channel_sfa_other"].deals.count_documents({}) == 0


def test_each_worker_gets_its_own_repository_on_the_shared_client(provider):
    first = provider.get_dependency(worker_ctx=None)
    second = provider.get_dependency(worker_ctx=None)
    assert first is not second
    assert first.db.client is second.db.client is provider.client


def test_the_database_name_can_be_given():
    container = FakeContainer({}, "reports")  # nameko holds containers by weak reference
    provider = Mongo(NoIndexes, database_name="sfa_reports").bind(container, "store")
    provider.setup()  # no MONGO_URI: the embedded engine
    assert isinstance(provider.client, mongomock.MongoClient)
    assert provider.get_dependency(None).db.name == "sfa_reports"
    provider.stop()


def test_stop_closes_and_forgets_the_client(provider, monkeypatch):
    closed = []
    monkeypatch.setattr(provider.client, "close", lambda: closed.append(True))
    provider.stop()
    assert closed == [True]
    assert provider.client is None
    provider.stop()  # a second stop (kill after stop) is harmless
    assert closed == [True]


def test_kill_closes_the_client_too(container):
    provider = Mongo(NoIndexes).bind(container, "store")
    provider.setup()
    provider.kill()
    assert provider.client is None


def test_setup_against_a_real_uri_does_not_connect():
    container = FakeContainer({"MONGO_URI": "mongodb://localhost:1"})
    provider = Mongo(NoIndexes).bind(container, "store")
    provider.setup()
    try:
        assert isinstance(provider.client, pymongo.MongoClient)
        assert provider.db.name == "channel_sfa_deals"
    finally:
        provider.stop()
    assert provider.client is None


@pytest.mark.parametrize("uri", ["mysql://localhost/sfa", "localhost:27017", "mongodb://",
                                 "mongodb://db:port/"])
def test_a_malformed_mongo_uri_fails_setup_naming_it(uri):
    container = FakeContainer({"MONGO_URI": uri})
    provider = Mongo(DealRepository).bind(container, "store")
    with pytest.raises(SettingsError) as raised:
        provider.setup()
    assert str(raised.value).startswith("MONGO_URI:")
    assert provider.client is None


# --- what comes back -----------------------------------------------------------------


def test_datetimes_come_back_aware_utc(provider):
    repository = provider.get_dependency(None)
    beijing = datetime(2026, 1, 31, 9, 30, 0, 123000, tzinfo=timezone(timedelta(hours=8)))
    repository.add({"code": "D-2", "created_at": beijing})
    back = repository.db.deals.find_one({"code": "D-2"})["created_at"]
    assert back.tzinfo is not None
    assert back.utcoffset() == timedelta(0)
    assert back == beijing
    assert back == datetime(2026, 1, 31, 1, 30, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize("client", [mongomock.MongoClient(), mongomock.MongoClient(tz_aware=True)],
                         ids=["naive client", "aware client"])
def test_database_helper_makes_datetimes_aware_whatever_the_client(client):
    db = database(client, "x")
    assert db.codec_options.tz_aware is True
    db.t.insert_one({"at": datetime(2026, 1, 1, tzinfo=UTC)})
    assert db.t.find_one()["at"].utcoffset() == timedelta(0)


def test_repository_without_declared_indexes_creates_none(container):
    provider = Mongo(NoIndexes).bind(container, "store")
    provider.setup()
    assert provider.db.list_collection_names() == []
    provider.stop()


def test_the_embedded_aggregate_gives_the_same_results_having_copied_only_matches(
        monkeypatch):
    collection = connect("mongomock://localhost").db.deals
    collection.insert_many([{"org": f"o{n % 4}", "stage": ("a", "b", "c")[n % 3], "minor": n}
                            for n in range(60)])
    pipeline = [{"$match": {"org": {"$in": ["o1", "o2"]}}},
                {"$group": {"_id": "$stage", "count": {"$sum": 1}, "minor": {"$sum": "$minor"}}},
                {"$sort": {"_id": 1}}]
    expected = list(mongo._MONGOMOCK_AGGREGATE(collection, pipeline))
    assert expected and sum(group["count"] for group in expected) == 30
    copied = []
    monkeypatch.setattr(mongomock_aggregate, "process_pipeline",
                        _recording(mongomock_aggregate.process_pipeline, copied))
    assert list(collection.aggregate(pipeline)) == expected
    assert len(copied) == 30          # the 30 matching documents, not all 60
    # Without a leading $match, mongomock's own aggregate runs.
    grouped = list(collection.aggregate(pipeline[1:]))
    assert sum(group["count"] for group in grouped) == 60


def _recording(process_pipeline, copied):
    def process(documents, *args):
        copied.extend(documents)
        return process_pipeline(documents, *args)
    return process
