"""Test support: a MongoDB wire-protocol server over ONE embedded engine (mongomock).

There is no MongoDB server on this machine, and the embedded engine lives inside one
process, so two service processes cannot share data through it. This server lets them:
each process's unchanged pymongo code connects to ``mongodb://127.0.0.1:<port>/`` and every
command runs against the one mongomock client here. It speaks OP_MSG, plus the legacy
OP_QUERY handshake pymongo opens a connection with, and only the commands the services
use (an unknown one answers CommandNotFound). It is not a database: no auth, no
sessions or transactions beyond ignoring ``lsid``, no cursors (every result is one
batch), collations and hints ignored.

Test-only commands (any database), so a test can act *between* two steps of a service:

- ``{"sfaStall": <command>, "collection": <name>}`` arms a trap for the next such command:
  it is held, unanswered, until ``sfaRelease``. Several traps may be armed at once.
- ``{"sfaWaitStalled": <count>, "timeout": <seconds>}`` blocks until ``count`` commands
  are held and answers who sent them: ``{"stalled": [{"appName", "command",
  "collection"}, ...]}`` (``appName`` is the client URI's ``appName`` option).
- ``{"sfaRelease": 1, "run": <bool>}`` lets every held command go: ``run`` true runs and
  answers it (the client just waited); false closes its connection without running it
  (as if its process died before the command reached the server).
- ``{"sfaStats": 1}`` answers ``{"writes": {appName: {"insert:<collection>": n, ...}}}``:
  which client's writes ran.

Run: ``python tests/mongo_wire.py [--port N]``; it prints ``listening <port>`` once ready.
"""
import argparse
import socketserver
import struct
import sys
import threading
from datetime import UTC, datetime

import bson
import mongomock
from bson.codec_options import CodecOptions
from pymongo.errors import OperationFailure

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
CHECKSUM_PRESENT, MORE_TO_COME = 1, 2
HEADER = struct.Struct("<iiii")
CODEC = CodecOptions(tz_aware=True, tzinfo=UTC)
WRITES = ("insert", "update", "delete", "findAndModify")


class CommandError(Exception):
    def __init__(self, code, name, message):
        super().__init__(message)
        self.code, self.name = code, name


def _cursor(db, collection, documents, batch="firstBatch"):
    return {"cursor": {"id": bson.int64.Int64(0), "ns": f"{db}.{collection}",
                       batch: documents}}


def _write_error(index, error):
    return {"index": index, "code": error.code or 2, "errmsg": str(error)}


def _is_replacement(update):
    return isinstance(update, dict) and not any(key.startswith("$") for key in update)


