"""A partner rep in a real headless Chromium configures a basket in the price
configurator, priced under the organisation's gold tier (the demo price list), and
turns it into a quote request on one of their open opportunities; the gateway (the
real system) has the draft quote with the same prices and the documented totals."""
import pytest
from webdriver import Browser, until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


def test_a_partner_rep_prices_a_basket_and_requests_a_quote(system, seeded, api, browser):
    browser.open(f"{system.portal_url}/configurator")
    until(lambda: "/sign-in" in browser.url, what="the sign-in page")
    browser.find("#email").type("rep@huadong-partner.example")
    browser.find("#password").type("demo-partner-rep-1")
    browser.find("#sign-in").click()
    until(lambda: browser.url.endswith("/configurator"), what="the configurator")

    for line, (sku, quantity) in enumerate((("SRV-R740", "2"), ("LIC-CRM-USER", "10"))):
        browser.find(f"#sku-{line} option[value='{sku}']").click()
        browser.find(f"#quantity-{line}").clear()
        browser.find(f"#quantity-{line}").type(quantity)
    browser.find("#price-basket").click()
    until(lambda: len(browser.find_all("tr.priced")) == 2, what="both lines priced")
    assert len(browser.find_all("#line-0 .trace")) >= 1 and browser.find_all("#line-1 .trace")
    # Gold price list: servers 8 % off 45,800.00 = 42,136.00 x 2; licences 1,200.00
    # less 15 % = 1,020.00 x 10. 84,272.00 + 10,200.00 = 94,472.00.
    assert "94472.00" in browser.find("#basket-total").text.replace(",", "")

    browser.find("#opportunity option:nth-child(2)").click()
    browser.find("#request-quote").click()
    until(lambda: "/quotes/" in browser.url, what="the requested quote's page")
    quote_id = browser.url.rstrip("/").rsplit("/", 1)[-1]

    stored = api.get(f"{system.gateway_url}/api/v1/quotes/{quote_id}", timeout=10)
    assert stored.status_code == 200, stored.text
    quote = stored.json()
    assert quote["status"] == "draft"
    assert [(line["sku"], line["quantity"], line["unit_price"]["amount"])
            for line in quote["lines"]] == [("SRV-R740", "2", "42136.00"),
                                             ("LIC-CRM-USER", "10", "1020.00")]
    # 13 % tax on 94,472.00 is 12,281.36 (rounded once, half up): 106,753.36.
    assert quote["totals"]["net"]["amount"] == "94472.00"
    assert quote["totals"]["total"]["amount"] == "106753.36"
    assert quote["partner_user_id"] == quote["author"]["user_id"]
