"""Fixtures for the portal: a fake gateway (see fake_gateway.py), flaskr-style
``app`` / ``client`` fixtures pointed at it, and an ``auth`` helper that signs in
through the real sign-in form."""
import socket
from types import SimpleNamespace

import pytest
from fake_gateway import ADMIN_EMAIL, OTHER_ORG_ADMIN_EMAIL, REP_EMAIL, FakeGateway
from portal_actions import CSRF_FIELD, AuthActions

from portal.app import create_app
from portal.settings import NAMES


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The portal reads its settings from the environment: a developer's or CI's own
    PORTAL_ENV, SECRET_KEY, ... must not leak into these tests."""
    for name in (*NAMES, "PORTAL_WORKERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gateway():
    fake = FakeGateway()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def app(gateway):
    """CSRF protection stays on, as in production: tests post the form's real token."""
    return create_app({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                       "GATEWAY_TIMEOUT": "2", "SECRET_KEY": "test-secret-key"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_token(client):
    """The CSRF token a page hands the browser (in the language switcher's form)."""

    def token(path="/no-such-page"):  # a 404 page has the layout, and no gateway call
        html = client.get(path).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"{path} has no CSRF token field"
        return match.group(1)

    return token


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def signed_in(auth):
    """The client, signed in as a partner rep."""
    response = auth.sign_in()
    assert response.status_code == 302, response.get_data(as_text=True)
    return auth.client


@pytest.fixture
def world(gateway):
    """Customers and opportunities in the fake gateway: the rep's own, one their
    partner admin brought in (the same organisation, not the rep's), and another
    organisation's. Ids by name."""
    sales = gateway.sales
    xixi = sales.add_account("杭州西溪数据服务有限公司", REP_EMAIL, industry="软件和信息技术服务",
                             region="华东", segment="mid_market",
                             unified_social_credit_code="91330106MA27XK5L0C")
    sales.add_contact(xixi, "陈经理", title="IT 总监", phone="+86 571 8800 1234",
                      email="chen@xixi-data.example")
    sales.add_contact(xixi, "Amy Lin", title="CFO")
    precision = sales.add_account("苏州精密制造有限公司", REP_EMAIL, industry="制造业",
                                  region="华东", segment="enterprise")
    admins = sales.add_account("宁波港口物流有限公司", ADMIN_EMAIL, industry="物流")
    others = sales.add_account("别家客户有限公司", OTHER_ORG_ADMIN_EMAIL)
    h3c = sales.add_competitor("新华三")
    inspur = sales.add_competitor("浪潮信息")
    return SimpleNamespace(
        xixi=xixi, precision=precision, admins=admins, others=others, h3c=h3c, inspur=inspur,
        crm=sales.add_opportunity(xixi, "西溪数据 - CRM 用户许可续约", REP_EMAIL,
                                  amount="96000.00", stage="needs_analysis",
                                  expected_close_date="2026-12-05",
                                  competitors=[h3c, inspur]),
        cloud=sales.add_opportunity(xixi, "西溪数据 - 私有云扩容", REP_EMAIL,
                                    amount="368000.00", stage="proposal",
                                    expected_close_date="2026-12-18"),
        network=sales.add_opportunity(precision, "精密制造 - 车间网络改造", REP_EMAIL,
                                      amount="154000.00", expected_close_date="2027-01-20"),
        servers=sales.add_opportunity(precision, "精密制造 - 服务器采购", REP_EMAIL,
                                      amount="229000.00", stage="won",
                                      expected_close_date="2026-11-10"),
        backup=sales.add_opportunity(xixi, "西溪数据 - 灾备方案", REP_EMAIL,
                                     amount="185000.00", stage="lost",
                                     expected_close_date="2026-10-30"),
        port=sales.add_opportunity(admins, "宁波港口 - 仓储系统", ADMIN_EMAIL,
                                   amount="500000.00", expected_close_date="2026-12-01"),
        foreign=sales.add_opportunity(others, "别家 - 机密项目", OTHER_ORG_ADMIN_EMAIL,
                                      amount="777000.00", expected_close_date="2026-12-02"),
    )
