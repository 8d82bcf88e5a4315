"""Sign-in, sign-out and the session, through the (fake) gateway: the session is rotated
at sign-in, holds the bearer token in a HttpOnly/SameSite cookie, is re-checked with the
gateway on every request and ends when the gateway says the token is no longer good."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_gateway import ADMIN_EMAIL, PASSWORD, REP_EMAIL, STAFF_EMAIL
from portal_actions import AuthActions, form_csrf_token

from portal.app import create_app

SIGN_IN = ("POST", "/api/v1/auth/sign-in")
SIGN_OUT = ("POST", "/api/v1/auth/sign-out")
ME = ("GET", "/api/v1/auth/me")
PRODUCTS = ("GET", "/api/v1/products")
WRONG = "电子邮箱或密码不正确。"
SESSION_ENDED = "您的会话已结束，请重新登录。"


def session_of(client):
    with client.session_transaction() as session:
        return dict(session)


def cookie_header(response, name="portal_session"):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def main_content(response):
    html = response.get_data(as_text=True)
    return re.search(r'<main class="content">(.*)</main>', html, flags=re.S).group(1)


def sign_in_redirect(response):
    """The ``next`` of a redirect to the sign-in page (None when it has none)."""
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in" and not location.netloc
    return parse_qs(location.query).get("next", [None])[0]


def sign_in_form_next(html):
    form = re.search(r'<form method="post" action="/sign-in" id="sign-in-form"'
                     r' novalidate>(.*?)</form>', html, flags=re.S).group(1)
    return re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1)


def live_token_of(gateway, email):
    (token,) = gateway.users[email].tokens
    return token


# --- the sign-in page


def test_sign_in_page_has_stable_ids_for_a_browser_test(client):
    html = client.get("/sign-in").get_data(as_text=True)

    assert 'id="email" ' in html and 'name="email"' in html
    assert 'id="password" ' in html and 'type="password"' in html
    assert '<button type="submit" id="sign-in">' in html
    assert form_csrf_token(html)


def test_signing_in_goes_to_the_dashboard_and_keeps_the_token_in_the_session(
        client, auth, gateway):
    response = auth.sign_in(REP_EMAIL, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    (call,) = gateway.calls_to(*SIGN_IN)
    assert call.body == {"email": REP_EMAIL, "password": PASSWORD, "audience": "portal"}
    session = session_of(client)
    assert session["access_token"] == live_token_of(gateway, REP_EMAIL)
    assert session["_user_id"] == "u-rep"
    page = client.get("/products").get_data(as_text=True)
    assert '<span class="user-name" id="user-name">李雷 Rep</span>' in page
    assert session["access_token"] not in page


def test_sign_in_rotates_the_session(client, auth):
    client.get("/sign-in")
    with client.session_transaction() as session:  # e.g. fixed by an attacker
        session.update({"sid": "fixated", "planted": "by someone else"})
    before = session_of(client)

    auth.sign_in()

    after = session_of(client)
    assert after["sid"] != "fixated" and len(after["sid"]) >= 32
    assert "planted" not in after
    assert after.get("csrf_token") != before["csrf_token"]  # the CSRF secret is new too
    auth.sign_out()
    auth.sign_in()
    assert session_of(client)["sid"] != after["sid"]  # a new id at every sign-in


def test_signing_in_over_a_session_revokes_the_previous_token(client, signed_in, gateway):
    rep_token = live_token_of(gateway, REP_EMAIL)
    csrf = form_csrf_token(client.get("/no-such-page").get_data(as_text=True))

    response = client.post("/sign-in", data={"csrf_token": csrf, "email": ADMIN_EMAIL,
                                             "password": PASSWORD})

    assert response.status_code == 302
    assert rep_token not in gateway.tokens
    assert session_of(client)["_user_id"] == "u-admin"


def test_session_cookie_is_httponly_and_samesite_lax(auth):
    cookie = cookie_header(auth.sign_in())

    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing runs over plain HTTP


def test_session_cookie_is_secure_in_production(gateway):
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "p" * 32,
                      "GATEWAY_URL": gateway.url})
    https = {"base_url": "https://portal.example",
             "headers": {"Referer": "https://portal.example/sign-in"}}

    response = AuthActions(app.test_client()).sign_in(**https)

    assert response.status_code == 302
    cookie = cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, auth):
    wrong_password = auth.sign_in(REP_EMAIL, "not the password")
    unknown_email = auth.sign_in("nobody@reseller.example", PASSWORD)

    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        html = response.get_data(as_text=True)
        assert WRONG in html
        assert "fake:" not in html  # the gateway's own detail is never shown
    same = [re.sub(r'value="[^"]*"', "", main_content(r))
            for r in (wrong_password, unknown_email)]
    assert same[0] == same[1]
    assert "_user_id" not in session_of(client)


def test_a_failed_sign_in_keeps_the_email_but_never_echoes_the_password(auth):
    html = auth.sign_in(REP_EMAIL, "s3cret-typed-wrong").get_data(as_text=True)

    assert f'value="{REP_EMAIL}"' in html
    assert "s3cret-typed-wrong" not in html


@pytest.mark.parametrize(("retry_after", "language", "text"), [
    (300, "zh-CN", "登录尝试次数过多，请 5 分钟后再试。"),
    (61, "zh-CN", "请 2 分钟后再试"),
    (300, "en", "Too many sign-in attempts. Please try again in 5 minutes."),
    (20, "en", "Too many sign-in attempts. Please try again in 1 minute."),
])
def test_a_rate_limited_sign_in_says_when_to_try_again(
        client, auth, gateway, retry_after, language, text):
    gateway.rate_limited = retry_after

    response = auth.sign_in(headers={"Accept-Language": language})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(retry_after)
    assert text in response.get_data(as_text=True)
    assert "_user_id" not in session_of(client)


def test_a_rate_limit_without_retry_after_says_try_later(auth, gateway):
    gateway.override(*SIGN_IN, 429, {"title": "Too many requests", "status": 429})

    response = auth.sign_in()

    assert response.status_code == 429
    assert "登录尝试次数过多，请稍后再试。" in response.get_data(as_text=True)


def test_an_internal_account_is_refused_and_its_new_token_revoked(client, auth, gateway):
    response = auth.sign_in(STAFF_EMAIL, PASSWORD)

    assert response.status_code == 403
    assert "本门户仅供合作伙伴账户使用" in response.get_data(as_text=True)
    assert "_user_id" not in session_of(client)
    assert "access_token" not in session_of(client)
    (sign_out,) = gateway.calls_to(*SIGN_OUT)
    assert sign_out.bearer and gateway.users[STAFF_EMAIL].tokens == set()


def test_empty_fields_are_refused_without_asking_the_gateway(auth, gateway):
    response = auth.sign_in("", "")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请输入您的电子邮箱。" in html and "请输入您的密码。" in html
    assert gateway.calls_to(*SIGN_IN) == []


def test_sign_in_without_csrf_token_is_refused(client, gateway):
    response = client.post("/sign-in", data={"email": REP_EMAIL, "password": PASSWORD})

    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)
    assert gateway.calls_to(*SIGN_IN) == []


def test_the_sign_in_page_sends_a_signed_in_partner_on(signed_in):
    response = signed_in.get("/sign-in?next=/products%3Fcursor%3Dc2")

    assert response.status_code == 302
    assert response.headers["Location"] == "/products?cursor=c2"


# --- next


@pytest.mark.parametrize(("target", "email"), [
    ("/products", REP_EMAIL),
    ("/products?cursor=abc", REP_EMAIL),
    ("/team", ADMIN_EMAIL),
])
def test_next_is_honoured_when_it_is_a_local_path(auth, target, email):
    response = auth.sign_in(email, next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example",
    "https://evil.example/products",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "products",
])
def test_next_never_leaves_the_site(client, auth, target):
    form = client.get("/sign-in", query_string={"next": target}).get_data(as_text=True)
    assert sign_in_form_next(form) == ""  # not even echoed into the form

    response = auth.sign_in(next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_a_protected_page_sends_an_anonymous_visitor_to_sign_in_and_back(client, auth, gateway):
    response = client.get("/products?cursor=c1")

    assert sign_in_redirect(response) == "/products?cursor=c1"
    assert gateway.calls_to(*PRODUCTS) == []

    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert sign_in_form_next(form) == "/products?cursor=c1"
    assert auth.sign_in(next="/products?cursor=c1").headers["Location"] == "/products?cursor=c1"


# --- every gateway call carries the partner's token; the gateway may end the session


def test_the_catalogue_is_asked_with_the_partners_bearer_token(signed_in, gateway):
    token = live_token_of(gateway, REP_EMAIL)

    assert signed_in.get("/products").status_code == 200

    (products,) = gateway.calls_to(*PRODUCTS)
    assert products.headers["Authorization"] == f"Bearer {token}"
    assert all(call.bearer == token for call in gateway.calls_to(*ME))


def test_the_user_is_checked_with_the_gateway_once_per_request(signed_in, gateway):
    before = len(gateway.calls_to(*ME))

    signed_in.get("/products")

    assert len(gateway.calls_to(*ME)) == before + 1


def test_a_revoked_token_ends_the_session(signed_in, gateway):
    gateway.revoke_tokens_of(REP_EMAIL)  # e.g. disabled, or the password changed

    response = signed_in.get("/products")

    assert sign_in_redirect(response) == "/products"
    assert gateway.calls_to(*PRODUCTS) == []
    session = session_of(signed_in)
    assert "_user_id" not in session and "access_token" not in session
    assert SESSION_ENDED in signed_in.get(response.headers["Location"]).get_data(as_text=True)


def test_a_revoked_token_on_a_public_page_shows_that_page_signed_out(signed_in, gateway):
    gateway.revoke_tokens_of(REP_EMAIL)

    response = signed_in.get("/sign-in")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SESSION_ENDED in html and 'id="nav-sign-in"' in html
    assert "_user_id" not in session_of(signed_in)


def test_a_401_from_the_gateway_mid_session_signs_out_and_asks_to_sign_in(signed_in, gateway):
    gateway.override(*PRODUCTS, 401, {"title": "Unauthorized", "status": 401})

    response = signed_in.get("/products?cursor=c9")

    assert sign_in_redirect(response) == "/products?cursor=c9"
    session = session_of(signed_in)
    assert "_user_id" not in session and "access_token" not in session


def test_a_session_whose_user_is_no_longer_a_partner_ends(signed_in, gateway):
    gateway.override(*ME, 200, {"id": "u-rep", "kind": "internal", "name": "x",
                                "email": REP_EMAIL, "roles": [], "partner_org": None})

    assert sign_in_redirect(signed_in.get("/products")) == "/products"
    assert "_user_id" not in session_of(signed_in)


def test_a_gateway_outage_while_checking_the_user_is_a_503_asked_once(signed_in, gateway):
    gateway.override(*ME, 503, {"title": "Service unavailable", "status": 503})
    before = len(gateway.calls_to(*ME))

    response = signed_in.get("/products")

    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)
    assert len(gateway.calls_to(*ME)) == before + 1  # the error page did not ask again
    assert "_user_id" in session_of(signed_in)  # an outage is not a sign-out


# --- sign-out


def test_sign_out_revokes_the_token_and_clears_the_session(signed_in, auth, gateway):
    token = live_token_of(gateway, REP_EMAIL)

    response = auth.sign_out()

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    (call,) = gateway.calls_to(*SIGN_OUT)
    assert call.bearer == token
    assert token not in gateway.tokens
    session = session_of(signed_in)
    assert "_user_id" not in session and "access_token" not in session
    assert sign_in_redirect(signed_in.get("/products")) == "/products"
    assert "您已退出登录。" in signed_in.get("/sign-in").get_data(as_text=True)


def test_a_copy_of_the_old_cookie_is_useless_after_sign_out(signed_in, auth, gateway):
    old_cookie = signed_in.get_cookie("portal_session").value

    auth.sign_out()
    signed_in.set_cookie("portal_session", old_cookie)  # replayed, e.g. stolen earlier

    assert sign_in_redirect(signed_in.get("/products")) == "/products"


def test_sign_out_ends_the_session_even_when_the_gateway_is_down(signed_in, auth, gateway):
    gateway.override(*SIGN_OUT, 503, {"title": "Service unavailable", "status": 503})

    response = auth.sign_out()

    assert response.status_code == 302
    assert "_user_id" not in session_of(signed_in)


def test_sign_out_by_get_is_405(signed_in, gateway):
    response = signed_in.get("/sign-out")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"] and "GET" not in response.headers["Allow"]
    assert gateway.calls_to(*SIGN_OUT) == []
    assert "_user_id" in session_of(signed_in)


def test_sign_out_without_csrf_token_is_refused(signed_in, gateway):
    response = signed_in.post("/sign-out")

    assert response.status_code == 400
    assert gateway.calls_to(*SIGN_OUT) == []
    assert signed_in.get("/products").status_code == 200  # still signed in


# --- navigation


def nav(client):
    html = client.get("/no-such-page").get_data(as_text=True)
    return re.search(r'<header class="site-header">(.*?)</header>', html, flags=re.S).group(1)


def test_an_anonymous_visitor_is_offered_sign_in_only(client):
    header = nav(client)

    assert 'id="nav-sign-in"' in header and 'href="/sign-in"' in header
    for absent in ('id="nav-products"', 'id="nav-team"', 'id="sign-out"', "/sign-out"):
        assert absent not in header


def test_a_partner_rep_sees_products_name_and_sign_out_but_not_team(signed_in):
    header = nav(signed_in)

    assert 'id="nav-products"' in header
    assert '<span class="user-name" id="user-name">李雷 Rep</span>' in header
    sign_out = re.search(r'<form class="account" method="post" action="/sign-out"'
                         r' id="sign-out-form">(.*?)</form>', header, flags=re.S)
    assert sign_out and 'name="csrf_token"' in sign_out.group(1)
    assert '<button type="submit" id="sign-out">' in sign_out.group(1)
    assert 'id="nav-team"' not in header and 'id="nav-sign-in"' not in header


def test_a_partner_admin_also_sees_team(auth):
    auth.sign_in(ADMIN_EMAIL)

    header = nav(auth.client)

    assert 'id="nav-team"' in header and 'href="/team"' in header


# --- accepting an invitation


def accept(client, token="inv-ivy", password="a long new password", confirm=None):
    page = client.get("/accept-invitation", query_string={"token": token})
    return client.post("/accept-invitation", data={
        "csrf_token": form_csrf_token(page.get_data(as_text=True)), "token": token,
        "password": password,
        "confirm_password": password if confirm is None else confirm})


def test_the_invitation_page_asks_for_a_password_twice(client):
    response = client.get("/accept-invitation?token=inv-ivy")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="token" type="hidden" value="inv-ivy"' in html
    assert 'id="password" ' in html and 'id="confirm_password" ' in html
    assert '<button type="submit" id="accept-invitation">' in html
    # The token is in the address: never cached, never sent on in a Referer.
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_accepting_an_invitation_sets_the_password_and_signs_in(client, gateway):
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "before"

    response = accept(client, password="a long new password")

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    (call,) = gateway.calls_to("POST", "/api/v1/auth/accept-invitation")
    assert call.body == {"token": "inv-ivy", "password": "a long new password"}
    session = session_of(client)
    assert session["_user_id"] == "u-invited" and "planted" not in session and session["sid"]
    page = client.get("/products").get_data(as_text=True)
    assert "Invited Ivy" in page and "欢迎，Invited Ivy。您的账户已就绪。" in page


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("elevenchars", None, "密码至少需要 12 个字符。"),
    ("a long new password", "a long new passworD", "两次输入的密码不一致。"),
    ("", "", "请设置密码。"),
])
def test_a_bad_new_password_is_refused_without_asking_the_gateway(
        client, gateway, password, confirm, message):
    response = accept(client, password=password, confirm=confirm)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert gateway.calls_to("POST", "/api/v1/auth/accept-invitation") == []
    assert "_user_id" not in session_of(client)


def test_a_used_or_unknown_invitation_is_refused(client):
    response = accept(client, token="inv-used-already")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "邀请链接无效" in html
    assert 'id="password"' not in html  # nothing left to fill in
    assert "_user_id" not in session_of(client)


def test_the_gateways_password_rules_are_shown_next_to_the_field(client, gateway):
    gateway.override("POST", "/api/v1/auth/accept-invitation", 400, {
        "title": "Bad request", "status": 400, "errors": {"password": ["Too common."]}})

    response = accept(client)

    assert response.status_code == 400
    errors = re.search(r'<ul class="field-errors" id="password-errors">(.*?)</ul>',
                       response.get_data(as_text=True), flags=re.S)
    assert errors and "Too common." in errors.group(1)


def test_an_invitation_link_without_token_says_it_is_incomplete(client):
    response = client.get("/accept-invitation")

    assert response.status_code == 400
    assert "邀请链接不完整" in response.get_data(as_text=True)


def test_accepting_without_csrf_token_is_refused(client, gateway):
    response = client.post("/accept-invitation", data={
        "token": "inv-ivy", "password": "a long new password",
        "confirm_password": "a long new password"})

    assert response.status_code == 400
    assert gateway.calls_to("POST", "/api/v1/auth/accept-invitation") == []


def test_sign_in_names_the_browser_address_to_the_gateway_only_with_the_shared_secret(
        gateway):
    secret = "portal-and-gateway-shared-secret-0123456789"
    for configured, expected in ((secret, {"X-Channel-Sfa-Portal": secret,
                                           "X-Channel-Sfa-Client-Ip": "198.51.100.23"}),
                                 (None, {})):
        config = {"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                  "SECRET_KEY": "test-secret-key"}
        if configured:
            config["PORTAL_CLIENT_SECRET"] = configured
        client = create_app(config).test_client()
        AuthActions(client).sign_in(environ_base={"REMOTE_ADDR": "198.51.100.23"})
        sent = gateway.calls_to("POST", "/api/v1/auth/sign-in")[-1].headers
        handed_over = {name: value for name, value in sent.items()
                       if name.lower().startswith("x-channel-sfa")}
        assert handed_over == expected
