"""/opportunities: a partner's opportunities from the gateway, filtered, sorted and paged
there; /opportunities/<id>: moving the stage and keeping the next step and notes, every
change a CSRF-protected POST, every refusal shown next to the field it is about, and
nobody reaching an opportunity outside their scope."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from portal_actions import element, field_errors, href, post_form, text

LIST = ("GET", "/api/v1/opportunities")


@pytest.fixture
def rep(signed_in):
    return signed_in


@pytest.fixture
def admin(auth):
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302
    return auth.client


def rows(html):
    """{opportunity id: visible text of its row}, in the page's order."""
    return {match.group(1): text(match.group(2)) for match in re.finditer(
        r'<tr data-opportunity-id="([^"]+)"[^>]*>(.*?)</tr>', html, flags=re.S)}


def page(client, path, **headers):
    response = client.get(path, headers=headers)
    return response, response.get_data(as_text=True)


def list_queries(gateway):
    return [call.args for call in gateway.calls_to(*LIST)]


def stage_posts(gateway, opportunity_id):
    return [call.body for call in gateway.calls_to(
        "POST", f"/api/v1/opportunities/{opportunity_id}/stage")]


def patches(gateway, opportunity_id):
    return [call.body for call in gateway.calls_to(
        "PATCH", f"/api/v1/opportunities/{opportunity_id}")]


def selected(html, select_id):
    select = element(html, select_id)
    match = re.search(r'<option selected value="([^"]*)"', select)
    return match.group(1) if match else None


def options(html, select_id):
    return re.findall(r'<option[^>]* value="([^"]*)"', element(html, select_id))


# --- the list


def test_the_list_asks_an_anonymous_visitor_to_sign_in(client, gateway, world):
    response = client.get("/opportunities")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/opportunities")
    assert gateway.calls_to(*LIST) == []


def test_the_list_shows_the_reps_own_opportunities_soonest_close_first(rep, gateway, world):
    response, html = page(rep, "/opportunities")

    assert response.status_code == 200
    shown = rows(html)
    assert list(shown) == [world.backup, world.servers, world.crm, world.cloud, world.network]
    assert shown[world.crm] == ("西溪数据 - CRM 用户许可续约 杭州西溪数据服务有限公司 需求分析 "
                                "¥96000.00 25% 2026年12月5日")
    assert "赢单" in shown[world.servers] and "100%" in shown[world.servers]
    # Neither the partner admin's deal nor another organisation's reaches the rep.
    assert world.port not in shown and world.foreign not in shown
    assert "宁波港口" not in html and "别家" not in html
    assert list_queries(gateway) == [{"sort": "expected_close_date", "limit": "25"}]
    (call,) = gateway.calls_to(*LIST)
    assert call.bearer in gateway.users[REP_EMAIL].tokens


