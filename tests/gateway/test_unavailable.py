"""A service or broker that cannot answer gives a quick 503, never a hang, and a
request that timed out is not run later behind the caller's back."""
import time

import pytest
from support import stored

from commission.service import CommissionService
from gateway.app import create_app
from leads.service import LeadsService
from opportunities.service import OpportunitiesService
from quotes.service import QuotesService

RPC_TIMEOUT = 2.0
READY_TIMEOUT = 1.0
SLACK = 1.5  # scheduling and connection set-up on a loaded 2-core machine


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.fixture
def start_leads(start_service):
    return lambda: start_service(LeadsService)


def test_readyz_names_each_service_that_does_not_answer(client, start_leads):
    start_leads()
    response, elapsed = timed(lambda: client.get("/readyz"))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    services = response.get_json()["services"]
    assert services["leads"] == "ok"
    assert {name for name, state in services.items() if state != "ok"} == {
        "opportunities", "quotes", "commission"}
    assert elapsed < READY_TIMEOUT + SLACK


def test_a_stopped_service_answers_503_within_the_rpc_timeout(client, start_leads):
    leads = start_leads()
    lead_id = client.post("/api/v1/leads", json={"company": "Acme"}).get_json()["id"]
    leads.stop()  # its queue stays: calls now wait for nobody

    response, elapsed = timed(lambda: client.get(f"/api/v1/leads/{lead_id}"))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "1"
    assert RPC_TIMEOUT <= elapsed < RPC_TIMEOUT + SLACK

    ready, elapsed = timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503 and ready.get_json()["services"]["leads"] != "ok"
    assert elapsed < READY_TIMEOUT + SLACK


def test_the_gateway_recovers_when_the_service_returns(client, start_leads):
    leads = start_leads()
    leads.stop()
    assert client.post("/api/v1/leads", json={"company": "Acme"}).status_code == 503
    start_leads()
    assert client.post("/api/v1/leads", json={"company": "Acme"}).status_code == 201


def test_a_returning_service_answers_the_same_request_and_readiness_comes_back(
        client, start_service):
    for service in (OpportunitiesService, QuotesService, CommissionService):
        start_service(service)
    leads = start_service(LeadsService)
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/v1/leads").status_code == 200

    leads.stop()
    response, elapsed = timed(lambda: client.get("/api/v1/leads"))
    assert response.status_code == 503
    assert elapsed < RPC_TIMEOUT + SLACK
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert {name for name, state in ready.get_json()["services"].items()
            if state != "ok"} == {"leads"}

    start_service(LeadsService)       # the same gateway: no restart, no new pool
    assert client.get("/api/v1/leads").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_request_that_timed_out_never_runs_later(client, start_leads):
    start_leads().stop()
    assert client.post("/api/v1/leads", json={"company": "Lost Co"}).status_code == 503

    returned = start_leads()
    # The queue is first-in first-out: had the timed-out request survived, the
    # returning service would store it before this one.
    assert client.post("/api/v1/leads", json={"company": "Kept Co"}).status_code == 201
    companies = [lead["company"] for lead in stored(returned, "leads").find()]
    assert companies == ["Kept Co"]


def test_an_unreachable_broker_is_a_quick_503():
    app = create_app({"TESTING": True, "AMQP_URI": "pyamqp://guest:guest@127.0.0.1:1//",
                      "RPC_TIMEOUT": "2"})
    url = "/api/v1/leads/0123456789abcdef01234567"
    response, elapsed = timed(lambda: app.test_client().get(url))
    assert response.status_code == 503
    assert "broker" in response.get_json()["detail"]
    assert elapsed < RPC_TIMEOUT + SLACK
