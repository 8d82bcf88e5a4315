"""Pages are in Simplified Chinese or English: the switcher's cookie first, then the
browser's Accept-Language, then Chinese. The switcher is a CSRF-protected POST that
only ever redirects to a path on this site."""
import re

import pytest

# The sign-in page: the first page a partner sees, before any language is chosen.
ZH_TITLE = "登录"
EN_TITLE = "Sign in"


def html_lang(html):
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def page(client, **headers):
    response = client.get("/sign-in", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("accept_language", "title", "lang"), [
    ("zh-CN,zh;q=0.9", ZH_TITLE, "zh-CN"),
    ("zh", ZH_TITLE, "zh-CN"),
    ("zh-Hans-CN", ZH_TITLE, "zh-CN"),
    ("en-US,en;q=0.9", EN_TITLE, "en"),
    ("en", EN_TITLE, "en"),
    ("en;q=0.5, zh-CN;q=0.9", ZH_TITLE, "zh-CN"),
    ("fr-FR", ZH_TITLE, "zh-CN"),  # nothing we speak: the default
])
def test_language_follows_accept_language(client, accept_language, title, lang):
    html = page(client, **{"Accept-Language": accept_language})

    assert f"<h1>{title}</h1>" in html
    assert html_lang(html) == lang


def test_default_language_is_simplified_chinese(client):
    html = page(client)

    assert f"<h1>{ZH_TITLE}</h1>" in html
    assert html_lang(html) == "zh-CN"


def test_pages_say_they_vary_by_language(client):
    vary = client.get("/sign-in").headers["Vary"]

    assert "Accept-Language" in vary and "Cookie" in vary


def test_switching_language_sets_the_cookie_and_goes_back(client, csrf_token):
    response = client.post("/language", data={
        "csrf_token": csrf_token(), "lang": "en", "next": "/products?cursor=abc"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/products?cursor=abc"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_chosen_language_wins_over_accept_language(client, csrf_token):
    client.post("/language", data={"csrf_token": csrf_token(), "lang": "en",
                                   "next": "/products"})
    assert f"<h1>{EN_TITLE}</h1>" in page(client, **{"Accept-Language": "zh-CN"})

    client.post("/language", data={"csrf_token": csrf_token(), "lang": "zh",
                                   "next": "/products"})
    assert f"<h1>{ZH_TITLE}</h1>" in page(client, **{"Accept-Language": "en"})


def test_an_unknown_cookie_value_falls_back_to_accept_language(client):
    client.set_cookie("lang", "xx")

    assert f"<h1>{EN_TITLE}</h1>" in page(client, **{"Accept-Language": "en"})


def test_switch_without_csrf_token_is_refused(client):
    response = client.post("/language", data={"lang": "en", "next": "/products"})

    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert "表单已失效" in response.get_data(as_text=True)
    assert f"<h1>{ZH_TITLE}</h1>" in page(client)


def test_switch_with_a_forged_csrf_token_is_refused(client, csrf_token):
    token = csrf_token()
    response = client.post("/language", data={"csrf_token": token[:-2] + "xx", "lang": "en"})

    assert response.status_code == 400


def test_switch_to_an_unsupported_language_is_refused(client, csrf_token):
    response = client.post("/language", data={"csrf_token": csrf_token(), "lang": "fr"})

    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("target", [
    "https://evil.example",
    "https://evil.example/products",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "products",
    "",
])
def test_switch_never_redirects_off_site(client, csrf_token, target):
    response = client.post("/language", data={"csrf_token": csrf_token(), "lang": "en",
                                              "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/products"


def test_the_switcher_on_a_page_sends_back_to_that_page(client, gateway):
    html = client.get("/sign-in?next=%2Fproducts%3Fcursor%3Dc1").get_data(as_text=True)

    form = re.search(r'<form class="language-switch" method="post" action="([^"]+)">(.*?)</form>',
                     html, flags=re.S)
    assert form.group(1) == "/language"
    assert ('name="next" type="hidden" value="/sign-in?next=%2Fproducts%3Fcursor%3Dc1"'
            in form.group(2))
    assert 'name="csrf_token"' in form.group(2)
    assert re.findall(r'name="lang" value="(\w+)"', form.group(2)) == ["zh", "en"]
