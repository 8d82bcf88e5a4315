"""A POST under /api/v1 retried with the same Idempotency-Key runs once: the retry
replays the first answer; the same key with another request is a 422, during the first
request a 409; a 5xx is not kept, so the retry runs; keys are kept apart per caller."""
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import mongomock
import pytest
import requests
from flask import jsonify, request
from nameko.rpc import rpc
from werkzeug.serving import make_server

from gateway.idempotency import DONE, KEPT, RUNNING_LEASE, IdempotencyStore
from leads.service import LeadsService
from sfa_common.errors import EXPECTED

LEADS = "/api/v1/leads"
THINGS = "/api/v1/test-things"
DEADLINE = 20   # seconds; generous for a loaded 2-core machine


def assert_problem(response, status, field):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


def keyed(key):
    return {"Idempotency-Key": key}


def companies(client, company):
    """The stored leads with ``company``, through the API's list."""
    items = client.get(LEADS, query_string={"limit": 100}).get_json()["items"]
    return [lead for lead in items if lead["company"] == company]


@pytest.fixture(autouse=True)
def things(gateway_app):
    """A route that makes a "thing" and answers 201 with a Location, added before the
    first request (the clients sign in when they are made): what is kept is what a view
    answered, headers included."""
    made = []

    def make_thing():
        made.append(request.get_json())
        return jsonify(id=len(made)), 201, {"Location": f"{THINGS}/{len(made)}"}

    gateway_app.add_url_rule(THINGS, "test_things", make_thing, methods=["POST"])
    return made


@pytest.fixture
def leads(start_service):
    return start_service(LeadsService)


def test_a_retried_post_creates_one_record_and_replays_the_answer(client, leads):
    body = {"company": "Retry Co"}
    first = client.post(LEADS, json=body, headers=keyed("create-retry-co"))
    assert first.status_code == 201
    assert "Idempotency-Replayed" not in first.headers

    again = client.post(LEADS, json=body, headers=keyed("create-retry-co"))
    assert again.status_code == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.mimetype == "application/json"
    assert [lead["id"] for lead in companies(client, "Retry Co")] == [first.get_json()["id"]]
    # Without a key, nothing is kept: a second POST is a second lead.
    client.post(LEADS, json=body)
    assert len(companies(client, "Retry Co")) == 2


def test_the_replay_carries_the_status_body_and_location(client, things):
    first = client.post(THINGS, json={"n": 1}, headers=keyed("thing-1"))
    # The same data in another key order and spacing is the same request.
    again = client.post(THINGS, data='{ "n" : 1 }', content_type="application/json",
                        headers=keyed("thing-1"))
    assert (again.status_code, again.get_json(), again.headers["Location"]) == \
        (201, {"id": 1}, f"{THINGS}/1")
    assert first.headers["Location"] == f"{THINGS}/1"
    assert again.headers["Idempotency-Replayed"] == "true"
    assert things == [{"n": 1}]


def test_the_same_key_with_another_request_is_422_naming_the_header(client, things):
    assert client.post(THINGS, json={"n": 1}, headers=keyed("k")).status_code == 201
    assert_problem(client.post(THINGS, json={"n": 2}, headers=keyed("k")), 422,
                   "Idempotency-Key")
    # Another path with the same key is another request too.
    assert_problem(client.post(f"{THINGS}?x=1", json={"n": 1}, headers=keyed("k")), 422,
                   "Idempotency-Key")
    assert things == [{"n": 1}]


