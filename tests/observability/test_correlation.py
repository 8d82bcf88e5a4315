"""One correlation id follows a request portal → gateway → RPC → event: a partner moves
a deal to won in the portal; the portal, the gateway, the opportunities service's RPC
worker and the commission service's event handler all log the id the browser's request
carried. Real pieces throughout: the portal app, the gateway served over HTTP, both
services on the real broker."""
import re
import uuid

import pytest
import requests
from identity.identity_support import PASSWORD, Gateway
from nameko.testing.services import entrypoint_waiter

from commission.service import CommissionService
from opportunities.service import OpportunitiesService
from portal.app import create_app as create_portal

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CNY_100 = {"amount": "100.00", "currency": "CNY"}
PARTNER_EMAIL = "rep@channel-a.example"


def csrf(client):
    """The session's CSRF token, from a page that shows a form (a 404 has the layout)."""
    return CSRF_FIELD.search(client.get("/no-such-page").get_data(as_text=True)).group(1)


@pytest.fixture
def services(start_service):
    return {"opportunities": start_service(OpportunitiesService),
            "commission": start_service(CommissionService)}


@pytest.fixture
def partner_deal(gateway_app, services):
    """An open deal of a partner rep of 渠道甲, created by the admin."""
    gateway = Gateway(gateway_app)
    org = gateway.org("渠道甲")["id"]
    partner, _token = gateway.partner(org, PARTNER_EMAIL)
    owner = gateway.user("owner@internal.example")
    ownership = {"owner_id": owner["id"], "partner_user_id": partner["id"]}

    def created(path, body):
        answer = gateway.call("POST", path, gateway.admin_token, json=body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    account = created("/api/v1/accounts", {"name": "甲方客户", "partner_org_ids": [org],
                                           **ownership})
    return created("/api/v1/opportunities", {
        "name": "甲方商机", "account_id": account["id"], "amount": CNY_100,
        "expected_close_date": "2026-12-31", "partner_org_id": org, **ownership})


@pytest.fixture
def portal(gateway_app, serve):
    """The portal, signed in as the partner rep, in front of the real gateway."""
    gateway = serve(gateway_app)
    app = create_portal({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                         "GATEWAY_TIMEOUT": "10", "SECRET_KEY": "observability-tests"})
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"csrf_token": csrf(client),
                                              "email": PARTNER_EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    return client


def test_a_won_deal_is_logged_under_one_id_from_the_portal_to_the_event_handler(
        services, partner_deal, portal, log_lines):
    request_id = f"browser-{uuid.uuid4().hex[:12]}"
    path = f"/opportunities/{partner_deal['id']}/stage"

    with entrypoint_waiter(services["commission"], "on_opportunity_won", timeout=30):
        moved = portal.post(path, data={"csrf_token": csrf(portal), "stage": "won"},
                            headers={"X-Request-ID": request_id})
    assert moved.status_code == 302, moved.get_data(as_text=True)
    assert moved.headers["X-Request-ID"] == request_id

    lines = log_lines.with_id(request_id)
    requests_logged = {(line["component"], line["method"], line["route"], line["status"])
                       for line in lines if "route" in line}
    assert ("portal", "POST", "/opportunities/<opportunity_id>/stage", 302) in requests_logged
    assert ("gateway", "POST", "/api/v1/opportunities/<opportunity_id>/stage",
            200) in requests_logged
    calls = {(line["service"], line["entrypoint"], line["outcome"])
             for line in lines if "entrypoint" in line}
    assert ("opportunities", "move_stage", "ok") in calls
    assert ("commission", "on_opportunity_won", "ok") in calls
    # Nothing else shares it: the next request gets its own.
    assert all(line["correlation_id"] == request_id for line in lines)


def test_the_portal_sends_a_fresh_id_when_the_browser_sends_none_or_a_malformed_one(
        gateway_app, serve, log_lines):
    gateway = serve(gateway_app)
    portal = create_portal({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                            "GATEWAY_TIMEOUT": "10", "SECRET_KEY": "observability-tests"})
    client = portal.test_client()
    for sent in (None, "two words", "x" * 65, "ünïcode"):
        headers = {"X-Request-ID": sent} if sent else {}
        answer = client.get("/readyz", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        fresh = answer.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", fresh), fresh
        # The gateway answered the portal's /readyz call under the same id.
        assert any(line["component"] == "gateway" and line["route"] == "/healthz"
                   for line in log_lines.with_id(fresh) if "route" in line)


def test_the_gateway_keeps_a_well_formed_id_and_replaces_any_other(gateway_app, serve):
    gateway = serve(gateway_app)
    kept = "Abc.123_x-Y"
    assert requests.get(f"{gateway.url}/healthz", headers={"X-Request-ID": kept},
                        timeout=10).headers["X-Request-ID"] == kept
    for sent in ("", "a b", "x" * 65, "<script>"):
        answer = requests.get(f"{gateway.url}/healthz", headers={"X-Request-ID": sent},
                              timeout=10)
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"]), sent
