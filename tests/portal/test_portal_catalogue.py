"""/products shows the gateway's catalogue, page by page, and survives its outages."""
import json
import re

import pytest
from fake_gateway import PROBLEM_JSON, REP_EMAIL, product
from portal_actions import AuthActions

from portal.app import create_app


@pytest.fixture(autouse=True)
def _a_partner_is_signed_in(signed_in):
    """The catalogue is for signed-in partners (see test_portal_auth.py)."""


def rows(html):
    return re.findall(r"<tr[ >].*?</tr>", html, flags=re.S)[1:]  # [0] is the header


def test_products_page_lists_what_the_gateway_answers(client, gateway):
    gateway.serve({"items": [
        product("HW-001", "路由器 X1", "12.50", category="网络设备", unit="台"),
        product("SV-900", "Support plan", "99.00", category="Services", unit="year",
                active=False),
    ], "next_cursor": None})

    response = client.get("/products")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first, second = rows(html)
    for text in ("HW-001", "路由器 X1", "网络设备", "台", "¥12.50"):
        assert text in first
    for text in ("SV-900", "Support plan", "Services", "year", "¥99.00", "已停用"):
        assert text in second
    assert "已停用" not in first
    assert gateway.queries == [{"limit": ["50"]}]


def test_amounts_are_shown_exactly_as_the_gateway_gives_them(client, gateway):
    # Through a float the first two would print 12345678901234568.0 and 0.1.
    gateway.serve({"items": [
        product("A", "a", "12345678901234.57"),
        product("B", "b", "12345678901234567.89"),
        product("C", "c", "0.10"),
        product("D", "d", "7.5", currency="USD"),
    ], "next_cursor": None})

    zh = client.get("/products").get_data(as_text=True)
    en = client.get("/products", headers={"Accept-Language": "en"}).get_data(as_text=True)

    for amount in ("¥12345678901234.57", "¥12345678901234567.89", "¥0.10", "US$7.5"):
        assert amount in zh
    assert "CN¥12345678901234567.89" in en  # the symbol follows the page's language
    assert "$7.5" in en


def test_an_amount_sent_as_a_json_number_still_never_passes_through_float(client, gateway):
    gateway.serve('{"items": [{"id": "1", "sku": "N", "name": "n", "category": "c",'
                  ' "unit": "u", "list_price": {"amount": 12345678901234567.89,'
                  ' "currency": "CNY"}, "active": true}], "next_cursor": null}')

    html = client.get("/products").get_data(as_text=True)

    assert "¥12345678901234567.89" in html


def test_next_page_link_carries_the_cursor_to_the_gateway(client, gateway):
    cursor = "eyJpZCI6IDF9+/=&x"  # opaque: must survive URL encoding both ways
    gateway.serve({"items": [product("P1", "first", "1.00")], "next_cursor": cursor})
    gateway.serve({"items": [product("P2", "second", "2.00")], "next_cursor": None},
                  cursor=cursor)

    first = client.get("/products").get_data(as_text=True)
    link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert link, "no next-page link"
    href = link.group(1).replace("&amp;", "&")
    second = client.get(href).get_data(as_text=True)

    assert gateway.queries[-1] == {"limit": ["50"], "cursor": [cursor]}
    # The rows, not the whole page: a CSRF token may well contain "P1".
    (only,) = rows(second)
    assert "P2" in only and "P1" not in only
    assert 'rel="next"' not in second  # the last page has no next page
    assert "第一页" in second  # ... but a way back to the first


def test_first_page_without_next_cursor_has_no_pager_links(client, gateway):
    gateway.serve({"items": [product("P1", "only", "1.00")], "next_cursor": None})

    html = client.get("/products").get_data(as_text=True)

    assert 'rel="next"' not in html and "下一页" not in html and "第一页" not in html


def test_empty_catalogue_shows_the_empty_state(client, gateway):
    gateway.serve({"items": [], "next_cursor": None})

    response = client.get("/products")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "产品目录中还没有产品。" in html
    assert "<table" not in html


def test_a_full_page_does_not_show_the_empty_state(client, gateway):
    gateway.serve({"items": [product("P1", "one", "1.00")], "next_cursor": None})

    assert "产品目录中还没有产品。" not in client.get("/products").get_data(as_text=True)


def assert_unavailable_page(response, message):
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_gateway_down_answers_a_friendly_503_page(closed_port_url):
    client = create_app({"PORTAL_ENV": "testing", "GATEWAY_URL": closed_port_url}).test_client()
    with client.session_transaction() as session:  # signed in before the gateway went down
        session.update({"_user_id": "u-rep", "access_token": "tok-1"})

    assert_unavailable_page(client.get("/products"), "门户暂时无法连接销售系统，请稍后再试。")
    assert_unavailable_page(client.get("/products", headers={"Accept-Language": "en"}),
                            "The portal cannot reach the sales system right now.")


def test_gateway_5xx_answers_the_503_page(client, gateway):
    gateway.failure = (500, json.dumps({"title": "Internal server error", "status": 500}),
                       PROBLEM_JSON)

    assert_unavailable_page(client.get("/products"), "服务暂时不可用")


def test_gateway_too_slow_answers_the_503_page_within_the_timeout(gateway):
    client = create_app({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                         "GATEWAY_TIMEOUT": "0.2"}).test_client()
    AuthActions(client).sign_in(REP_EMAIL)
    gateway.delay = 2

    assert_unavailable_page(client.get("/products"), "服务暂时不可用")


def test_gateway_answering_garbage_answers_the_503_page(client, gateway):
    gateway.serve("<html>proxy error</html>")

    assert_unavailable_page(client.get("/products"), "服务暂时不可用")


def test_a_cursor_the_gateway_refuses_answers_a_400_page(client, gateway):
    response = client.get("/products?cursor=stale")

    assert response.status_code == 400
    assert "销售系统未接受此请求" in response.get_data(as_text=True)
