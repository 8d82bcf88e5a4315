"""/quotes: the partner's quotes (number, version, opportunity, status, total; rows
``tr[data-quote-id]``), filtered by status and paged by the gateway; /quotes/<id>: one
quote's lines with their traces, totals and status, and ``#download-pdf``, a portal
route streaming the gateway's PDF. Outside the partner's scope is the 404 page."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, OTHER_ORG_ADMIN_EMAIL
from portal_actions import element, href, text

LIST = ("GET", "/api/v1/quotes")


@pytest.fixture
def catalogue(gateway):
    quotes = gateway.quotes
    quotes.add_product("SRV-R750", "机架服务器 R750", "42000.00", cost="30000.00")
    quotes.add_product("SW-CRM-USER", "CRM 用户许可", "1200.00", unit="user")
    quotes.add_price_list("金牌伙伴价 2026", ["gold"], [
        {"sku": "SW-CRM-USER", "kind": "percent_discount", "percent": "12.5"}])
    gateway.serve(quotes.product_page())
    return quotes


@pytest.fixture
def seeded(world, catalogue):
    """The rep's two quotes, the admin's one and another organisation's."""
    return {
        "crm": catalogue.add_quote(world.crm, [("SW-CRM-USER", "10")]),
        "cloud": catalogue.add_quote(world.cloud, [("SRV-R750", "2"), ("SW-CRM-USER", "3")],
                                     status="sent"),
        "port": catalogue.add_quote(world.port, [("SRV-R750", "1")]),
        "foreign": catalogue.add_quote(world.foreign, [("SRV-R750", "1")]),
    }


@pytest.fixture
def rep(signed_in, seeded):
    return signed_in


def page(client, path):
    response = client.get(path)
    return response, response.get_data(as_text=True)


def rows(html):
    """{quote id: {cell class: text}} in the page's order."""
    found = {}
    for match in re.finditer(r'<tr data-quote-id="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        found[match.group(1)] = {
            cell: text(re.search(rf'<td class="[^"]*\b{cell}\b[^"]*">(.*?)</td>',
                                 match.group(2), re.S).group(1))
            for cell in ("number", "version", "opportunity", "status", "total")}
    return found