class Engine:
    """The commands, run on one mongomock client under one lock (mongomock is not
    thread-safe), plus the traps and the per-client write counts."""

    def __init__(self):
        self.client = mongomock.MongoClient(tz_aware=True)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.traps = []           # [(command, collection)], each for one command
        self.stalled = []         # the held commands: {appName, command, collection, run}
        self.writes = {}

    # -- the test-only commands -----------------------------------------------------------

    def may_run(self, name, body, app_name):
        """False when the command must not run: it was trapped, then released to be
        dropped. A trapped command waits here until it is released."""
        with self.changed:
            if (name, body.get(name)) not in self.traps:
                return True
            self.traps.remove((name, body.get(name)))
            held = {"appName": app_name, "command": name, "collection": body[name], "run": None}
            self.stalled.append(held)
            self.changed.notify_all()
            self.changed.wait_for(lambda: held["run"] is not None)
            self.stalled.remove(held)
            return held["run"]

    def test_command(self, name, body):
        with self.changed:
            if name == "sfaStall":
                self.traps.append((body["sfaStall"], body["collection"]))
                return {}
            if name == "sfaWaitStalled":
                count = int(body["sfaWaitStalled"])
                if not self.changed.wait_for(lambda: len(self.stalled) >= count,
                                             timeout=float(body.get("timeout", 10))):
                    raise CommandError(50, "MaxTimeMSExpired", "not stalled in time")
                return {"stalled": [{key: held[key] for key in ("appName", "command",
                                                                  "collection")}
                                    for held in self.stalled]}
            if name == "sfaRelease":
                for held in self.stalled:
                    held["run"] = bool(body.get("run", False))
                self.changed.notify_all()
                return {}
            return {"writes": {app: dict(counts) for app, counts in self.writes.items()}}

    # -- the commands -----------------------------------------------------------------

    def run(self, db_name, name, body, app_name):
        handler = getattr(self, f"cmd_{name.lower()}", None)
        if handler is None:
            raise CommandError(59, "CommandNotFound", f"no such command: '{name}'")
        with self.lock:
            if name in WRITES:
                counts = self.writes.setdefault(app_name or "", {})
                key = f"{name}:{body[name]}"
                counts[key] = counts.get(key, 0) + 1
            return handler(self.client[db_name], body)

    def cmd_hello(self, db, body):
        return {"isWritablePrimary": True, "ismaster": True, "helloOk": True,
                "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
                "maxWriteBatchSize": 100_000, "localTime": datetime.now(UTC),
                "logicalSessionTimeoutMinutes": 30, "minWireVersion": 0,
                "maxWireVersion": 17, "readOnly": False}

    cmd_ismaster = cmd_hello

    def cmd_ping(self, db, body):
        return {}

    def cmd_buildinfo(self, db, body):
        return {"version": "6.0.0", "versionArray": [6, 0, 0, 0], "maxBsonObjectSize": 16777216}

    def cmd_endsessions(self, db, body):
        return {}

    def cmd_find(self, db, body):
        options = {"skip": body.get("skip", 0), "limit": abs(body.get("limit", 0))}
        if body.get("sort"):
            options["sort"] = list(body["sort"].items())
        found = db[body["find"]].find(body.get("filter") or {}, body.get("projection"),
                                      **options)
        return _cursor(db.name, body["find"], list(found))

    def cmd_getmore(self, db, body):
        return _cursor(db.name, body["collection"], [], "nextBatch")

    def cmd_killcursors(self, db, body):
        return {"cursorsKilled": body.get("cursors", []), "cursorsNotFound": [],
                "cursorsAlive": [], "cursorsUnknown": []}

    def cmd_insert(self, db, body):
        collection, inserted, errors = db[body["insert"]], 0, []
        for index, document in enumerate(body.get("documents", [])):
            try:
                collection.insert_one(document)
                inserted += 1
            except OperationFailure as error:
                errors.append(_write_error(index, error))
                if body.get("ordered", True):
                    break
        return {"n": inserted, **({"writeErrors": errors} if errors else {})}

    def cmd_update(self, db, body):
        collection, matched, modified, upserted, errors = db[body["update"]], 0, 0, [], []
        for index, statement in enumerate(body.get("updates", [])):
            query, change = statement["q"], statement["u"]
            options = {"upsert": statement.get("upsert", False)}
            if statement.get("arrayFilters"):
                options["array_filters"] = statement["arrayFilters"]
            try:
                if _is_replacement(change):
                    result = collection.replace_one(query, change, **options)
                elif statement.get("multi"):
                    result = collection.update_many(query, change, **options)
                else:
                    result = collection.update_one(query, change, **options)
            except OperationFailure as error:
                errors.append(_write_error(index, error))
                if body.get("ordered", True):
                    break
                continue
            except NotImplementedError as error:
                raise CommandError(2, "BadValue", f"the embedded engine cannot: {error}")
            if result.upserted_id is not None:
                upserted.append({"index": index, "_id": result.upserted_id})
            else:
                matched += result.matched_count
            modified += result.modified_count
        answer = {"n": matched + len(upserted), "nModified": modified}
        if upserted:
            answer["upserted"] = upserted
        if errors:
            answer["writeErrors"] = errors
        return answer

    def cmd_delete(self, db, body):
        collection, deleted = db[body["delete"]], 0
        for statement in body.get("deletes", []):
            if statement.get("limit", 0) == 1:
                deleted += collection.delete_one(statement["q"]).deleted_count
            else:
                deleted += collection.delete_many(statement["q"]).deleted_count
        return {"n": deleted}

    def cmd_findandmodify(self, db, body):
        collection = db[body["findAndModify"]]
        query, change = body.get("query") or {}, body.get("update")
        # No projection here: mongomock then updates the first match instead of the
        # sorted one when the projection leaves out _id. The fields are picked after.
        options = {"sort": list(body["sort"].items()) if body.get("sort") else None}
        if body.get("remove"):
            value = collection.find_one_and_delete(query, **options)
        else:
            options.update(upsert=body.get("upsert", False),
                           return_document=bool(body.get("new")))
            if body.get("arrayFilters"):
                options["array_filters"] = body["arrayFilters"]
            replace = _is_replacement(change)
            method = collection.find_one_and_replace if replace else collection.find_one_and_update
            value = method(query, change, **options)
        if value is not None and body.get("fields"):
            value = collection._copy_only_fields(value, body["fields"], dict)
        return {"lastErrorObject": {"n": 0 if value is None else 1}, "value": value}

    def cmd_aggregate(self, db, body):
        documents = list(db[body["aggregate"]].aggregate(body.get("pipeline", [])))
        return _cursor(db.name, body["aggregate"], documents)

    def cmd_count(self, db, body):
        options = {key: body[key] for key in ("skip", "limit") if body.get(key)}
        return {"n": db[body["count"]].count_documents(body.get("query") or {}, **options)}

    def cmd_distinct(self, db, body):
        return {"values": db[body["distinct"]].distinct(body["key"], body.get("query") or {})}

    def cmd_createindexes(self, db, body):
        # One create_index per spec: mongomock's create_indexes drops partialFilterExpression.
        collection = db[body["createIndexes"]]
        before = len(collection.index_information())
        for spec in body["indexes"]:
            options = {key: value for key, value in spec.items() if key not in ("key", "v")}
            collection.create_index(list(spec["key"].items()), **options)
        return {"numIndexesBefore": before,
                "numIndexesAfter": len(collection.index_information())}

    def cmd_listindexes(self, db, body):
        return _cursor(db.name, body["listIndexes"], list(db[body["listIndexes"]].list_indexes()))

    def cmd_drop(self, db, body):
        db.drop_collection(body["drop"])
        return {}

    def cmd_dropdatabase(self, db, body):
        self.client.drop_database(db.name)
        return {}

    def cmd_listcollections(self, db, body):
        wanted = (body.get("filter") or {}).get("name")
        names = [name for name in db.list_collection_names() if wanted in (None, name)]
        return _cursor(db.name, "$cmd.listCollections",
                       [{"name": name, "type": "collection", "options": {},
                         "info": {"readOnly": False}} for name in names])