def test_each_row_links_its_opportunity_first_and_then_its_customer(rep, world):
    _, html = page(rep, "/opportunities")

    row = re.search(rf'<tr data-opportunity-id="{world.crm}"[^>]*>(.*?)</tr>', html,
                    flags=re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"', row)
    assert links == [f"/opportunities/{world.crm}", f"/customers/{world.xixi}"]


def test_the_customer_names_come_with_the_page_without_asking_per_customer(
        rep, gateway, world):
    _, html = page(rep, "/opportunities")

    assert "杭州西溪数据服务有限公司" in rows(html)[world.crm]
    assert not [call for call in gateway.calls if call.path.startswith("/api/v1/accounts/")]


def test_a_partner_admin_sees_the_whole_organisations_opportunities(admin, world):
    _, html = page(admin, "/opportunities")

    shown = rows(html)
    assert {world.crm, world.port} <= set(shown)
    assert world.foreign not in shown
    assert "宁波港口物流有限公司" in shown[world.port]


def test_filters_and_sort_go_to_the_gateway_and_stay_chosen(rep, gateway, world):
    response, html = page(rep, "/opportunities?status=open&stage=proposal&close_from=2026-12-01"
                               "&close_to=2026-12-31&q=%E4%BA%91&sort=-amount")

    assert response.status_code == 200
    assert list(rows(html)) == [world.cloud]
    assert list_queries(gateway) == [{
        "status": "open", "stage": "proposal", "close_from": "2026-12-01",
        "close_to": "2026-12-31", "q": "云", "sort": "-amount", "limit": "25"}]
    assert selected(html, "filter-status") == "open"
    assert selected(html, "filter-stage") == "proposal"
    assert selected(html, "sort") == "-amount"
    assert 'id="filter-close-from" name="close_from" type="date" value="2026-12-01"' in html
    assert 'name="q" type="search" value="云"' in html


@pytest.mark.parametrize(("sort", "order"), [
    ("-amount", ["cloud", "servers", "backup", "network", "crm"]),
    ("amount", ["crm", "network", "backup", "servers", "cloud"]),
    ("name", ["servers", "network", "crm", "backup", "cloud"]),  # by code point
])
def test_the_sort_orders_the_list(rep, world, sort, order):
    _, html = page(rep, f"/opportunities?sort={sort}")

    assert list(rows(html)) == [getattr(world, name) for name in order]


def test_the_stage_filter_offers_the_gateways_pipeline(rep, gateway, world):
    gateway.sales.stages.insert(1, {"key": "poc", "kind": "open", "probability": 30})

    _, html = page(rep, "/opportunities")

    assert options(html, "filter-stage") == ["", "qualify", "poc", "needs_analysis",
                                             "proposal", "negotiation", "won", "lost"]
    assert '<option value="poc">poc</option>' in html  # a stage without a label: its key
    assert gateway.calls_to("GET", "/api/v1/pipeline")


def test_empty_values_are_not_sent_as_filters(rep, gateway, world):
    page(rep, "/opportunities?status=&stage=&close_from=&close_to=&q=+&sort=name")

    assert list_queries(gateway) == [{"sort": "name", "limit": "25"}]


def test_no_opportunities_shows_the_empty_state(auth, gateway):
    assert auth.sign_in(REP_EMAIL).status_code == 302

    _, html = page(auth.client, "/opportunities")

    assert rows(html) == {}
    assert "您还没有商机。" in element(html, "opportunities")
    assert 'id="next-page"' not in html


def test_no_match_says_so(rep, world):
    _, html = page(rep, "/opportunities?q=nothing-like-this")

    assert rows(html) == {}
    assert "没有符合筛选条件的商机。" in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ("close_from=2026-13-45", "filter-close-from", None),
    ("status=maybe", "filter-status", None),
    ("stage=nowhere", "filter-stage", None),
    ("sort=-secret", "sort", None),
    ("q=" + "x" * 101, "filter-q", "搜索内容最多 100 个字符。"),
])
def test_a_malformed_filter_is_shown_on_it_without_asking_the_gateway(rep, gateway, world,
                                                                     query, field, message):
    response, html = page(rep, f"/opportunities?{query}")

    assert response.status_code == 400
    errors = field_errors(html, field)
    assert errors and (message is None or errors == [message])
    assert f'aria-describedby="{field}-errors"' in html
    assert gateway.calls_to(*LIST) == []


def test_the_gateways_refusal_of_a_filter_is_shown_next_to_it(rep, gateway, world):
    gateway.override(*LIST, 400, {"type": "about:blank", "title": "Bad request", "status": 400,
                                  "detail": "The request has invalid fields.",
                                  "errors": {"stage": ["Unknown stage 'proposal'."]}})

    response, html = page(rep, "/opportunities?stage=proposal")

    assert response.status_code == 400
    assert field_errors(html, "filter-stage") == ["Unknown stage &#39;proposal&#39;."]
    assert rows(html) == {}


def test_a_long_list_is_paged_with_the_gateways_cursor_keeping_filters(rep, gateway, world):
    # 30 open deals closing the same day: the cursor, not the date, tells pages apart.
    made = {gateway.sales.add_opportunity(world.xixi, f"批量 {n:02d}", REP_EMAIL,
                                          expected_close_date="2027-03-01")
            for n in range(30)}

    first_response, first = page(rep, "/opportunities?status=open&q=%E6%89%B9%E9%87%8F")
    next_page = href(first, "next-page")
    second_response, second = page(rep, next_page)

    assert first_response.status_code == second_response.status_code == 200
    first_ids, second_ids = list(rows(first)), list(rows(second))
    assert len(first_ids) == 25 and len(second_ids) == 5
    assert set(first_ids) | set(second_ids) == made and not set(first_ids) & set(second_ids)
    cursor = list_queries(gateway)[1].pop("cursor")
    assert cursor and list_queries(gateway)[1] == list_queries(gateway)[0] == {
        "status": "open", "q": "批量", "sort": "expected_close_date", "limit": "25"}
    assert 'id="next-page"' not in second
    assert href(second, "first-page") == ("/opportunities?status=open&q=%E6%89%B9%E9%87%8F"
                                          "&sort=expected_close_date")


