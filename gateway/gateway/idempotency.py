"""``Idempotency-Key`` on every POST under /api/v1: a retried request runs once.

A client that did not get an answer (a timeout, a dropped connection) cannot tell
whether its POST ran. With the same ``Idempotency-Key`` it may send it again: the gateway
keeps, per caller and key, what the first request answered and replays it (status, body,
``Location``, and ``Idempotency-Replayed: true``) instead of running it twice.

- The first request *claims* the key (a unique index on (principal, key) decides between
  two that race), runs, and its answer is stored. A 5xx is not stored: the claim is
  released so the client's retry runs again (the request may not have happened).
- The same key with another request (method, path, query or body) is a 422 naming
  ``Idempotency-Key``: a key names one request, and reusing it is a client bug.
- While the first still runs, a retry is a 409 with ``Retry-After``. A claim whose
  request has run longer than ``RUNNING_LEASE`` was abandoned (its gateway died) and
  the next retry takes it over.
- Records live 24 hours (a TTL index on ``created_at``; an older one counts as absent
  even before MongoDB's TTL monitor, which runs once a minute, removes it).

Requests without a caller (sign-in, accepting an invitation) have nothing to keep keys
for and pass untouched. The quotes service keeps its own idempotency by the same key
(``source_key``), which still holds if a gateway dies between the call and storing the
answer; ``idempotency_key`` is the one reading of the header for both.
"""
import hashlib
import json
import logging
import uuid
from datetime import timedelta

from apispec import BasePlugin
from flask import current_app, g, request
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from sfa_common.clock import utcnow
from sfa_common.errors import ValidationFailed
from sfa_common.mongo import Repository

from .identity.web import API_PREFIX
from .problems import problem

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
MAX_KEY_LENGTH = 100
COLLECTION = "idempotency_keys"
KEPT = timedelta(hours=24)
# Longer than any request runs (each RPC is bounded by RPC_TIMEOUT, a view makes a few):
# a claim this old belongs to a gateway that died mid-request.
RUNNING_LEASE = timedelta(minutes=2)
# Answers larger than this are not kept (a document holds at most 16 MB); the claim is
# released, so a retry runs again.
MAX_STORED_BODY = 1024 * 1024
RUNNING, DONE = "running", "done"
PARAMETER = "IdempotencyKey"


def idempotency_key():
    """The request's ``Idempotency-Key``: None without the header; a malformed one is a
    400 naming it."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(f"The {HEADER} header is malformed.", {
            HEADER: [f"Must be 1-{MAX_KEY_LENGTH} printable characters."]})
    return key


def fingerprint():
    """What makes two requests the same one: method, path, query and body (JSON compared
    as data, so key order and spacing do not count; a multipart form by its fields and
    files, so the boundary a client picks does not either)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?".encode())
    digest.update(request.query_string + b"\n")
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"field {name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"file {name} {upload.filename}\n".encode())
            digest.update(upload.stream.read())
            upload.stream.seek(0)
        return digest.hexdigest()
    data = request.get_data(cache=True)
    if request.is_json:
        try:
            data = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()
        except ValueError:
            pass   # not JSON after all: the view answers 400, the bytes are the request
    digest.update(data)
    return digest.hexdigest()


class IdempotencyStore(Repository):
    """The kept keys, in the gateway's own database."""

    indexes = {COLLECTION: [
        IndexModel([("principal", ASCENDING), ("key", ASCENDING)], unique=True),
        IndexModel([("created_at", ASCENDING)],
                   expireAfterSeconds=int(KEPT.total_seconds())),
    ]}

    def __init__(self, db, clock=utcnow):
        super().__init__(db)
        self.keys = db[COLLECTION]
        self.clock = clock

    def claim(self, principal, key, request_fingerprint):
        """Start a request under ``key``: ``(token, None)`` when this request runs (the
        token proves the claim is still its own when it finishes), or ``(None, record)``
        when the key is in use or was used."""
        token = uuid.uuid4().hex
        for _ in range(3):   # a record may expire or be released between two steps
            now = self.clock()
            try:
                self.keys.insert_one({
                    "principal": principal, "key": key, "fingerprint": request_fingerprint,
                    "state": RUNNING, "claim": token, "created_at": now, "started_at": now})
                return token, None
            except DuplicateKeyError:
                pass
            record = self.keys.find_one({"principal": principal, "key": key})
            if record is None:
                continue
            if record["created_at"] <= now - KEPT:
                self.keys.delete_one({"_id": record["_id"], "claim": record["claim"]})
                continue
            abandoned = record["state"] == RUNNING and \
                record["fingerprint"] == request_fingerprint and \
                record["started_at"] <= now - RUNNING_LEASE
            if not abandoned:
                return None, record
            taken = self.keys.find_one_and_update(
                {"_id": record["_id"], "claim": record["claim"]},
                {"$set": {"claim": token, "started_at": now}},
                return_document=ReturnDocument.AFTER)
            if taken is not None:
                return token, None
        return None, record

    def finish(self, principal, key, token, answer):
        """Keep ``answer`` (status, body, content type, location) under a claim still ours."""
        self.keys.update_one(
            {"principal": principal, "key": key, "claim": token, "state": RUNNING},
            {"$set": {"state": DONE, "response": answer, "finished_at": self.clock()}})

    def release(self, principal, key, token):
        """Forget a claim still ours: its request may run again."""
        self.keys.delete_one({"principal": principal, "key": key, "claim": token,
                              "state": RUNNING})


