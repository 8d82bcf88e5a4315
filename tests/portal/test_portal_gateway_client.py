"""The gateway client turns every way the gateway can fail into a typed error."""
import json
import time
from decimal import Decimal

import pytest
from fake_gateway import PROBLEM_JSON, product

from portal.gateway_client import GatewayClient, GatewayRejected, GatewayUnavailable


@pytest.fixture
def gateway_client(gateway):
    return GatewayClient(gateway.url + "/", timeout=2)


def test_list_products_returns_the_page(gateway, gateway_client):
    gateway.serve({"items": [product("A", "a", "12.50")], "next_cursor": "n1"})

    page = gateway_client.list_products()

    assert page["next_cursor"] == "n1"
    assert page["items"][0]["sku"] == "A"
    assert page["items"][0]["list_price"] == {"amount": "12.50", "currency": "CNY"}
    assert gateway.queries == [{"limit": ["50"]}]


def test_json_numbers_come_back_as_decimals(gateway, gateway_client):
    gateway.serve('{"items": [], "next_cursor": null, "total": 0.1}')

    assert gateway_client.list_products()["total"] == Decimal("0.1")


def test_a_token_is_sent_as_bearer(gateway, gateway_client):
    gateway_client.list_products(token="tok-123")

    assert gateway.headers[-1]["Authorization"] == "Bearer tok-123"


def test_4xx_carries_the_problem_body(gateway, gateway_client):
    problem = {"type": "about:blank", "title": "Bad request", "status": 400,
               "detail": "The request is not valid.", "errors": {"limit": ["Too large."]}}
    gateway.failure = (400, json.dumps(problem), PROBLEM_JSON)

    with pytest.raises(GatewayRejected) as raised:
        gateway_client.list_products()

    error = raised.value
    assert error.status == 400
    assert error.problem == problem
    assert error.title == "Bad request"
    assert error.detail == "The request is not valid."
    assert error.errors == {"limit": ["Too large."]}


def test_4xx_without_a_problem_body_is_still_typed(gateway, gateway_client):
    gateway.failure = (404, "<h1>Not Found</h1>", "text/html")

    with pytest.raises(GatewayRejected) as raised:
        gateway_client.list_products()

    assert raised.value.status == 404
    assert raised.value.problem["status"] == 404
    assert raised.value.errors == {}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unavailable(gateway, gateway_client, status):
    gateway.failure = (status, json.dumps({"title": "x", "status": status}), PROBLEM_JSON)

    with pytest.raises(GatewayUnavailable):
        gateway_client.list_products()


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
def test_a_malformed_success_is_unavailable(gateway, gateway_client, body):
    gateway.serve(body)

    with pytest.raises(GatewayUnavailable):
        gateway_client.list_products()


def test_the_cursor_is_passed_as_given(gateway, gateway_client):
    gateway.serve({"items": [], "next_cursor": None}, cursor="a b+c/=")

    gateway_client.list_products(cursor="a b+c/=")

    assert gateway.queries == [{"limit": ["50"], "cursor": ["a b+c/="]}]
