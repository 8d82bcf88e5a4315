"""The app factory: extensions bound, health without the gateway, error pages."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal import extensions
from portal.app import create_app


def test_extensions_are_bound(app):
    assert isinstance(extensions.csrf, CSRFProtect) and "csrf" in app.extensions
    assert isinstance(extensions.babel, Babel) and "babel" in app.extensions
    assert isinstance(extensions.login_manager, LoginManager)
    assert app.login_manager is extensions.login_manager


def test_healthz_answers_without_calling_the_gateway(closed_port_url):
    client = create_app({"PORTAL_ENV": "testing", "GATEWAY_URL": closed_port_url}).test_client()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_makes_no_gateway_request(client, gateway):
    assert client.get("/healthz").status_code == 200
    assert gateway.calls == []


@pytest.mark.parametrize(("accept_language", "text"), [
    ("zh-CN", "此地址没有对应的页面。"),
    ("en", "There is no page at this address."),
])
def test_unknown_page_is_a_404_page_in_the_chosen_language(client, accept_language, text):
    response = client.get("/nowhere", headers={"Accept-Language": accept_language})

    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_wrong_method_is_a_405_page_naming_the_allowed_ones(client):
    response = client.get("/language")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "门户无法处理此请求。" in response.get_data(as_text=True)


def test_the_stylesheet_is_served_locally(client):
    response = client.get("/static/portal.css")

    assert response.status_code == 200
    assert ".table" in response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "signed_in_as"), [
    ("/sign-in", None), ("/accept-invitation?token=t", None),
    ("/products", ADMIN_EMAIL), ("/team", ADMIN_EMAIL), ("/dashboard", ADMIN_EMAIL),
    ("/opportunities", ADMIN_EMAIL), ("/opportunities/{crm}", ADMIN_EMAIL),
    ("/customers", ADMIN_EMAIL), ("/customers/{xixi}", ADMIN_EMAIL),
    ("/configurator", ADMIN_EMAIL), ("/quotes", ADMIN_EMAIL), ("/commission", ADMIN_EMAIL)])
def test_pages_load_nothing_from_another_host(client, auth, world, path, signed_in_as):
    if signed_in_as:
        auth.sign_in(email=signed_in_as)
    response = client.get(path.format(**vars(world)))
    html = response.get_data(as_text=True)

    assert response.status_code == 200, path
    assert "http://" not in html and "https://" not in html and 'src="//' not in html


@pytest.mark.parametrize(("email", "links"), [
    (REP_EMAIL, ["nav-dashboard", "nav-opportunities", "nav-customers", "nav-registrations",
                 "nav-offers", "nav-products", "nav-configurator", "nav-quotes"]),
    (ADMIN_EMAIL, ["nav-dashboard", "nav-opportunities", "nav-customers", "nav-registrations",
                   "nav-offers", "nav-products", "nav-configurator", "nav-quotes",
                   "nav-commission", "nav-team"]),
])
def test_the_navigation_offers_the_partners_pages(client, auth, email, links):
    auth.sign_in(email=email)

    html = client.get("/customers").get_data(as_text=True)

    nav = re.search(r'<nav class="main-nav"[^>]*>(.*?)</nav>', html, flags=re.S).group(1)
    assert re.findall(r'id="(nav-[a-z-]+)"', nav) == links
    assert re.findall(r'href="([^"]+)" id="nav-customers" aria-current="page"', nav) == [
        "/customers"]


def test_an_anonymous_visitor_gets_no_navigation(client):
    html = client.get("/sign-in").get_data(as_text=True)

    assert 'id="nav-opportunities"' not in html and 'id="nav-dashboard"' not in html