def _store():
    return current_app.extensions["idempotency"]


def _begin():
    """before_request (after authentication): claim the key, or answer from its record."""
    g.pop("idempotency_claim", None)
    principal = g.get("principal")
    if request.method != "POST" or principal is None or request.url_rule is None or \
            not request.path.startswith(API_PREFIX + "/"):
        return None
    key = idempotency_key()
    if key is None:
        return None
    owner = f"{principal.kind}:{principal.id}"
    request_fingerprint = fingerprint()
    token, record = _store().claim(owner, key, request_fingerprint)
    if token is not None:
        g.idempotency_claim = (owner, key, token)
        return None
    if record["fingerprint"] != request_fingerprint:
        return problem(422, f"This {HEADER} was used with another request.", {
            HEADER: ["Already used for a different request; send a new key for a new "
                     "request."]})
    if record["state"] == RUNNING:
        return problem(409, f"The request with this {HEADER} is still running.", {
            HEADER: ["In use by a request that has not answered yet; retry shortly."]},
            headers={"Retry-After": "1"})
    return _replay(record["response"])


def _replay(answer):
    response = current_app.response_class(answer["body"], status=answer["status"],
                                          content_type=answer["content_type"])
    if answer.get("location"):
        response.headers["Location"] = answer["location"]
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _keep(response):
    """after_request: store the answer of a claimed request (not a 5xx)."""
    claim = g.pop("idempotency_claim", None)
    if claim is None:
        return response
    try:
        if response.status_code >= 500 or response.is_streamed or \
                len(response.get_data()) > MAX_STORED_BODY:
            _store().release(*claim)
        else:
            _store().finish(*claim, {
                "status": response.status_code, "body": response.get_data(),
                "content_type": response.content_type,
                "location": response.headers.get("Location")})
    except Exception:
        # The request ran and its answer goes out; the claim stays until its lease ends.
        log.exception("could not keep the answer of %s %s under its %s", request.method,
                      request.path, HEADER)
    return response


def _release(_exc):
    """teardown_request: a claim no answer was kept for (the view raised) is released."""
    claim = g.pop("idempotency_claim", None)
    if claim is not None:
        _store().release(*claim)


class IdempotencyKeyPlugin(BasePlugin):
    """Adds the ``Idempotency-Key`` header parameter to every POST under /api/v1 that
    needs a caller (the operations the gateway keeps keys for)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        if not path or not path.startswith(API_PREFIX + "/"):
            return
        operation = (operations or {}).get("post")
        if operation is None or operation.get("security") == []:
            return
        operation.setdefault("parameters", []).append(PARAMETER)


PARAMETER_DOC = {
    "name": HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Makes retrying this POST safe: a fresh random value (a UUID) per request, sent "
        "again unchanged with every retry of it. Kept per caller for 24 hours. A retry "
        "answers what the first request answered, with `Idempotency-Replayed: true`; "
        "the same key with a different request answers 422, and a retry while the first "
        "is still running answers 409 (retry shortly). A 5xx answer is not kept: the "
        "retry runs again. 1-100 printable characters, else 400."),
}


def install(app, api, db):
    """Create the store (and its indexes, now at start-up) and hook it into every
    request; call after authentication is installed, whose hook must run first."""
    store = IdempotencyStore(db)
    store.ensure_indexes(db)
    app.extensions["idempotency"] = store
    app.before_request(_begin)
    app.after_request(_keep)
    app.teardown_request(_release)
    api.spec.components.parameter(PARAMETER, "header", PARAMETER_DOC)
