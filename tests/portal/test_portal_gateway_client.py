"""The gateway client turns every way the gateway can fail into a typed error."""
import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fake_gateway import PASSWORD, PROBLEM_JSON, REP_EMAIL, product

from portal.gateway_client import (
    GatewayClient,
    GatewayRejected,
    GatewayUnavailable,
    retry_after_seconds,
)


@pytest.fixture
def gateway_client(gateway):
    return GatewayClient(gateway.url + "/", timeout=2)


@pytest.fixture
def token(gateway):
    return gateway.issue_token(REP_EMAIL)


def test_list_products_returns_the_page(gateway, gateway_client, token):
    gateway.serve({"items": [product("A", "a", "12.50")], "next_cursor": "n1"})

    page = gateway_client.list_products(token=token)

    assert page["next_cursor"] == "n1"
    assert page["items"][0]["sku"] == "A"
    assert page["items"][0]["list_price"] == {"amount": "12.50", "currency": "CNY"}
    assert gateway.queries == [{"limit": ["50"]}]


def test_json_numbers_come_back_as_decimals(gateway, gateway_client, token):
    gateway.serve('{"items": [], "next_cursor": null, "total": 0.1}')

    assert gateway_client.list_products(token=token)["total"] == Decimal("0.1")


def test_a_token_is_sent_as_bearer(gateway, gateway_client, token):
    gateway_client.list_products(token=token)

    assert gateway.headers[-1]["Authorization"] == f"Bearer {token}"


def test_4xx_carries_the_problem_body(gateway, gateway_client, token):
    problem = {"type": "about:blank", "title": "Bad request", "status": 400,
               "detail": "The request is not valid.", "errors": {"limit": ["Too large."]}}
    gateway.failure = (400, json.dumps(problem), PROBLEM_JSON)

    with pytest.raises(GatewayRejected) as raised:
        gateway_client.list_products(token=token)

    error = raised.value
    assert error.status == 400
    assert error.problem == problem
    assert error.title == "Bad request"
    assert error.detail == "The request is not valid."
    assert error.errors == {"limit": ["Too large."]}


def test_4xx_without_a_problem_body_is_still_typed(gateway, gateway_client, token):
    gateway.failure = (404, "<h1>Not Found</h1>", "text/html")

    with pytest.raises(GatewayRejected) as raised:
        gateway_client.list_products(token=token)

    assert raised.value.status == 404
    assert raised.value.problem["status"] == 404
    assert raised.value.errors == {}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unavailable(gateway, gateway_client, status, token):
    gateway.failure = (status, json.dumps({"title": "x", "status": status}), PROBLEM_JSON)

    with pytest.raises(GatewayUnavailable):
        gateway_client.list_products(token=token)


def test_connection_refused_is_unavailable(closed_port_url):
    with pytest.raises(GatewayUnavailable):
        GatewayClient(closed_port_url, timeout=2).list_products()


def test_a_slow_gateway_is_unavailable_after_the_timeout(gateway):
    gateway.delay = 3
    started = time.monotonic()

    with pytest.raises(GatewayUnavailable, match="0.2s"):
        GatewayClient(gateway.url, timeout=0.2).list_products()

    assert time.monotonic() - started < 2


@pytest.mark.parametrize("body", ["not json", "[]", '{"next_cursor": null}'])
def test_a_malformed_success_is_unavailable(gateway, gateway_client, body, token):
    gateway.serve(body)

    with pytest.raises(GatewayUnavailable):
        gateway_client.list_products(token=token)


def test_the_cursor_is_passed_as_given(gateway, gateway_client, token):
    gateway.serve({"items": [], "next_cursor": None}, cursor="a b+c/=")

    gateway_client.list_products(cursor="a b+c/=", token=token)

    assert gateway.queries == [{"limit": ["50"], "cursor": ["a b+c/="]}]


def test_sign_in_asks_for_a_portal_token_and_returns_the_grant(gateway, gateway_client):
    grant = gateway_client.sign_in(REP_EMAIL, PASSWORD)

    assert grant["token_type"] == "Bearer" and grant["expires_in"] == 3600
    assert grant["access_token"] in gateway.tokens
    assert grant["user"]["id"] == "u-rep" and grant["user"]["kind"] == "partner"
    (call,) = gateway.calls_to("POST", "/api/v1/auth/sign-in")
    assert call.body == {"email": REP_EMAIL, "password": PASSWORD, "audience": "portal"}
    assert call.bearer is None


def test_bad_credentials_are_rejected_401(gateway_client):
    with pytest.raises(GatewayRejected) as raised:
        gateway_client.sign_in(REP_EMAIL, "wrong")

    assert raised.value.status == 401
    assert raised.value.retry_after is None