def test_keys_are_kept_apart_per_caller(client, gw, leads):
    gw.user("rep@idempotency.example", ("sales_rep",))
    rep = gw.token("rep@idempotency.example")
    body = {"company": "Shared Key Co"}
    mine = client.post(LEADS, json=body, headers=keyed("same-key"))
    theirs = gw.call("POST", LEADS, rep, json=body, headers=keyed("same-key"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotency-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != mine.get_json()["id"]
    assert len(companies(client, "Shared Key Co")) == 2


def test_a_retry_while_the_first_still_runs_is_409(gateway_app, start_service):
    entered, release = threading.Event(), threading.Event()

    class HeldLeads(LeadsService):
        @rpc(expected_exceptions=EXPECTED)
        def create_lead(self, payload):
            entered.set()
            release.wait()
            return super().create_lead(payload)

    start_service(HeldLeads)
    first_client, retry_client = gateway_app.test_client(), gateway_app.test_client()
    body, first = {"company": "Held Co"}, {}
    thread = threading.Thread(target=lambda: first.update(
        answer=first_client.post(LEADS, json=body, headers=keyed("held"))))
    thread.start()
    try:
        assert entered.wait(DEADLINE), "the first request never reached the service"
        retry = retry_client.post(LEADS, json=body, headers=keyed("held"))
        assert_problem(retry, 409, "Idempotency-Key")
        assert retry.headers["Retry-After"] == "1"
    finally:
        release.set()
        thread.join(DEADLINE)
    assert first["answer"].status_code == 201
    replayed = retry_client.post(LEADS, json=body, headers=keyed("held"))
    assert (replayed.status_code, replayed.headers["Idempotency-Replayed"]) == (201, "true")
    assert replayed.get_json() == first["answer"].get_json()
    assert len(companies(retry_client, "Held Co")) == 1


def test_a_5xx_is_not_kept_and_the_retry_runs_once_the_service_is_back(
        client, start_service):
    start_service(LeadsService).stop()
    body = {"company": "Back Again Co"}
    assert client.post(LEADS, json=body, headers=keyed("back")).status_code == 503

    start_service(LeadsService)
    retried = client.post(LEADS, json=body, headers=keyed("back"))
    assert retried.status_code == 201
    assert "Idempotency-Replayed" not in retried.headers
    assert [lead["id"] for lead in companies(client, "Back Again Co")] == \
        [retried.get_json()["id"]]


@pytest.mark.parametrize("key", [" ", "x" * 101, "tab\tkey"])
def test_a_malformed_key_is_400_naming_the_header(client, things, key):
    assert_problem(client.post(THINGS, json={"n": 1}, headers=keyed(key)), 400,
                   "Idempotency-Key")
    assert things == []


def test_requests_without_a_caller_keep_no_keys(client, gateway_app):
    # Sign-in has no caller to keep a key for: the header changes nothing.
    answer = client.post("/api/v1/auth/sign-in", headers=keyed("sign-in"),
                         json={"email": "nobody@example.com", "password": "wrong password"})
    assert answer.status_code == 401
    assert gateway_app.extensions["idempotency"].keys.count_documents({}) == 0


def test_the_openapi_document_offers_the_header_on_every_post_with_a_caller(client):
    document = client.get("/openapi.json").get_json()
    assert document["components"]["parameters"]["IdempotencyKey"]["in"] == "header"
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    posts = {path: operations["post"] for path, operations in document["paths"].items()
             if "post" in operations}
    assert reference in posts[LEADS]["parameters"]
    assert reference in posts["/api/v1/quotes"]["parameters"]
    assert reference not in posts["/api/v1/auth/sign-in"].get("parameters", [])


# -- a client that loses the answer ----------------------------------------------------

@pytest.fixture
def server(gateway_app):
    """The gateway on a real loopback socket, so a client can hang up on it."""
    httpd = make_server("127.0.0.1", 0, gateway_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever)
    thread.start()
    yield f"127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(DEADLINE)


def until(condition, what):
    stop = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > stop:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_post_whose_answer_was_lost_is_answered_by_its_retry(
        server, gw, gateway_app, client, leads):
    token, key = gw.admin_token, "lost-answer-1"
    body = json.dumps({"company": "Lost Answer Co"}).encode()
    host, port = server.split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            f"POST {LEADS} HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    # The client hung up without reading; the gateway ran the request all the same.
    kept = gateway_app.extensions["idempotency"].keys
    until(lambda: (kept.find_one({"key": key}) or {}).get("state") == DONE,
          "the first request to finish")

    retry = requests.post(f"http://{server}{LEADS}", data=body, timeout=DEADLINE, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Idempotency-Key": key})
    assert (retry.status_code, retry.headers["Idempotency-Replayed"]) == (201, "true")
    assert [lead["id"] for lead in companies(client, "Lost Answer Co")] == \
        [retry.json()["id"]]


# -- the store's clock -----------------------------------------------------------------

class Clock:
    # From the real time: the embedded engine expires TTL-indexed documents against it.
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def store():
    clock = Clock()
    db = mongomock.MongoClient(tz_aware=True)["idempotency_test"]
    IdempotencyStore.ensure_indexes(db)
    kept = IdempotencyStore(db, clock=clock)
    kept.clock_ = clock
    return kept


def test_the_keys_are_unique_per_caller_and_expire_after_a_day(store):
    indexes = {tuple(key for key, _ in index["key"]): index
               for index in store.keys.index_information().values()}
    assert indexes[("principal", "key")]["unique"] is True
    assert indexes[("created_at",)]["expireAfterSeconds"] == KEPT.total_seconds()


def test_an_abandoned_claim_is_taken_over_after_its_lease(store):
    token, _ = store.claim("internal:u1", "k", "fp")
    assert store.claim("internal:u1", "k", "fp")[0] is None     # still running: 409
    store.clock_.now += RUNNING_LEASE
    taken, _ = store.claim("internal:u1", "k", "fp")
    assert taken not in (None, token)
    store.finish("internal:u1", "k", token, {"status": 201})    # the old claim lost it
    assert store.keys.find_one({"key": "k"})["state"] != DONE


def test_a_record_older_than_a_day_counts_as_absent(store):
    token, _ = store.claim("internal:u1", "k", "fp")
    store.finish("internal:u1", "k", token, {"status": 201, "body": b"{}",
                                              "content_type": "application/json"})
    store.clock_.now += KEPT - timedelta(seconds=1)
    assert store.claim("internal:u1", "k", "other")[1]["state"] == DONE
    store.clock_.now += timedelta(seconds=1)
    assert store.claim("internal:u1", "k", "other")[0] is not None