def test_a_cursor_from_another_sort_asks_to_start_from_the_first_page(rep, gateway, world):
    for n in range(30):
        gateway.sales.add_opportunity(world.xixi, f"批量 {n:02d}", REP_EMAIL)
    _, first = page(rep, "/opportunities")
    cursor = re.search(r"cursor=([^&\"]+)", href(first, "next-page")).group(1)

    response, html = page(rep, f"/opportunities?sort=-amount&cursor={cursor}")

    assert response.status_code == 400
    assert "此页链接已与列表不符，请从第一页重新开始。" in element(html, "form-problems")
    assert href(html, "first-page") == "/opportunities?sort=-amount"
    assert rows(html) == {}


def test_a_customers_opportunities_only(rep, gateway, world):
    response, html = page(rep, f"/opportunities?account_id={world.precision}")

    assert response.status_code == 200
    assert list(rows(html)) == [world.servers, world.network]
    assert list_queries(gateway)[0]["account_id"] == world.precision
    assert "仅显示 苏州精密制造有限公司 的商机。" in element(html, "customer-scope")
    assert f'name="account_id" type="hidden" value="{world.precision}"' in html


def test_another_partners_customer_is_not_found(rep, world):
    response, _ = page(rep, f"/opportunities?account_id={world.others}")

    assert response.status_code == 404


# --- one opportunity


def test_the_detail_shows_the_facts_history_and_competitors(rep, world):
    response, html = page(rep, f"/opportunities/{world.crm}")

    assert response.status_code == 200
    assert text(element(html, "opportunity-name")) == "西溪数据 - CRM 用户许可续约"
    assert text(element(html, "current-stage")) == "需求分析"
    facts = text(element(html, "opportunity-facts"))
    for fact in ("杭州西溪数据服务有限公司", "进行中", "¥96000.00", "25%", "2026年12月5日"):
        assert fact in facts
    assert href(html, "customer-link") == f"/customers/{world.xixi}"
    history = text(element(html, "stage-history"))
    assert "需求分析" in history and "25%" in history and "UTC" in history
    competitors = text(element(html, "competitors"))
    assert "新华三 竞争中" in competitors and "浪潮信息 竞争中" in competitors


def test_the_stage_choices_are_the_pipeline_but_the_current_stage_next_one_first(rep, world):
    _, html = page(rep, f"/opportunities/{world.crm}")

    assert options(html, "stage") == ["qualify", "proposal", "negotiation", "won", "lost"]
    assert selected(html, "stage") == "proposal"
    assert options(html, "lost-reason") == ["", "price", "product_fit", "competitor", "timing",
                                            "no_budget", "no_decision", "other"]
    assert options(html, "lost-to-competitor") == ["", world.h3c, world.inspur]
    assert 'id="move-stage"' in html and 'id="save-notes"' in html
    assert 'id="lost-fields"' in html and "<script>" in html


def test_the_detail_is_in_english_when_asked(rep, world):
    _, html = page(rep, f"/opportunities/{world.crm}", **{"Accept-Language": "en"})

    assert text(element(html, "current-stage")) == "Needs analysis"
    assert "Move stage" in html and "Next step and notes" in html


@pytest.mark.parametrize("whose", ["foreign", "port"])
def test_an_opportunity_outside_the_reps_scope_is_the_404_page(rep, gateway, world, whose):
    opportunity_id = getattr(world, whose)

    response, html = page(rep, f"/opportunities/{opportunity_id}")

    assert response.status_code == 404
    assert "此地址没有对应的页面。" in html
    assert "机密" not in html and "仓储" not in html and 'id="move-stage"' not in html
    (call,) = gateway.calls_to("GET", f"/api/v1/opportunities/{opportunity_id}")
    assert call.bearer in gateway.users[REP_EMAIL].tokens