def test_a_rate_limit_carries_retry_after(gateway, gateway_client):
    gateway.rate_limited = 90

    with pytest.raises(GatewayRejected) as raised:
        gateway_client.sign_in(REP_EMAIL, PASSWORD)

    assert raised.value.status == 429
    assert raised.value.retry_after == 90


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120),
    (" 7 ", 7),
    ("Tue, 24 Nov 2026 08:02:00 GMT", 120),
    ("Tue, 24 Nov 2026 07:59:00 GMT", 0),  # already past
    ("soon", None),
    ("-5", None),
    ("", None),
    (None, None),
])
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    now = datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC)

    assert retry_after_seconds(value, now=now) == seconds


def test_sign_out_sends_the_bearer_and_accepts_204(gateway, gateway_client, token):
    assert gateway_client.sign_out(token) is None

    (call,) = gateway.calls_to("POST", "/api/v1/auth/sign-out")
    assert call.bearer == token
    assert token not in gateway.tokens


def test_me_returns_the_user_of_the_token(gateway_client, token):
    me = gateway_client.me(token)

    assert me["id"] == "u-rep" and me["roles"] == ["partner_rep"]
    assert me["partner_org"]["tier"] == "gold"


@pytest.mark.parametrize("body", [{}, {"id": ""}, {"id": "u", "roles": "admin"}, []])
def test_a_me_answer_that_is_not_a_user_is_unavailable(gateway, gateway_client, token, body):
    gateway.override("GET", "/api/v1/auth/me", 200, body)

    with pytest.raises(GatewayUnavailable):
        gateway_client.me(token)


def test_a_grant_without_token_is_unavailable(gateway, gateway_client):
    gateway.override("POST", "/api/v1/auth/sign-in", 200, {"user": {"id": "u"}})

    with pytest.raises(GatewayUnavailable):
        gateway_client.sign_in(REP_EMAIL, PASSWORD)


def test_a_user_id_is_one_path_segment(gateway, gateway_client, token):
    with pytest.raises(GatewayRejected):
        gateway_client.update_partner_user(token, "../../auth/sign-out", active=False)

    (call,) = gateway.calls
    assert call.method == "PATCH" and call.path.startswith("/api/v1/partner/users/")
    assert gateway.calls_to("POST", "/api/v1/auth/sign-out") == []


def test_field_errors_are_lists_whatever_the_gateway_sent():
    refused = GatewayRejected(400, {"errors": {"email": "Taken.", "name": ["Empty.", "x"]}})

    assert refused.field_errors() == {"email": ["Taken."], "name": ["Empty.", "x"]}


def test_list_filters_left_empty_are_not_sent(gateway, gateway_client, token):
    gateway_client.list_opportunities(token, status="open", stage="", q=None,
                                      sort="-amount", cursor="")

    (call,) = gateway.calls_to("GET", "/api/v1/opportunities")
    assert call.args == {"status": "open", "sort": "-amount", "limit": "25"}


def test_an_opportunity_id_is_one_path_segment(gateway, gateway_client, token):
    for attempt in (lambda: gateway_client.get_opportunity(token, "../../auth/me"),
                    lambda: gateway_client.move_stage(token, "../x", {"stage": "won"}),
                    lambda: gateway_client.update_opportunity(token, "a/b", {"notes": "x"}),
                    lambda: gateway_client.list_contacts(token, "../../opportunities")):
        with pytest.raises(GatewayRejected):
            attempt()

    assert [call.path for call in gateway.calls] == [
        "/api/v1/opportunities/../../auth/me", "/api/v1/opportunities/../x/stage",
        "/api/v1/opportunities/a/b", "/api/v1/accounts/../../opportunities/contacts"]
    assert gateway.calls_to("GET", "/api/v1/auth/me") == []


@pytest.mark.parametrize(("route", "body", "ask"), [
    ("/api/v1/pipeline", {"stages": None}, lambda client, token: client.pipeline(token)),
    ("/api/v1/pipeline", {"stages": [{"kind": "open"}]},
     lambda client, token: client.pipeline(token)),
    ("/api/v1/reports/pipeline", {"rows": []},
     lambda client, token: client.pipeline_report(token)),
    ("/api/v1/reports/win-rate", {"won_count": 1},
     lambda client, token: client.win_rate_report(token)),
    ("/api/v1/opportunities/x", {"name": "no id"},
     lambda client, token: client.get_opportunity(token, "x")),
    ("/api/v1/accounts", {"next_cursor": None},
     lambda client, token: client.list_accounts(token)),
])
def test_an_answer_of_the_wrong_shape_is_unavailable(gateway, gateway_client, token, route,
                                                     body, ask):
    gateway.override("GET", route, 200, body)

    with pytest.raises(GatewayUnavailable):
        ask(gateway_client, token)
