"""A partner in a real headless Chromium: signs in to the portal (through the gateway),
sees the catalogue, signs out. Everything behind the browser is the real system."""
import pytest
from webdriver import Browser, until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


def test_a_partner_signs_in_sees_the_catalogue_and_signs_out(system, seeded, browser):
    browser.open(f"{system.portal_url}/products")
    until(lambda: "/sign-in" in browser.url, what="the sign-in page")

    browser.find("#email").type("admin@huadong-partner.example")
    browser.find("#password").type("demo-partner-admin")
    browser.find("#sign-in").click()
    until(lambda: browser.url.endswith("/products"), what="the catalogue after sign-in")
    rows = until(lambda: browser.find_all("td"), what="catalogue rows")
    cells = {cell.text for cell in rows}
    assert "SRV-R740" in cells
    assert browser.find("#user-name").text == "王伙伴"
    assert browser.find_all("#nav-team"), "a partner admin's navigation offers the team page"

    browser.find("#sign-out").click()
    until(lambda: browser.find_all("#nav-sign-in"), what="the signed-out navigation")
    browser.open(f"{system.portal_url}/products")
    until(lambda: "/sign-in" in browser.url, what="the sign-in page again")
