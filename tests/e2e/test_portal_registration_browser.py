"""A partner rep in a real headless Chromium registers a deal: the live hint warns
about a customer the company already is, the rep registers a new one instead, and
finds it in their registrations, submitted; the gateway (the real system) has it,
attributed to the rep's organisation and checked for conflicts."""
import pytest
from webdriver import Browser, until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

KNOWN = "北京华辰科技有限公司"            # a seeded customer
NEW = "无锡新松智能装备有限公司"


@pytest.fixture
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


def test_a_partner_rep_registers_a_deal_and_sees_it_listed(system, seeded, api, browser):
    browser.open(f"{system.portal_url}/registrations/new")
    until(lambda: "/sign-in" in browser.url, what="the sign-in page")
    browser.find("#email").type("rep@huadong-partner.example")
    browser.find("#password").type("demo-partner-rep-1")
    browser.find("#sign-in").click()
    until(lambda: browser.url.endswith("/registrations/new"), what="the registration form")

    browser.find("#company").type(KNOWN)
    until(lambda: browser.find_all("#conflict-hint li[data-kind='customer']"),
          what="the live hint naming a known customer")

    company = browser.find("#company")
    company.clear()
    company.type(NEW)
    until(lambda: browser.find_all("#conflict-hint .no-conflict"), what="no conflict for it")
    browser.find("#contact-name").type("顾工")
    browser.find("#phone").type("+86 510 8123 4567")
    browser.find("#amount").type("88000.00")
    browser.run("document.getElementById('close-date').value = arguments[0];", "2027-03-31")
    browser.find("#submit-registration").click()
    until(lambda: "/registrations/" in browser.url and not browser.url.endswith("/new"),
          what="the submitted registration's page")
    registration_id = browser.url.rstrip("/").rsplit("/", 1)[-1]

    browser.open(f"{system.portal_url}/registrations")
    row = until(lambda: browser.find_all(f"tr[data-registration-id='{registration_id}']"),
                what="the registration in my list")[0]
    assert NEW in row.text

    stored = api.get(f"{system.gateway_url}/api/v1/deal-registrations/{registration_id}",
                     timeout=10)
    assert stored.status_code == 200, stored.text
    registration = stored.json()
    assert (registration["company"], registration["status"]) == (NEW, "submitted")
    assert registration["conflicts"] == []
    assert registration["estimated_amount"] == {"amount": "88000.00", "currency": "CNY"}
    assert registration["partner_tier"] == "gold"
