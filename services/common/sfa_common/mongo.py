"""MongoDB access for nameko services.

``Mongo(SomeRepository)`` is a DependencyProvider: one client per container,
created in ``setup()`` (after eventlet has patched sockets), indexes created there,
closed on ``stop()``. Each worker receives a small repository object bound to the
service's own database; the service never sees the client.

``MONGO_URI`` picks the engine: ``mongodb://...`` for a real MongoDB, unset or
``mongomock://`` for the embedded in-process engine. Repository code is the same
for both.
"""
import mongomock
import mongomock.collection
import pymongo
from bson.codec_options import CodecOptions
from mongomock import aggregate as mongomock_aggregate
from nameko.extensions import DependencyProvider
from pymongo.errors import ConfigurationError

from .settings import ServiceSettings, SettingsError, redacted

# Aware UTC datetimes come back from the driver (not naive ones); UTC is the
# driver's default tzinfo, and the embedded engine refuses a custom one.
CODEC_OPTIONS = CodecOptions(tz_aware=True)


def _aggregate_matching_first(collection, pipeline, session=None, **kwargs):
    """mongomock's ``aggregate`` deep-copies every document of the collection before the
    first stage runs, so a report over a few of 100,000 documents costs as much as one
    over all of them. A leading ``$match`` is exactly a ``find`` filter: let ``find``
    select (and copy) only the matching documents, then run the rest of the pipeline
    as mongomock would. Same results; MongoDB itself needs no such help."""
    pipeline = list(pipeline)
    first = pipeline[0] if pipeline else {}
    if list(first) != ["$match"]:
        return _MONGOMOCK_AGGREGATE(collection, pipeline, session=session, **kwargs)
    documents = list(collection.find(first["$match"]))
    return mongomock_aggregate.process_pipeline(documents, collection.database, pipeline[1:],
                                                session)


_MONGOMOCK_AGGREGATE = mongomock.collection.Collection.aggregate
mongomock.collection.Collection.aggregate = _aggregate_matching_first


def connect(uri):
    """A client for ``uri``: a real pymongo client, or the embedded engine."""
    if uri.startswith("mongomock://"):
        return mongomock.MongoClient(tz_aware=True)
    try:
        return pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000,
                                   connect=False)
    except (ConfigurationError, ValueError) as error:
        # The scheme passed the settings check but the rest did not parse ("mongodb://",
        # "host:abc"): fail at start-up naming the setting, not with a driver traceback.
        raise SettingsError("MONGO_URI", f"{error} (got {redacted(uri)!r})") from None


def database(client, name):
    return client.get_database(name, codec_options=CODEC_OPTIONS)


class Repository:
    """Base of a service's storage code. Subclasses declare their indexes:

    ``indexes = {"leads": [IndexModel([("phone", 1)]), ...]}``
    """

    indexes = {}

    def __init__(self, db):
        self.db = db

    @classmethod
    def ensure_indexes(cls, db):
        # One create_index per model, not create_indexes: mongomock 4.3's create_indexes
        # silently drops partialFilterExpression (a partial unique index would then clash
        # on every document without the field). MongoDB builds the same index either way.
        for collection, models in cls.indexes.items():
            for model in models:
                options = {name: value for name, value in model.document.items() if name != "key"}
                db[collection].create_index(list(model.document["key"].items()), **options)

    def ping(self):
        return self.db.command("ping").get("ok") == 1


class Mongo(DependencyProvider):
    """Inject ``repository_cls(db)`` bound to the database ``database_name``
    (default ``channel_sfa_<service name>``)."""

    def __init__(self, repository_cls, database_name=None):
        self.repository_cls = repository_cls
        self.database_name = database_name
        self.client = None
        self.db = None

    def setup(self):
        settings = ServiceSettings.from_mapping(self.container.config)
        name = self.database_name or f"channel_sfa_{self.container.service_name}"
        self.client = connect(settings.mongo_uri)
        self.db = database(self.client, name)
        self.repository_cls.ensure_indexes(self.db)

    def stop(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.repository_cls(self.db)
