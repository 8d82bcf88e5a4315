"""The whole path with real processes: HTTP -> gateway (gunicorn) -> AMQP -> service
(nameko run) -> storage, and back."""
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_a_request_travels_the_whole_system_and_back(system):
    api = f"{system.gateway_url}/api/v1"
    created = requests.post(f"{api}/leads", json={"company": "深圳市前海云帆科技有限公司",
                                                   "phone": "+86 755 8888 0000"}, timeout=10)
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead["normalised_company"] == "前海云帆科技"

    fetched = requests.get(f"{api}/leads/{lead['id']}", timeout=10)
    assert fetched.status_code == 200
    assert fetched.json() == lead

    rejected = requests.post(f"{api}/leads", data="{", timeout=10,
                             headers={"Content-Type": "application/json"})
    assert rejected.status_code == 400
    assert rejected.headers["Content-Type"] == "application/problem+json"


def test_a_stopped_service_answers_503_within_the_timeout_then_recovers(system):
    api = f"{system.gateway_url}/api/v1"
    lead = requests.post(f"{api}/leads", json={"company": "Acme"}, timeout=10).json()
    system.stop("leads")
    try:
        started = time.monotonic()
        response = requests.get(f"{api}/leads/{lead['id']}", timeout=30)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/problem+json"
        assert elapsed < 2 + 1.5  # RPC_TIMEOUT plus slack, far from a hang

        ready = requests.get(f"{system.gateway_url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["services"]["leads"] != "ok"
    finally:
        system.start("leads")
        system.wait_until_ready()
    # The embedded engine lives in the service process: the restarted one starts empty.
    assert requests.get(f"{api}/leads/{lead['id']}", timeout=10).status_code == 404
