"""/commission: a partner admin's organisation's commission statements, one row per
period (``tr[data-period]``), newest first; /commission/<period>/<org>: the statement's
lines, each explaining itself (deal, rule, base, tier, rate, share, amount), with its
totals, and ``#export-csv``, a portal route streaming the gateway's CSV. For partner
admins only: the navigation offers it to them alone (``#nav-commission``), a partner
rep gets the 403 page, another organisation's statement is the 404 page."""
import re

import pytest
from fake_commission import line
from fake_gateway import ADMIN_EMAIL, OTHER_ORG_ADMIN_EMAIL, RESELLER
from portal_actions import element, text

ORG = RESELLER["id"]
LIST = ("GET", "/api/v1/commission/statements")


@pytest.fixture
def statements(gateway):
    commission = gateway.commission
    commission.add_statement(ORG, "2026-10", [line("宁波港口 - 仓储系统", "5000.00")],
                             period_status="closed")
    commission.add_statement(ORG, "2026-11", [
        # 50 000 below quota at 5 %, 30 000 above it at 8 % (an accelerator), a SPIFF
        line("西溪数据 - 私有云扩容", "2500.00", base="50000.00", tier=("0", "100")),
        line("西溪数据 - 私有云扩容", "2400.00", base="30000.00", rate="8",
             tier=("100", None)),
        {**line("西溪数据 - 私有云扩容", "800.00", component="bonus", rate=None, tier=None),
         "rule": {"plan_id": "plan-1", "plan_name": "金牌伙伴佣金 2026", "component": "bonus",
                  "bonus": "双十一激励"}},
    ])
    commission.add_statement("org-2", "2026-11", [line("别家 - 机密项目", "9999.00")])
    return commission


@pytest.fixture
def admin(client, auth, statements):
    auth.sign_in(email=ADMIN_EMAIL)
    return client


def rows(html):
    """{period: {cell class: text}} in the page's order."""
    found = {}
    for match in re.finditer(r'<tr data-period="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        found[match.group(1)] = {
            cell: text(re.search(rf'<td class="[^"]*\b{cell}\b[^"]*">(.*?)</td>',
                                 match.group(2), re.S).group(1))
            for cell in ("period", "line-count", "total")}
    return found


def nav_links(html):
    nav = re.search(r'<nav class="main-nav"[^>]*>(.*?)</nav>', html, flags=re.S).group(1)
    return re.findall(r'id="(nav-[a-z-]+)"', nav)


def test_the_pages_ask_an_anonymous_visitor_to_sign_in(client, statements):
    for path in ("/commission", f"/commission/2026-11/{ORG}", f"/commission/2026-11/{ORG}/csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_a_partner_admin_sees_the_organisations_statements_per_period(admin, gateway):
    response = admin.get("/commission")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert rows(html) == {
        "2026-11": {"period": "2026-11", "line-count": "3", "total": "¥5700.00"},
        "2026-10": {"period": "2026-10", "line-count": "1", "total": "¥5000.00"},
    }
    assert "9999" not in html                     # another organisation's statement
    assert 'aria-current="page">佣金' in html
    (call,) = gateway.calls_to(*LIST)
    assert call.args == {"limit": "24"}           # the gateway sets the payee kind


def test_a_statement_shows_each_line_explaining_itself(admin):
    response = admin.get(f"/commission/2026-11/{ORG}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    lines = re.findall(r'<tr data-line-key="[^"]+" data-component="(\w+)">(.*?)</tr>', html,
                       re.S)
    assert [component for component, _ in lines] == ["tier", "tier", "bonus"]
    below, above, bonus = (text(cells) for _, cells in lines)
    assert "西溪数据 - 私有云扩容" in below
    assert "阶梯费率" in below and "金牌伙伴佣金 2026" in below
    assert "¥50000.00" in below and "0% – 100%" in below and "5%" in below
    assert "¥2500.00" in below
    assert "100% – ∞" in above and "8%" in above and "¥2400.00" in above
    assert "奖金: 双十一激励" in bonus and "¥800.00" in bonus
    assert text(element(html, "statement-total")) == "¥5700.00"
    assert text(element(html, "totals-total")) == "¥5700.00"
    assert "internal-rep" not in html and "internal-dept" not in html
    assert re.search(rf'href="/commission/2026-11/{ORG}/csv" id="export-csv"', html)


def test_export_csv_streams_the_gateways_csv(admin, gateway):
    gateway.commission.csv_chunks = 4

    response = admin.get(f"/commission/2026-11/{ORG}/csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="commission-2026-11.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())      # the BOM Excel needs, passed on
    csv = body.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("period,deal,component")
    assert len(csv) == 4 and "西溪数据 - 私有云扩容" in csv[1]
    (call,) = gateway.calls_to("GET", f"/api/v1/commission/statements/2026-11/partner_org/"
                                      f"{ORG}/csv")
    assert call.bearer


def test_another_organisations_statement_is_not_found(admin):
    for path in ("/commission/2026-11/org-2", "/commission/2026-11/org-2/csv",
                 f"/commission/2031-01/{ORG}"):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert "9999" not in response.get_data(as_text=True)


def test_a_partner_rep_has_no_commission_page(signed_in, statements):
    html = signed_in.get("/customers").get_data(as_text=True)
    assert "nav-commission" not in nav_links(html)
    for path in ("/commission", f"/commission/2026-11/{ORG}", f"/commission/2026-11/{ORG}/csv"):
        assert signed_in.get(path).status_code == 403, path


def test_the_navigation_offers_commission_to_partner_admins(client, auth, statements):
    auth.sign_in(email=OTHER_ORG_ADMIN_EMAIL)
    html = client.get("/commission").get_data(as_text=True)

    assert "nav-commission" in nav_links(html)
    assert rows(html) == {"2026-11": {"period": "2026-11", "line-count": "1",
                                      "total": "¥9999.00"}}


def test_an_organisation_without_statements_is_told_so(client, auth, gateway):
    auth.sign_in(email=ADMIN_EMAIL)
    html = client.get("/commission", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert rows(html) == {}
    assert "Your organisation has no commission statements yet." in html


def test_the_gateway_down_is_the_unavailable_page(admin, gateway):
    gateway.override(*LIST, 503, {"title": "Service unavailable"})
    assert admin.get("/commission").status_code == 503
