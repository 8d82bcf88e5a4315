"""/customers: the customers a partner's channel serves, searched and paged by the
gateway; /customers/<id>: the partner view of one, its contacts and its opportunities.
A customer outside the partner's scope is the 404 page."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from portal_actions import element, field_errors, href, text

LIST = ("GET", "/api/v1/accounts")


@pytest.fixture
def rep(signed_in):
    return signed_in


def rows(html, kind="customer"):
    return {match.group(1): text(match.group(2)) for match in re.finditer(
        rf'<tr data-{kind}-id="([^"]+)"[^>]*>(.*?)</tr>', html, flags=re.S)}


def page(client, path):
    response = client.get(path)
    return response, response.get_data(as_text=True)


def list_queries(gateway):
    return [call.args for call in gateway.calls_to(*LIST)]


def test_the_list_asks_an_anonymous_visitor_to_sign_in(client, gateway, world):
    response = client.get("/customers")

    assert response.headers["Location"].startswith("/sign-in?next=/customers")
    assert gateway.calls_to(*LIST) == []


def test_the_list_shows_the_reps_customers_by_name(rep, gateway, world):
    response, html = page(rep, "/customers")

    assert response.status_code == 200
    shown = rows(html)
    assert list(shown) == [world.precision, world.xixi]  # by normalised name
    assert shown[world.xixi] == "杭州西溪数据服务有限公司 软件和信息技术服务 华东 中型企业"
    assert shown[world.precision] == "苏州精密制造有限公司 制造业 华东 大型企业"
    assert "宁波港口" not in html and "别家" not in html
    assert list_queries(gateway) == [{"sort": "name", "limit": "50"}]
    assert gateway.calls_to(*LIST)[0].bearer in gateway.users[REP_EMAIL].tokens
    assert href(html, "next-page") is None


def test_a_partner_admin_sees_the_organisations_customers(auth, world):
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302

    _, html = page(auth.client, "/customers")

    assert set(rows(html)) == {world.xixi, world.precision, world.admins}


def test_the_search_goes_to_the_gateway(rep, gateway, world):
    _, html = page(rep, "/customers?q=%E8%A5%BF%E6%BA%AA")

    assert list(rows(html)) == [world.xixi]
    assert list_queries(gateway) == [{"q": "西溪", "sort": "name", "limit": "50"}]
    assert 'name="q" type="search" value="西溪"' in html
    assert href(html, "clear-search") == "/customers"


def test_a_search_without_match_and_no_customers_say_so(rep, gateway, world):
    _, html = page(rep, "/customers?q=nothing")
    assert "没有符合搜索条件的客户。" in element(html, "customers")

    gateway.sales.accounts.clear()
    _, html = page(rep, "/customers")
    assert "您的渠道还没有客户。" in element(html, "customers")


def test_a_too_long_search_is_refused_without_asking_the_gateway(rep, gateway, world):
    response, html = page(rep, "/customers?q=" + "x" * 101)

    assert response.status_code == 400
    assert field_errors(html, "customer-search") == ["搜索内容最多 100 个字符。"]
    assert gateway.calls_to(*LIST) == []


def test_the_gateways_refusal_of_the_search_is_shown_next_to_it(rep, gateway, world):
    gateway.override(*LIST, 400, {"title": "Bad request", "status": 400,
                                  "errors": {"q": ["fake: too vague"]}})

    response, html = page(rep, "/customers?q=a")

    assert response.status_code == 400
    assert field_errors(html, "customer-search") == ["fake: too vague"]


def test_a_long_list_is_paged_with_the_gateways_cursor(rep, gateway, world):
    made = {gateway.sales.add_account(f"测试客户{n:02d}有限公司", REP_EMAIL) for n in range(55)}

    _, first = page(rep, "/customers?q=%E6%B5%8B%E8%AF%95")
    _, second = page(rep, href(first, "next-page"))

    assert len(rows(first)) == 50 and len(rows(second)) == 5
    assert set(rows(first)) | set(rows(second)) == made
    assert list_queries(gateway)[1]["q"] == "测试" and list_queries(gateway)[1]["cursor"]
    assert href(second, "next-page") is None
    assert href(second, "first-page") == "/customers?q=%E6%B5%8B%E8%AF%95"


def test_a_stale_cursor_asks_to_start_from_the_first_page(rep, world):
    response, html = page(rep, "/customers?cursor=not-a-cursor")

    assert response.status_code == 400
    assert "此页链接已与列表不符，请从第一页重新开始。" in html


def test_the_detail_shows_the_partner_view_contacts_and_opportunities(rep, gateway, world):
    response, html = page(rep, f"/customers/{world.xixi}")

    assert response.status_code == 200
    assert text(element(html, "customer-name")) == "杭州西溪数据服务有限公司"
    facts = text(element(html, "customer-facts"))
    for fact in ("91330106MA27XK5L0C", "软件和信息技术服务", "华东", "中型企业"):
        assert fact in facts
    contacts = rows(html, "contact")
    assert sorted(contacts.values()) == [
        "Amy Lin CFO — —", "陈经理 IT 总监 +86 571 8800 1234 chen@xixi-data.example"]
    assert 'href="tel:+8657188001234"' in html
    opportunities = rows(html, "opportunity")
    assert list(opportunities) == [world.backup, world.crm, world.cloud]
    assert "需求分析 ¥96000.00 25%" in opportunities[world.crm]
    assert f'href="/opportunities/{world.crm}"' in element(html, "customer-opportunities")
    (contacts_call,) = gateway.calls_to("GET", f"/api/v1/accounts/{world.xixi}/contacts")
    assert contacts_call.args == {"limit": "50"}
    assert [c.args for c in gateway.calls_to("GET", "/api/v1/opportunities")] == [
        {"account_id": world.xixi, "sort": "expected_close_date", "limit": "25"}]


def test_a_customer_without_contacts_or_opportunities_says_so(rep, gateway, world):
    _, html = page(rep, f"/customers/{world.precision}")
    assert "此客户尚未记录联系人。" in element(html, "contacts")

    lonely = gateway.sales.add_account("孤单客户有限公司", REP_EMAIL)
    _, html = page(rep, f"/customers/{lonely}")
    assert "您与此客户还没有商机。" in element(html, "customer-opportunities")


@pytest.mark.parametrize("whose", ["others", "admins"])
def test_a_customer_outside_the_reps_scope_is_the_404_page(rep, gateway, world, whose):
    response, html = page(rep, f"/customers/{getattr(world, whose)}")

    assert response.status_code == 404
    assert "别家" not in html and "宁波港口" not in html
    assert gateway.calls_to("GET", f"/api/v1/accounts/{getattr(world, whose)}/contacts") == []


def test_many_contacts_and_opportunities_link_onwards(rep, gateway, world):
    for n in range(51):
        gateway.sales.add_contact(world.precision, f"联系人{n:02d}")
    for n in range(26):
        gateway.sales.add_opportunity(world.precision, f"批量 {n:02d}", REP_EMAIL)

    _, html = page(rep, f"/customers/{world.precision}")

    assert len(rows(html, "contact")) == 50 and len(rows(html, "opportunity")) == 25
    assert href(html, "all-customer-opportunities") == \
        f"/opportunities?account_id={world.precision}"
    _, more = page(rep, href(html, "more-contacts"))
    assert len(rows(more, "contact")) == 1
    assert href(more, "more-contacts") is None