def test_the_pages_ask_an_anonymous_visitor_to_sign_in(client, seeded):
    for path in ("/quotes", f"/quotes/{seeded['crm']}", f"/quotes/{seeded['crm']}/pdf"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_a_rep_sees_their_own_quotes_newest_first(rep, gateway, seeded, world):
    response, html = page(rep, "/quotes")

    assert response.status_code == 200
    shown = rows(html)
    assert list(shown) == [seeded["cloud"], seeded["crm"]]
    cloud = gateway.quotes.quotes[seeded["cloud"]]
    assert shown[seeded["cloud"]] == {
        "number": cloud["number"], "version": "1", "opportunity": "西溪数据 - 私有云扩容",
        "status": "已发送给客户", "total": "¥98479.50"}
    assert 'aria-current="page">报价' in html
    (call,) = gateway.calls_to(*LIST)
    assert call.args == {"limit": "25"}


def test_a_partner_admin_sees_the_organisations_quotes(client, auth, seeded):
    auth.sign_in(email=ADMIN_EMAIL)

    shown = rows(page(client, "/quotes")[1])

    assert set(shown) == {seeded["crm"], seeded["cloud"], seeded["port"]}


def test_the_list_filters_by_status(rep, gateway, seeded):
    html = page(rep, "/quotes?status=sent")[1]

    assert list(rows(html)) == [seeded["cloud"]]
    assert gateway.calls_to(*LIST)[-1].args == {"status": "sent", "limit": "25"}


def test_an_unknown_status_is_refused_without_asking_the_gateway(rep, gateway):
    response = rep.get("/quotes?status=lost")

    assert response.status_code == 400
    assert gateway.calls_to(*LIST) == []


def test_no_quotes_says_how_to_make_one(client, auth, world, catalogue):
    auth.sign_in()

    html = page(client, "/quotes")[1]

    assert rows(html) == {}
    assert "价格配置器" in text(element(html, "quotes"))
    assert href(html, "new-quote") == "/configurator"


def test_the_list_pages_with_the_gateways_cursor(rep, gateway, world, catalogue):
    for _ in range(26):
        catalogue.add_quote(world.network, [("SRV-R750", "1")])

    first = page(rep, "/quotes")[1]
    assert len(rows(first)) == 25
    second = page(rep, href(first, "next-page"))[1]

    assert len(rows(second)) == 3
    assert not set(rows(first)) & set(rows(second))
    assert href(second, "first-page") == "/quotes"


def test_a_stale_cursor_says_so_on_the_list(rep):
    response = rep.get("/quotes?cursor=not-a-cursor")

    assert response.status_code == 400
    assert "此页链接已与列表不符" in text(element(response.get_data(as_text=True),
                                          "form-problems"))


def test_a_quote_shows_its_lines_totals_status_and_the_pdf_link(rep, gateway, seeded):
    quote_id = seeded["cloud"]
    response, html = page(rep, f"/quotes/{quote_id}")

    assert response.status_code == 200
    stored = gateway.quotes.quotes[quote_id]
    assert stored["number"] in text(element(html, "quote-number"))
    assert text(element(html, "quote-status")) == "已发送给客户"
    lines = element(html, "quote-lines")
    assert re.findall(r'<tr data-sku="([^"]+)"', lines) == ["SRV-R750", "SW-CRM-USER"]
    assert "¥1050.00" in text(lines) and "¥84000.00" in text(lines)
    assert lines.count('class="trace"') == 2
    assert text(element(html, "quote-subtotal")) == "¥87150.00"
    assert text(element(html, "quote-tax")) == "¥11329.50"
    assert text(element(html, "quote-total")) == "¥98479.50"
    assert href(html, "download-pdf") == f"/quotes/{quote_id}/pdf"
    assert "30000" not in html  # the cost stays inside


def test_a_draft_quote_says_what_happens_next(rep, seeded):
    html = page(rep, f"/quotes/{seeded['crm']}")[1]

    assert text(element(html, "quote-status")) == "草稿"
    assert "渠道经理" in text(element(html, "draft-note"))


@pytest.mark.parametrize("which", ["port", "foreign"])
def test_a_quote_outside_the_reps_scope_is_the_404_page(rep, seeded, which):
    for path in (f"/quotes/{seeded[which]}", f"/quotes/{seeded[which]}/pdf"):
        response = rep.get(path)
        assert response.status_code == 404
        assert "此地址没有对应的页面" in response.get_data(as_text=True)


def test_the_pdf_is_streamed_from_the_gateway(rep, gateway, seeded):
    quote_id = seeded["cloud"]
    stored = gateway.quotes.quotes[quote_id]

    response = rep.get(f"/quotes/{quote_id}/pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and stored["number"].encode() in response.data
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{stored["number"]}-v1.pdf"')
    assert response.headers["Cache-Control"] == "private, no-store"
    (call,) = gateway.calls_to("GET", f"/api/v1/quotes/{quote_id}/pdf")
    assert call.bearer


def test_a_pdf_that_is_not_a_pdf_is_the_503_page(rep, gateway, seeded):
    gateway.override("GET", f"/api/v1/quotes/{seeded['crm']}/pdf", 200, {"not": "a pdf"})

    response = rep.get(f"/quotes/{seeded['crm']}/pdf")

    assert response.status_code == 503


def test_another_organisations_admin_sees_only_its_own(client, auth, seeded):
    auth.sign_in(email=OTHER_ORG_ADMIN_EMAIL)

    assert set(rows(page(client, "/quotes")[1])) == {seeded["foreign"]}
    assert client.get(f"/quotes/{seeded['crm']}").status_code == 404


@pytest.mark.parametrize(("accept_language", "status"), [("en", "Sent to the customer"),
                                                          ("zh-CN", "已发送给客户")])
def test_the_quote_pages_speak_the_partners_language(client, auth, seeded, accept_language,
                                                     status):
    auth.sign_in(headers={"Accept-Language": accept_language})

    html = client.get(f"/quotes/{seeded['cloud']}",
                      headers={"Accept-Language": accept_language}).get_data(as_text=True)

    assert text(element(html, "quote-status")) == status
