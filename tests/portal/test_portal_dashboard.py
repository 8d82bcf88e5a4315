"""/dashboard: the partner's open pipeline as a server-drawn SVG bar chart (one bar per
open stage, in one currency) and their win rate, from the gateway's reports; / leads
there."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from portal_actions import element, href, text

PIPELINE_REPORT = ("GET", "/api/v1/reports/pipeline")
WIN_RATE = ("GET", "/api/v1/reports/win-rate")


@pytest.fixture
def rep(signed_in):
    return signed_in


def bars(html):
    """{stage: bar length} of the chart's rects, in the chart's order."""
    chart = element(html, "pipeline-chart")
    return {stage: width for stage, width in re.findall(
        r'<rect data-stage="([^"]+)"[^>]*width="([^"]+)"', chart)}


def dashboard(client, query="", **headers):
    response = client.get(f"/dashboard{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_root_leads_to_the_dashboard(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_the_dashboard_asks_an_anonymous_visitor_to_sign_in(client, gateway):
    response = client.get("/dashboard")

    assert response.headers["Location"].startswith("/sign-in?next=/dashboard")
    assert gateway.calls_to(*PIPELINE_REPORT) == []


def test_the_chart_has_a_bar_per_open_stage_in_proportion_to_its_amount(rep, gateway, world):
    html = dashboard(rep)

    # Open deals of the rep: crm 96000 (needs_analysis), cloud 368000 (proposal),
    # network 154000 (qualify). The longest bar (proposal) is 360 units; the others
    # 360 x 154000 / 368000 = 150.65... -> 150.7 and 360 x 96000 / 368000 = 93.91... -> 93.9.
    assert bars(html) == {"qualify": "150.7", "needs_analysis": "93.9", "proposal": "360.0",
                          "negotiation": "0.0"}
    chart = text(element(html, "pipeline-chart"))
    assert "方案报价 方案报价: 1 个商机 ¥368000.00 · 1 个商机" in chart
    assert "商务谈判 商务谈判: 0 个商机 0 个商机" in chart  # label, tooltip, value
    table = text(element(html, "pipeline-table"))
    # weighted: 154000 x 10 % = 15400.00, 96000 x 25 % = 24000.00, 368000 x 50 % = 184000.00
    assert "初步接洽 1 ¥154000.00 ¥15400.00" in table
    assert "合计 3 ¥618000.00 ¥223400.00" in table
    assert "CNY" in element(html, "pipeline-chart-title")
    for route in (PIPELINE_REPORT, WIN_RATE):
        (call,) = gateway.calls_to(*route)
        assert call.args == {} and call.bearer in gateway.users[REP_EMAIL].tokens


def test_the_win_rate_is_won_over_closed(rep, gateway, world):
    gateway.sales.add_opportunity(world.xixi, "又一单", REP_EMAIL, stage="won")
    gateway.sales.add_opportunity(world.xixi, "再丢一单", REP_EMAIL, stage="lost")

    html = dashboard(rep)

    # won: servers + 又一单 = 2; lost: backup + 再丢一单 = 2 -> 2 / 4 = 50.0 %
    assert text(element(html, "win-rate")) == "50.0%"
    assert text(element(html, "win-loss")) == "赢单 2 个，输单 2 个。"


def test_nothing_closed_has_no_win_rate_yet(rep, gateway, world):
    for opportunity in gateway.sales.opportunities.values():
        if opportunity["status"] != "open":
            opportunity.update(status="open", stage="qualify", closed_at=None)

    html = dashboard(rep)

    assert text(element(html, "win-rate")) == "—"
    assert "有商机赢单或输单后即显示赢率。" in html


def test_an_empty_pipeline_still_draws_every_stage_empty(rep, gateway):
    html = dashboard(rep)

    assert bars(html) == {"qualify": "0.0", "needs_analysis": "0.0", "proposal": "0.0",
                          "negotiation": "0.0"}
    assert "您还没有进行中的商机。" in element(html, "no-pipeline")
    assert 'id="pipeline-total"' not in html


def test_the_chart_is_drawn_in_the_currency_with_most_deals_and_can_switch(rep, gateway,
                                                                          world):
    gateway.sales.add_opportunity(world.xixi, "Export deal", REP_EMAIL, amount="5000.00",
                                  currency="USD", stage="negotiation")

    main = dashboard(rep)
    usd = dashboard(rep, "?currency=USD")
    unknown = dashboard(rep, "?currency=EUR")

    assert bars(main)["negotiation"] == "0.0" and bars(main)["proposal"] == "360.0"
    assert href(main, "currency-switch") is None  # links, not one with that id
    assert 'href="/dashboard?currency=USD"' in element(main, "currency-switch")
    assert bars(usd) == {"qualify": "0.0", "needs_analysis": "0.0", "proposal": "0.0",
                         "negotiation": "360.0"}
    assert "US$5000.00" in text(element(usd, "pipeline-chart"))
    assert bars(unknown) == bars(main)


def test_a_stage_the_pipeline_no_longer_lists_still_gets_its_bar(rep, gateway, world):
    gateway.sales.opportunities[world.crm]["stage"] = "poc"  # an operator renamed stages

    html = dashboard(rep)

    assert list(bars(html)) == ["qualify", "needs_analysis", "proposal", "negotiation", "poc"]
    assert bars(html)["needs_analysis"] == "0.0"
    assert "poc" in text(element(html, "pipeline-chart"))  # shown as its key


def test_a_partner_admin_sees_the_organisations_pipeline(auth, world):
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302

    html = dashboard(auth.client)

    # The admin's own 500000 in qualify joins the rep's 154000 there: 654000, the longest.
    assert bars(html)["qualify"] == "360.0"
    assert "别家" not in html


def test_the_dashboard_is_in_english_when_asked(rep, world):
    html = dashboard(rep, **{"Accept-Language": "en"})

    assert "Open pipeline by stage" in html and "Win rate" in html
    assert "Proposal: 1 deal" in html


def test_a_gateway_refusing_a_report_is_its_error_page(rep, gateway):
    gateway.override(*PIPELINE_REPORT, 403, {"title": "Forbidden", "status": 403})

    response = rep.get("/dashboard")

    assert response.status_code == 403