TEST_COMMANDS = {"sfaStall", "sfaWaitStalled", "sfaRelease", "sfaStats"}


def _answer(engine, db_name, body, app_name):
    name = next(iter(body))
    try:
        if name in TEST_COMMANDS:
            result = engine.test_command(name, body)
        else:
            result = engine.run(db_name, name, body, app_name)
        return {**result, "ok": 1.0}
    except CommandError as error:
        return {"ok": 0.0, "errmsg": str(error), "code": error.code, "codeName": error.name}
    except OperationFailure as error:   # mongomock raises the driver's own exceptions
        return {"ok": 0.0, "errmsg": str(error), "code": error.code or 2,
                "codeName": "DuplicateKey" if error.code == 11000 else "BadValue"}
    except NotImplementedError as error:
        return {"ok": 0.0, "errmsg": f"the embedded engine cannot: {error}", "code": 2,
                "codeName": "BadValue"}
    except Exception as error:  # noqa: BLE001 - a malformed command: answer, keep serving
        return {"ok": 0.0, "errmsg": f"{type(error).__name__}: {error}", "code": 1,
                "codeName": "InternalError"}


class Connection(socketserver.BaseRequestHandler):
    """One client connection: read a message, answer it, until the client hangs up."""

    def setup(self):
        self.app_name = None

    def handle(self):
        try:
            self._serve()
        except OSError:
            pass            # the client went away mid-message (a killed process)

    def _serve(self):
        while True:
            header = self._read(HEADER.size)
            if header is None:
                return
            length, request_id, _, op_code = HEADER.unpack(header)
            payload = self._read(length - HEADER.size)
            if payload is None:
                return
            if op_code == OP_MSG:
                flags, body = self._op_msg(payload)
                db_name = body.pop("$db", "admin")
            elif op_code == OP_QUERY:
                flags, (db_name, body) = 0, self._op_query(payload)
            else:
                return      # nothing else is spoken here: hang up
            command = next(iter(body), "")
            if command.lower() in ("hello", "ismaster"):
                self.app_name = self.app_name or (
                    body.get("client", {}).get("application", {}).get("name"))
            if not self.server.engine.may_run(command, body, self.app_name):
                return      # released to be dropped: the connection closes, unanswered
            answer = bson.encode(_answer(self.server.engine, db_name, body, self.app_name),
                                 codec_options=CODEC)
            if flags & MORE_TO_COME:
                continue    # an unacknowledged write: no answer
            if op_code == OP_MSG:
                reply = struct.pack("<IB", 0, 0) + answer
                self._send(request_id, OP_MSG, reply)
            else:
                reply = struct.pack("<iqii", 0, 0, 0, 1) + answer
                self._send(request_id, OP_REPLY, reply)

    def _read(self, size):
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self.request.recv(size - len(chunks))
            if not chunk:
                return None
            chunks += chunk
        return bytes(chunks)

    def _send(self, response_to, op_code, reply):
        self.request.sendall(HEADER.pack(HEADER.size + len(reply), 0, response_to, op_code)
                             + reply)

    @staticmethod
    def _op_msg(payload):
        """The command of an OP_MSG: its body with each document sequence as a list."""
        flags = struct.unpack_from("<I", payload)[0]
        end = len(payload) - (4 if flags & CHECKSUM_PRESENT else 0)
        position, body, sequences = 4, None, {}
        while position < end:
            kind = payload[position]
            position += 1
            size = struct.unpack_from("<i", payload, position)[0]
            if kind == 0:
                body = bson.decode(payload[position:position + size], codec_options=CODEC)
            else:
                identifier_end = payload.index(b"\0", position + 4)
                identifier = payload[position + 4:identifier_end].decode()
                sequences[identifier] = bson.decode_all(
                    payload[identifier_end + 1:position + size], codec_options=CODEC)
            position += size
        return flags, {**body, **sequences}

    @staticmethod
    def _op_query(payload):
        """``(database, command)`` of a legacy OP_QUERY on ``<db>.$cmd`` (the handshake)."""
        name_end = payload.index(b"\0", 4)
        database = payload[4:name_end].decode().split(".", 1)[0]
        position = name_end + 1 + 8            # numberToSkip, numberToReturn
        size = struct.unpack_from("<i", payload, position)[0]
        query = bson.decode(payload[position:position + size], codec_options=CODEC)
        return database, query.get("$query", query)


class WireServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), Connection)
        self.engine = Engine()

    @property
    def port(self):
        return self.server_address[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    server = WireServer(parser.parse_args(argv).port)
    print(f"listening {server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