def test_a_closed_opportunity_offers_no_stage_move(rep, world):
    _, html = page(rep, f"/opportunities/{world.backup}")

    assert text(element(html, "current-stage")) == "输单"
    assert 'id="move-stage"' not in html
    assert "此商机已关闭（输单）。如需重新打开，请联系您的渠道经理。" in html
    assert "价格" in text(element(html, "lost-reason-shown"))
    assert 'id="save-notes"' in html  # notes stay open


# --- moving the stage


def test_moving_the_stage_posts_the_move_and_shows_the_new_stage(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="proposal",
                         probability="", note="", lost_reason="", lost_note="",
                         lost_to_competitor_id="")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/opportunities/{world.crm}"
    assert stage_posts(gateway, world.crm) == [{"stage": "proposal"}]
    (call,) = gateway.calls_to("POST", f"/api/v1/opportunities/{world.crm}/stage")
    assert call.bearer in gateway.users[REP_EMAIL].tokens
    _, html = page(rep, response.headers["Location"])
    assert text(element(html, "current-stage")) == "方案报价"
    assert text(element(html, "flash")) == "商机已推进到“方案报价”阶段。"
    assert [m.group(1) for m in re.finditer(r'<tr data-stage="(\w+)"', html)] == [
        "needs_analysis", "proposal"]
    assert gateway.sales.opportunities[world.crm]["probability"] == 50


def test_a_probability_and_a_note_go_with_the_move(rep, gateway, world):
    post_form(rep, f"/opportunities/{world.crm}/stage", stage="negotiation", probability="60",
              note="  客户已确认预算  ")

    assert stage_posts(gateway, world.crm) == [
        {"stage": "negotiation", "probability": 60, "note": "客户已确认预算"}]


def test_the_lost_fields_are_sent_only_when_losing(rep, gateway, world):
    # Without JavaScript the lost fields are always shown; filled in, they still do not
    # go with a move to another stage.
    post_form(rep, f"/opportunities/{world.crm}/stage", stage="proposal", lost_reason="price",
              lost_note="太贵", lost_to_competitor_id=world.h3c)

    assert stage_posts(gateway, world.crm) == [{"stage": "proposal"}]


def test_marking_an_opportunity_lost_sends_the_reason(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="lost",
                         lost_reason="competitor", lost_note="对方报价低 15%",
                         lost_to_competitor_id=world.h3c)

    assert response.status_code == 302
    assert stage_posts(gateway, world.crm) == [{
        "stage": "lost", "lost_reason": "competitor", "lost_note": "对方报价低 15%",
        "lost_to_competitor_id": world.h3c}]
    _, html = page(rep, f"/opportunities/{world.crm}")
    assert text(element(html, "flash")) == "商机已标记为输单。"
    assert text(element(html, "current-stage")) == "输单"
    assert "新华三 客户已选择" in text(element(html, "competitors"))
    assert 'id="move-stage"' not in html


def test_the_gateways_field_error_is_shown_next_to_the_field(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="lost",
                         lost_note="客户不回电话")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_errors(html, "lost-reason") == ["Say why the opportunity was lost."]
    assert 'aria-describedby="lost-reason-errors"' in html
    assert selected(html, "stage") == "lost"  # what was chosen stays
    assert "客户不回电话" in element(html, "lost-note")
    assert text(element(html, "current-stage")) == "需求分析"
    assert gateway.sales.opportunities[world.crm]["stage"] == "needs_analysis"


def test_a_competitor_that_is_not_linked_is_the_gateways_error_on_that_field(rep, gateway,
                                                                            world):
    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="lost",
                         lost_reason="competitor")

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "lost-to-competitor") == [
        "Name the competitor, one linked to this opportunity."]


def test_a_move_someone_else_made_meanwhile_is_shown_on_the_stage(rep, gateway, world):
    gateway.sales.meanwhile = lambda record: record.update(stage="proposal")  # a colleague

    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="proposal")

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert field_errors(html, "stage") == ["The opportunity is already in proposal."]
    assert text(element(html, "current-stage")) == "方案报价"  # as it is now
    assert "proposal" not in options(html, "stage")


def test_a_move_on_an_opportunity_closed_meanwhile_says_why(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.servers}/stage", stage="proposal")

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The opportunity is won; reopen it first." in field_errors(html, "stage")
    assert 'id="move-stage"' not in html


