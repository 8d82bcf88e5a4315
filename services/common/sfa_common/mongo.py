"""MongoDB access for nameko services.

``Mongo(SomeRepository)`` is a DependencyProvider: one client per container,
created in ``setup()`` (after eventlet has patched sockets), indexes created there,
closed on ``stop()``. Each worker receives a small repository object bound to the
service's own database; the service never sees the client.

``MONGO_URI`` picks the engine: ``mongodb://...`` for a real MongoDB, unset or
``mongomock://`` for the embedded in-process engine. Repository code is the same
for both.
"""
import inspect
import itertools
import socket
from collections.abc import Mapping

import mongomock
import mongomock.collection
import pymongo
from bson import Decimal128, ObjectId
from bson.codec_options import CodecOptions
from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers as mongomock_helpers
from mongomock.filtering import filter_applies
from nameko.extensions import DependencyProvider
from pymongo.errors import ConfigurationError, DuplicateKeyError

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


def _next_by_index(cursor):
    """mongomock's ``Cursor.__next__`` slices the whole result list (``[skip:]``) for
    every document it hands out, so reading n documents costs n²/2 copies: 36 s for
    100,000 documents. Index into the results instead; same documents, same order."""
    results = cursor._compute_results()
    index = cursor._skip + cursor._emitted
    if (cursor._limit and cursor._emitted >= abs(cursor._limit)) or index >= len(results):
        raise StopIteration
    cursor._emitted += 1
    return results[index]


_MONGOMOCK_NEXT = mongomock.collection.Cursor.__next__
mongomock.collection.Cursor.__next__ = _next_by_index

# mongomock walks every value of every document it stores or returns to move datetimes
# between aware and naive UTC, asking five isinstance questions of each value. Values
# of these types never change, so they are handed back at once; every other value
# takes mongomock's own path. Same documents, several times faster on wide documents.
_UNCHANGED = frozenset({str, int, float, bool, type(None), bytes, ObjectId, Decimal128})
_MONGOMOCK_TO_NAIVE = mongomock_helpers.patch_datetime_awareness_in_document
_MONGOMOCK_TO_AWARE = mongomock_helpers.make_datetime_timezone_aware_in_document


def _skipping_unchanged(walk):
    def walk_quickly(value):
        kind = type(value)
        if kind in _UNCHANGED:
            return value
        if kind is dict:
            return {key: item if type(item) in _UNCHANGED else walk_quickly(item)
                    for key, item in value.items()}
        if kind is list:
            return [item if type(item) in _UNCHANGED else walk_quickly(item)
                    for item in value]
        return walk(value)
    return walk_quickly


mongomock_helpers.patch_datetime_awareness_in_document = _skipping_unchanged(
    _MONGOMOCK_TO_NAIVE)
mongomock_helpers.make_datetime_timezone_aware_in_document = _skipping_unchanged(
    _MONGOMOCK_TO_AWARE)


def _copy_field_skipping_unchanged(value, container):
    """mongomock's copy of a stored value for a caller, with the same shortcut: an
    immutable value is its own copy."""
    kind = type(value)
    if kind in _UNCHANGED:
        return value
    if kind is list:
        return [item if type(item) in _UNCHANGED
                else _copy_field_skipping_unchanged(item, container) for item in value]
    if kind is dict and container is dict:
        return {key: item if type(item) in _UNCHANGED
                else _copy_field_skipping_unchanged(item, container)
                for key, item in value.items()}
    return _MONGOMOCK_COPY_FIELD(value, container)


_MONGOMOCK_COPY_FIELD = mongomock.collection._copy_field
mongomock.collection._copy_field = _copy_field_skipping_unchanged


# mongomock reads every document a query could touch, and copies every match, even
# where MongoDB reads one or a page: ``find_one`` and ``find(...).limit(n)`` copied all
# matches before keeping the first n, and a query on one ``_id`` scanned the whole
# collection. The patches below stop at what the query can return; results are
# the same (tests/common/test_embedded_engine_limits.py).
_NO_ID = object()


def _pinned_id(query):
    """The ``_id`` an equality on ``_id`` (alone or in a top-level ``$and``) pins
    ``query`` to, else ``_NO_ID``. Only ObjectIds and strings: they find their stored
    document by hash exactly when MongoDB's equality matches it."""
    if not isinstance(query, dict):
        return _NO_ID
    value = query.get("_id", _NO_ID)
    if isinstance(value, (ObjectId, str)):
        return value
    clauses = query.get("$and")
    for clause in clauses if isinstance(clauses, list) else ():
        value = _pinned_id(clause)
        if value is not _NO_ID:
            return value
    return _NO_ID


