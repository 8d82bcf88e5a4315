"""/configurator: a partner picks products and quantities in rows that need no
JavaScript (``#sku-<n>``, ``#quantity-<n>``, ``#add-line``), prices them under its own
tier (``#price-basket``: each line's unit price, amount and trace, ``#basket-total``)
and asks for a quote on one of its open opportunities (``#opportunity``,
``#request-quote``), which lands on the quote's page. Gateway refusals land next to
the row or field they name."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, OTHER_ORG_ADMIN_EMAIL
from portal_actions import element, field_errors, form_csrf_token, text

BASKET = ("POST", "/api/v1/pricing/basket")
QUOTES = ("POST", "/api/v1/quotes")
STABLE_IDS = ("sku-0", "quantity-0", "sku-1", "quantity-1", "sku-2", "quantity-2",
              "add-line", "price-basket", "opportunity", "request-quote")


@pytest.fixture
def catalogue(gateway):
    """Three products, a gold list (the rep's organisation's tier) and a silver one."""
    quotes = gateway.quotes
    quotes.add_product("SRV-R750", "机架服务器 R750", "42000.00", cost="30000.00",
                       category="hardware/servers")
    quotes.add_product("SW-CRM-USER", "CRM 用户许可", "1200.00", cost="200.00",
                       category="software", unit="user")
    quotes.add_product("SVC-INSTALL", "安装服务", "800.00", cost="500.00", category="services",
                       unit="day")
    quotes.add_product("USD-KIT", "Imported kit", "99.00", currency="USD")
    quotes.add_price_list("金牌伙伴价 2026", ["gold"], [
        {"sku": "SRV-R750", "kind": "fixed_price", "amount": "36999.00"},
        {"sku": "SW-CRM-USER", "min_quantity": "50", "kind": "percent_discount",
         "percent": "20"},
        {"sku": "SW-CRM-USER", "kind": "percent_discount", "percent": "12.5"},
        {"sku": "SVC-INSTALL", "kind": "formula", "base": "cost",
         "min_margin_percent": "30"},
    ])
    quotes.add_price_list("银牌伙伴价 2026", ["silver"], [
        {"kind": "percent_discount", "percent": "3"}])
    gateway.serve(quotes.product_page())
    return quotes


@pytest.fixture
def rep(signed_in, world, catalogue):
    return signed_in


def page(client, path="/configurator"):
    response = client.get(path)
    return response, response.get_data(as_text=True)


def configure(client, action, lines=(), opportunity_id="", html=None, **extra):
    """POST the configurator form as a browser does: ``lines`` [(sku, quantity)] in
    rows 0.., the rest of the shown rows empty."""
    html = html or client.get("/configurator").get_data(as_text=True)
    data = {"csrf_token": form_csrf_token(html), "action": action,
            "opportunity_id": opportunity_id,
            "form_key": re.search(r'name="form_key" type="hidden" value="([^"]*)"',
                                  html).group(1)}
    rows = max(3, len(lines))
    for n in range(rows):
        sku, quantity = lines[n] if n < len(lines) else ("", "")
        data[f"lines-{n}-sku"], data[f"lines-{n}-quantity"] = sku, quantity
    data.update(extra)
    return client.post("/configurator", data=data)


def bodies(gateway, method, path):
    return [call.body for call in gateway.calls_to(method, path)]


def priced_rows(html):
    """{row number: (unit price, amount, trace text)} of the priced rows."""
    found = {}
    for match in re.finditer(r'<tr class="line priced" id="line-(\d+)">(.*?)</tr>', html,
                             flags=re.S):
        cells = match.group(2)
        found[int(match.group(1))] = (
            text(re.search(r'<td class="num unit-price">(.*?)</td>', cells, re.S).group(1)),
            text(re.search(r'<td class="num amount">(.*?)</td>', cells, re.S).group(1)),
            text(re.search(r'<details class="trace">(.*?)</details>', cells, re.S).group(1)))
    return found


# --- the page


def test_the_configurator_asks_an_anonymous_visitor_to_sign_in(client, gateway):
    response = client.get("/configurator")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/configurator")
    assert gateway.calls_to(*BASKET) == []


def test_the_page_has_three_empty_rows_the_products_and_the_open_opportunities(rep, world):
    response, html = page(rep)

    assert response.status_code == 200
    for element_id in STABLE_IDS:
        assert f'id="{element_id}"' in html, element_id
    assert 'id="sku-3"' not in html
    assert 'aria-current="page">价格配置器' in html
    skus = re.findall(r'<option[^>]*value="([^"]*)"', element(html, "sku-0"))
    assert skus == ["", "SRV-R750", "SVC-INSTALL", "SW-CRM-USER", "USD-KIT"]
    offered = re.findall(r'<option[^>]*value="([^"]*)"', element(html, "opportunity"))
    # The rep's open deals only, by name: not won, lost, the admin's or another org's.
    assert offered == ["", world.network, world.crm, world.cloud]
    assert 'id="basket-total"' not in html and 'class="trace"' not in html
    assert "http://" not in html and "https://" not in html


def test_the_page_asks_the_gateway_for_active_products_and_open_opportunities(rep, gateway):
    page(rep)

    (products,) = gateway.queries
    assert products == {"active": ["true"], "limit": ["200"]}
    (deals,) = gateway.calls_to("GET", "/api/v1/opportunities")
    assert deals.args == {"status": "open", "sort": "name", "limit": "200"}


def test_an_opportunity_can_be_chosen_by_link(rep, world):
    html = page(rep, f"/configurator?opportunity_id={world.cloud}")[1]

    assert re.search(rf'<option selected value="{world.cloud}">', element(html, "opportunity"))


def test_adding_a_line_keeps_what_was_typed_and_shows_a_fourth_row(rep, gateway):
    response = configure(rep, "add-line", [("SRV-R750", "2")])
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="sku-3"' in html and 'id="quantity-3"' in html and 'id="sku-4"' not in html
    assert re.search(r'<option selected value="SRV-R750">', element(html, "sku-0"))
    assert 'value="2"' in re.search(r'<input[^>]*id="quantity-0"[^>]*>', html).group(0)
    assert gateway.calls_to(*BASKET) == []


# --- pricing


def test_pricing_shows_each_lines_price_amount_and_trace_and_the_total(rep, gateway):
    response = configure(rep, "price", [("SRV-R750", "2"), ("SW-CRM-USER", "10"),
                                        ("SVC-INSTALL", "3")])
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    (body,) = bodies(gateway, *BASKET)
    assert body == {"currency": "CNY", "lines": [
        {"sku": "SRV-R750", "quantity": "2"}, {"sku": "SW-CRM-USER", "quantity": "10"},
        {"sku": "SVC-INSTALL", "quantity": "3"}]}
    rows = priced_rows(html)
    assert {n: row[:2] for n, row in rows.items()} == {
        0: ("¥36999.00", "¥73998.00"), 1: ("¥1050.00", "¥10500.00"),
        2: ("¥650.00", "¥1950.00")}
    assert text(element(html, "basket-total")) == "¥86448.00"
    assert "金牌伙伴价 2026" in text(element(html, "price-list-name"))
    assert html.count('class="trace"') == 3


def test_a_trace_shows_the_list_the_rule_kind_and_each_step(rep):
    html = configure(rep, "price", [("SW-CRM-USER", "10")]).get_data(as_text=True)

    trace = priced_rows(html)[0][2]
    assert "金牌伙伴价 2026 · 百分比折扣" in trace
    assert "目录价: ¥1200.00" in trace
    assert "折扣 12.5%: ¥1200.00 → ¥1050.000" in trace
    assert "按币种最小单位舍入" in trace


def test_a_price_from_cost_shows_no_cost_or_margin(rep, gateway):
    html = configure(rep, "price", [("SVC-INSTALL", "1")]).get_data(as_text=True)

    trace = priced_rows(html)[0][2]
    assert "公司定价的净价" in trace
    assert "500" not in trace and "毛利" not in trace and "成本" not in trace


def test_quantity_breaks_count_the_whole_basket(rep):
    html = configure(rep, "price", [("SW-CRM-USER", "30"), ("SW-CRM-USER", "20")]
                     ).get_data(as_text=True)

    assert {n: row[0] for n, row in priced_rows(html).items()} == {0: "¥960.00",
                                                                   1: "¥960.00"}


def test_empty_rows_are_left_out_and_results_stay_on_their_rows(rep, gateway):
    html = configure(rep, "price", [("", ""), ("SRV-R750", "1"), ("", ""),
                                    ("SW-CRM-USER", "1")]).get_data(as_text=True)

    (body,) = bodies(gateway, *BASKET)
    assert [line["sku"] for line in body["lines"]] == ["SRV-R750", "SW-CRM-USER"]
    assert sorted(priced_rows(html)) == [1, 3]


def test_another_organisation_is_priced_under_its_own_tier(client, auth, world, catalogue):
    auth.sign_in(email=OTHER_ORG_ADMIN_EMAIL)

    html = configure(client, "price", [("SRV-R750", "1")]).get_data(as_text=True)

    assert priced_rows(html)[0][:2] == ("¥40740.00", "¥40740.00")
    assert "银牌伙伴价 2026" in text(element(html, "price-list-name"))


def test_a_tier_without_a_list_gets_the_list_price(rep, gateway, catalogue):
    catalogue.price_lists.clear()

    html = configure(rep, "price", [("SRV-R750", "1")]).get_data(as_text=True)

    unit, amount, trace = priced_rows(html)[0]
    assert (unit, amount) == ("¥42000.00", "¥42000.00")
    assert "无价格表：按目录价" in trace
    assert 'id="price-list-name"' not in html


@pytest.mark.parametrize(("lines", "field", "message"), [
    ([("SRV-R750", "")], "quantity-0", "请填写数量。"),
    ([("", "3")], "sku-0", "请选择产品。"),
    ([("SRV-R750", "0")], "quantity-0", "必须大于零。"),
    ([("SRV-R750", "-2")], "quantity-0", "必须大于零。"),
    ([("SRV-R750", "two")], "quantity-0", "Not a valid decimal value."),
    ([("SRV-R750", "1.23456")], "quantity-0", "最多 4 位小数。"),
    ([("SRV-R750", "1"), ("NOPE", "1")], "sku-1", "Not a valid choice."),
])
def test_half_a_line_is_refused_next_to_it_before_asking_the_gateway(rep, gateway, lines,
                                                                      field, message):
    response = configure(rep, "price", lines)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert any(message in shown for shown in field_errors(html, field)), \
        field_errors(html, field)
    assert gateway.calls_to(*BASKET) == []


def test_an_empty_basket_is_refused_above_the_form(rep, gateway):
    response = configure(rep, "price", [])

    assert response.status_code == 400
    assert "请至少选择一个产品及其数量。" in text(element(response.get_data(as_text=True),
                                                   "form-problems"))
    assert gateway.calls_to(*BASKET) == []


def test_the_gateways_line_errors_land_on_the_rows_they_name(rep, gateway):
    response = configure(rep, "price", [("", ""), ("SRV-R750", "1"), ("USD-KIT", "1")])
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert field_errors(html, "sku-2") == ["The product&#39;s list price is in USD, not CNY."]
    assert field_errors(html, "sku-1") == []
    assert 'id="basket-total"' not in html


def test_a_refusal_naming_a_quantity_lands_on_that_quantity(rep, gateway):
    gateway.override(*BASKET, 400, {"type": "about:blank", "title": "Bad request",
                                    "status": 400, "errors": {
                                        "lines.1.quantity": ["Too many for one order."],
                                        "currency": ["Not a currency we sell in."]}})

    html = configure(rep, "price", [("SRV-R750", "1"), ("SW-CRM-USER", "9999")]
                     ).get_data(as_text=True)

    assert field_errors(html, "quantity-1") == ["Too many for one order."]
    assert "Not a currency we sell in." in text(element(html, "form-problems"))


def test_pricing_without_a_csrf_token_is_refused(rep, gateway):
    response = rep.post("/configurator", data={"action": "price", "lines-0-sku": "SRV-R750",
                                               "lines-0-quantity": "1"})

    assert response.status_code == 400
    assert gateway.calls_to(*BASKET) == []


def test_the_gateway_being_down_is_the_503_page(rep, gateway):
    gateway.override(*BASKET, 503, {"title": "Unavailable"})

    response = configure(rep, "price", [("SRV-R750", "1")])

    assert response.status_code == 503


# --- asking for a quote


def test_requesting_a_quote_creates_a_draft_and_shows_it(rep, gateway, world):
    response = configure(rep, "quote", [("SRV-R750", "2"), ("SW-CRM-USER", "10")],
                         opportunity_id=world.cloud)

    assert response.status_code == 302
    quote_id = re.fullmatch(r"/quotes/([0-9a-f]{24})", response.headers["Location"]).group(1)
    (call,) = gateway.calls_to(*QUOTES)
    assert call.body == {"opportunity_id": world.cloud, "lines": [
        {"sku": "SRV-R750", "quantity": "2"}, {"sku": "SW-CRM-USER", "quantity": "10"}]}
    assert call.headers.get("Idempotency-Key")
    stored = gateway.quotes.quotes[quote_id]
    assert (stored["status"], stored["opportunity_id"], stored["partner_user_id"]) == (
        "draft", world.cloud, "u-rep")
    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    assert stored["number"] in text(element(html, "flash"))
    assert text(element(html, "quote-status")) == "草稿"


def test_the_same_form_sent_twice_asks_for_one_quote(rep, gateway, world):
    html = rep.get("/configurator").get_data(as_text=True)
    lines = [("SRV-R750", "2")]

    first = configure(rep, "quote", lines, opportunity_id=world.cloud, html=html)
    again = configure(rep, "quote", lines, opportunity_id=world.cloud, html=html)

    assert first.headers["Location"] == again.headers["Location"]
    assert len(gateway.quotes.quotes) == 1
    keys = [call.headers["Idempotency-Key"] for call in gateway.calls_to(*QUOTES)]
    assert keys[0] == keys[1]


def test_a_changed_basket_from_the_same_page_is_another_quote(rep, gateway, world):
    html = rep.get("/configurator").get_data(as_text=True)

    configure(rep, "quote", [("SRV-R750", "2")], opportunity_id=world.cloud, html=html)
    configure(rep, "quote", [("SRV-R750", "3")], opportunity_id=world.cloud, html=html)

    assert len(gateway.quotes.quotes) == 2


def test_a_quote_needs_an_opportunity(rep, gateway):
    response = configure(rep, "quote", [("SRV-R750", "2")])

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "opportunity") == [
        "请选择要报价的商机。"]
    assert gateway.calls_to(*QUOTES) == []


def test_a_quote_on_someone_elses_opportunity_is_not_offered(rep, gateway, world):
    response = configure(rep, "quote", [("SRV-R750", "2")], opportunity_id=world.foreign)

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "opportunity")
    assert gateway.calls_to(*QUOTES) == []


def test_an_opportunity_closed_meanwhile_is_said_next_to_the_chooser(rep, gateway, world):
    gateway.override(*QUOTES, 409, {"type": "about:blank", "title": "Conflict",
                                    "status": 409,
                                    "detail": "The opportunity is won; only an open one "
                                              "is quoted."})

    response = configure(rep, "quote", [("SRV-R750", "2")], opportunity_id=world.cloud)

    assert response.status_code == 409
    assert field_errors(response.get_data(as_text=True), "opportunity") == [
        "The opportunity is won; only an open one is quoted."]


def test_the_gateways_line_errors_on_a_quote_land_on_their_rows(rep, gateway, world):
    response = configure(rep, "quote", [("SRV-R750", "1"), ("USD-KIT", "2")],
                         opportunity_id=world.cloud)

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "sku-1") == [
        "The product&#39;s list price is in USD, not CNY."]
    assert gateway.quotes.quotes == {}


def test_a_partner_admin_may_quote_on_the_organisations_deals(client, auth, gateway, world,
                                                              catalogue):
    auth.sign_in(email=ADMIN_EMAIL)

    response = configure(client, "quote", [("SRV-R750", "1")], opportunity_id=world.port)

    assert response.status_code == 302
    (stored,) = gateway.quotes.quotes.values()
    assert stored["opportunity_id"] == world.port


def test_adding_a_line_leaves_a_half_typed_row_alone(rep, gateway):
    response = configure(rep, "add-line", [("SRV-R750", "two")])
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="sku-3"' in html and field_errors(html, "quantity-0") == []
    assert 'value="two"' in re.search(r'<input[^>]*id="quantity-0"[^>]*>', html).group(0)


def test_adding_lines_stops_at_the_most_one_page_carries(rep, gateway):
    lines = [("", "")] * 50

    response = configure(rep, "add-line", lines)
    html = response.get_data(as_text=True)

    assert 'id="sku-49"' in html and 'id="sku-50"' not in html
    assert "最多 50 行" in text(element(html, "form-problems"))


def test_the_priced_basket_and_its_page_show_no_cost(rep, gateway):
    html = configure(rep, "price", [("SRV-R750", "1"), ("SVC-INSTALL", "1")]
                     ).get_data(as_text=True)

    assert "30000" not in html and "500.00" not in html
    assert "毛利" not in html and "成本" not in html