@pytest.mark.parametrize(("data", "field"), [
    ({"stage": "proposal", "probability": "101"}, "probability"),
    ({"stage": "proposal", "probability": "most"}, "probability"),
    ({"stage": "needs_analysis"}, "stage"),  # where it already is: not offered
    ({"stage": "nowhere"}, "stage"),
    ({"stage": "lost", "lost_reason": "bad luck"}, "lost-reason"),
    ({"stage": "proposal", "note": "x" * 1001}, "stage-note"),
])
def test_a_malformed_move_is_refused_without_asking_the_gateway(rep, gateway, world, data,
                                                               field):
    response = post_form(rep, f"/opportunities/{world.crm}/stage", **data)

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), field)
    assert stage_posts(gateway, world.crm) == []


def test_moving_without_csrf_token_is_refused(rep, gateway, world):
    response = rep.post(f"/opportunities/{world.crm}/stage", data={"stage": "proposal"})

    assert response.status_code == 400
    assert stage_posts(gateway, world.crm) == []
    assert gateway.sales.opportunities[world.crm]["stage"] == "needs_analysis"


def test_moving_another_partners_opportunity_is_the_404_page(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.foreign}/stage", stage="proposal")

    assert response.status_code == 404
    assert stage_posts(gateway, world.foreign) == []  # the read already said 404
    assert gateway.sales.opportunities[world.foreign]["stage"] == "qualify"


def test_the_gateways_404_on_the_move_itself_is_the_404_page(rep, gateway, world):
    gateway.override("POST", f"/api/v1/opportunities/{world.crm}/stage", 404,
                     {"title": "Not found", "status": 404})

    response = post_form(rep, f"/opportunities/{world.crm}/stage", stage="proposal")

    assert response.status_code == 404


# --- next step and notes


def test_the_notes_form_shows_what_is_saved(rep, gateway, world):
    gateway.sales.opportunities[world.crm].update(next_step="周五演示", notes="决策人：陈经理")

    _, html = page(rep, f"/opportunities/{world.crm}")

    assert 'id="next-step" maxlength="500" name="next_step" type="text" value="周五演示"' in html
    assert "决策人：陈经理" in element(html, "notes")


def test_saving_notes_patches_the_opportunity(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.crm}/notes", next_step=" 周五上门演示 ",
                         notes="预算已批\n等待采购流程")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/opportunities/{world.crm}"
    assert patches(gateway, world.crm) == [{"next_step": "周五上门演示",
                                            "notes": "预算已批\n等待采购流程"}]
    _, html = page(rep, response.headers["Location"])
    assert text(element(html, "flash")) == "下一步与备注已保存。"
    assert 'value="周五上门演示"' in html


def test_emptied_notes_are_cleared(rep, gateway, world):
    gateway.sales.opportunities[world.crm].update(next_step="x", notes="y")

    post_form(rep, f"/opportunities/{world.crm}/notes", next_step="", notes="  ")

    assert patches(gateway, world.crm) == [{"next_step": None, "notes": None}]
    assert gateway.sales.opportunities[world.crm]["notes"] is None


def test_the_gateways_refusal_of_notes_is_shown_next_to_them(rep, gateway, world):
    gateway.override("PATCH", f"/api/v1/opportunities/{world.crm}", 400, {
        "title": "Bad request", "status": 400, "detail": "The request has invalid fields.",
        "errors": {"notes": ["Notes may not mention prices."]}})

    response = post_form(rep, f"/opportunities/{world.crm}/notes", next_step="打电话",
                         notes="报价 9 折")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_errors(html, "notes") == ["Notes may not mention prices."]
    assert "报价 9 折" in element(html, "notes") and 'value="打电话"' in html


def test_too_long_notes_are_refused_without_asking_the_gateway(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.crm}/notes", notes="x" * 5001)

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "notes") == ["最多 5000 个字符。"]
    assert patches(gateway, world.crm) == []


def test_saving_notes_without_csrf_token_is_refused(rep, gateway, world):
    response = rep.post(f"/opportunities/{world.crm}/notes", data={"notes": "x"})

    assert response.status_code == 400
    assert patches(gateway, world.crm) == []


def test_saving_notes_on_another_partners_opportunity_is_the_404_page(rep, gateway, world):
    response = post_form(rep, f"/opportunities/{world.port}/notes", notes="我的")

    assert response.status_code == 404
    assert gateway.sales.opportunities[world.port]["notes"] is None
