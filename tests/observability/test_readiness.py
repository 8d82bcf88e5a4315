"""Readiness follows the dependencies: a service's ``/readyz`` (its ops server) answers
503 while its storage does not answer or its AMQP connection is down, and 200 again
once they are back; the portal's ``/readyz`` answers 503 while the gateway is down or
too slow (within GATEWAY_TIMEOUT), 200 while it answers."""
import socket
import time

import pytest
import requests
from identity.identity_support import make_app
from observability_support import until
from pymongo.errors import ServerSelectionTimeoutError

from opportunities.service import OpportunitiesService
from portal.app import create_app as create_portal


def readiness(url):
    answer = requests.get(f"{url}/readyz", timeout=10)
    return answer.status_code, answer.json()


@pytest.fixture
def service(container_factory, service_config):
    container = container_factory(OpportunitiesService, {**service_config, "OPS_PORT": "0"})
    container.start()
    ops = next(d for d in container.dependencies if d.attr_name == "ops")
    store = next(d for d in container.dependencies if d.attr_name == "store")
    return {"url": f"http://127.0.0.1:{ops.bound_port}", "store": store}


def test_a_service_is_live_and_ready_with_its_storage_and_broker(service):
    assert requests.get(f"{service['url']}/healthz", timeout=10).json() == {
        "status": "ok", "service": "opportunities"}
    assert readiness(service["url"]) == (200, {"status": "ready", "storage": "ok",
                                               "broker": "ok"})
    assert requests.get(f"{service['url']}/nothing", timeout=10).status_code == 404


class Unreachable:
    """A database whose server does not answer, as pymongo reports it."""

    def command(self, *args, **kwargs):
        raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")


def test_a_service_is_not_ready_while_its_storage_does_not_answer(service, monkeypatch):
    monkeypatch.setattr(service["store"], "db", Unreachable())
    status, body = readiness(service["url"])
    assert status == 503
    assert body["checks"]["storage"].startswith("ServerSelectionTimeoutError")
    assert body["checks"]["broker"] == "ok"

    monkeypatch.undo()
    assert readiness(service["url"])[0] == 200


def test_a_service_is_not_ready_while_its_broker_connection_is_down(
        service, rabbit_manager, rabbit_config):
    vhost, user = rabbit_config["vhost"], rabbit_config["username"]

    def connections():
        return [c["name"] for c in rabbit_manager.get_connections() if c["vhost"] == vhost]

    until(connections, "the service's connection listed by the broker")
    # Refuse the user on the vhost, then drop its connections: every reconnection fails
    # until the permissions are back, like a broker that is down for this service.
    rabbit_manager._delete("permissions", vhost, user)
    try:
        for name in connections():
            rabbit_manager.delete_connection(name)
        until(lambda: readiness(service["url"])[0] == 503, "readiness to fail")
        status, body = readiness(service["url"])
        assert body["checks"] == {"storage": "ok", "broker": "disconnected"}
    finally:
        rabbit_manager.set_vhost_permissions(vhost, user, ".*", ".*", ".*")
    until(lambda: readiness(service["url"]) == (
        200, {"status": "ready", "storage": "ok", "broker": "ok"}), "readiness to recover")


def test_the_ops_server_is_off_without_ops_port_and_stops_with_the_container(
        container_factory, service_config):
    quiet = container_factory(OpportunitiesService, service_config)
    quiet.start()
    assert next(d for d in quiet.dependencies if d.attr_name == "ops").bound_port is None

    container = container_factory(OpportunitiesService, {**service_config, "OPS_PORT": "0"})
    container.start()
    port = next(d for d in container.dependencies if d.attr_name == "ops").bound_port
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    container.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)


# -- the portal --------------------------------------------------------------------------

def portal_client(gateway_url, timeout="5"):
    return create_portal({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway_url,
                          "GATEWAY_TIMEOUT": timeout,
                          "SECRET_KEY": "observability-tests"}).test_client()


def test_the_portal_is_ready_while_the_gateway_answers_and_not_after(serve):
    gateway = serve(make_app())   # no broker needed: /healthz checks nothing
    client = portal_client(gateway.url)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready", "gateway": "ok"}

    gateway.stop()
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.mimetype == "application/problem+json"
    assert "cannot reach the gateway" in down.get_json()["detail"]
    assert client.get("/healthz").status_code == 200   # alive all the same


def test_the_portal_is_not_ready_when_the_gateway_does_not_answer_in_time():
    with socket.socket() as silent:   # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = portal_client(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout="0.3")
        started = time.monotonic()
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert time.monotonic() - started < 3
        assert "did not answer within 0.3s" in answer.get_json()["detail"]