def _iter_documents_by_id(collection, query):
    """The one stored document a pinned ``_id`` can match, still checked against the
    whole query; any other query scans as mongomock does."""
    pinned = _pinned_id(query)
    if pinned is _NO_ID:
        return _MONGOMOCK_ITER_DOCUMENTS(collection, query)
    try:
        candidates = [collection._store[pinned]]
    except KeyError:
        candidates = []
    return (document for document in candidates if filter_applies(query, document))


def _results_up_to_limit(cursor, with_limit_and_skip=False):
    """A cursor with a limit computes (and copies) its first skip + limit results only:
    all it can hand out, by ``__next__`` (``_next_by_index`` indexes from skip) or by
    index. Without ``with_limit_and_skip`` that prefix is what it answers (mongomock
    then also stops calling a cursor alive once its limit is handed out; pymongo 4 has
    no ``Cursor.count`` and no code here calls ``Cursor.distinct``)."""
    if not cursor._limit:
        return _MONGOMOCK_COMPUTE_RESULTS(cursor, with_limit_and_skip)
    key = (cursor._factory, cursor._skip, cursor._limit)
    computed = getattr(cursor, "_results_up_to_limit", None)
    if computed is None or computed[0] != key:
        documents = itertools.islice(cursor._factory(), cursor._skip + abs(cursor._limit))
        if cursor.collection.codec_options.tz_aware:
            documents = map(mongomock_helpers.make_datetime_timezone_aware_in_document,
                            documents)
        computed = cursor._results_up_to_limit = (key, list(documents))
    return computed[1][cursor._skip:] if with_limit_and_skip else computed[1]


def _find_one_first_only(collection, filter=None, *args, **kwargs):  # noqa: A002
    """``find_one`` as pymongo does it: the first result of a find limited to one."""
    if filter is None:
        filter = {}  # noqa: A001
    if not isinstance(filter, Mapping):
        filter = {"_id": filter}  # noqa: A001
    return next(collection.find(filter, *args, **kwargs).limit(1), None)


def _ensure_uniques_in_their_index(collection, new_data):
    """mongomock's check of a written document against each unique index (one scan of
    the collection per index), except that a partial index whose filter the document
    does not match is skipped: the document is not in that index, so it cannot clash
    there (MongoDB's rule too). Most records carry no ``source_key``, and each create
    scanned every record for one."""
    for index in collection._store.indexes.values():
        if not index.get("unique"):
            continue
        partial = index.get("partialFilterExpression")
        if partial is not None and not filter_applies(partial, new_data):
            continue
        values = {}
        for key, _ in index.get("key"):
            try:
                values[key] = mongomock_helpers.get_value_by_dot(new_data, key)
            except KeyError:
                values[key] = None
        if index.get("sparse") and set(values.values()) == {None}:
            continue
        query = values if partial is None else {"$and": [partial, values]}
        if len(list(collection._iter_documents(query))) > 1:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)


_MONGOMOCK_ITER_DOCUMENTS = mongomock.collection.Collection._iter_documents
_MONGOMOCK_COMPUTE_RESULTS = mongomock.collection.Cursor._compute_results
mongomock.collection.Collection._iter_documents = _iter_documents_by_id
mongomock.collection.Cursor._compute_results = _results_up_to_limit
mongomock.collection.Collection.find_one = _find_one_first_only
mongomock.collection.Collection._ensure_uniques = _ensure_uniques_in_their_index


def _green_getaddrinfo_takes_type():
    """eventlet 0.33's green ``socket.getaddrinfo`` names its fourth parameter ``socktype``;
    pymongo 4.15 passes ``type=`` as the standard library names it, so under eventlet
    (``nameko run``) every connection to a real MongoDB failed with a TypeError. Give the
    patched function the standard keyword; a no-op where it already has it."""
    green = socket.getaddrinfo
    parameters = inspect.signature(green).parameters
    if "type" in parameters or "socktype" not in parameters:
        return

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        return green(host, port, family, type, proto, flags)

    socket.getaddrinfo = getaddrinfo


def connect(uri):
    """A client for ``uri``: a real pymongo client, or the embedded engine."""
    if uri.startswith("mongomock://"):
        return mongomock.MongoClient(tz_aware=True)
    _green_getaddrinfo_takes_type()
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
