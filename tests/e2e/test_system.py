"""The whole path with real processes: HTTP -> gateway (gunicorn) -> AMQP -> service
(nameko run) -> storage, and back."""
import re
import time

import pytest
import requests
from support import run_seed

pytestmark = pytest.mark.e2e


def test_a_request_travels_the_whole_system_and_back(system, api):
    base = f"{system.gateway_url}/api/v1"
    created = api.post(f"{base}/leads", json={"company": "深圳市前海云帆科技有限公司",
                                                   "phone": "+86 755 8888 0000"}, timeout=10)
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead["normalised_company"] == "前海云帆科技"

    fetched = api.get(f"{base}/leads/{lead['id']}", timeout=10)
    assert fetched.status_code == 200
    assert lead.pop("duplicates") == []      # the create answer's warning, not a field
    assert fetched.json() == lead

    rejected = api.post(f"{base}/leads", data="{", timeout=10,
                             headers={"Content-Type": "application/json"})
    assert rejected.status_code == 400
    assert rejected.headers["Content-Type"] == "application/problem+json"


def test_a_stopped_service_answers_503_within_the_timeout_then_recovers(system, api):
    base = f"{system.gateway_url}/api/v1"
    lead = api.post(f"{base}/leads", json={"company": "Acme"}, timeout=10).json()
    system.stop("leads")
    try:
        started = time.monotonic()
        response = api.get(f"{base}/leads/{lead['id']}", timeout=30)
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
    # The data lives in the server, not in the service process: the restarted service
    # answers the same record.
    again = api.get(f"{base}/leads/{lead['id']}", timeout=10)
    assert again.status_code == 200
    assert again.json()["company"] == "Acme"


def test_demo_data_seeds_idempotently_and_the_portal_shows_it(system, seeded):
    assert "/api/v1/products: 5 created, 0 already there" in seeded.stdout
    again = run_seed(system)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "/api/v1/products: 0 created, 5 already there" in again.stdout
    assert "/api/v1/accounts: 0 created, 2 already there" in again.stdout
    assert "opportunities: 0 created, 5 already there" in again.stdout
    # The leads service may have restarted empty since `seeded` (the test above stops
    # it): seed once more, then nothing is new.
    third = run_seed(system)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "leads: 0 created, 2 already there" in third.stdout

    portal = requests.Session()
    form = portal.get(f"{system.portal_url}/sign-in", timeout=10)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    signed_in = portal.post(f"{system.portal_url}/sign-in", timeout=10, data={
        "csrf_token": csrf, "email": "admin@huadong-partner.example",
        "password": "demo-partner-admin"})
    assert signed_in.status_code == 200 and "/sign-in" not in signed_in.url, signed_in.text
    page = portal.get(f"{system.portal_url}/products", timeout=10,
                      headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and page.url.endswith("/products")
    assert "机架式服务器 R740" in page.text and "45800.00" in page.text
