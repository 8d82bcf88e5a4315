"""A partner rep in a real headless Chromium works an opportunity: finds it in their
list, moves its stage on the detail page, and the gateway (the real system behind the
portal) has the new stage, with the move in the stage history."""
import pytest
import requests
from webdriver import Browser, until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DEAL = "西溪数据 - CRM 用户许可续约"   # seeded in needs_analysis for the demo partner rep


@pytest.fixture
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


def sign_in(browser, portal_url, email, password):
    browser.open(f"{portal_url}/opportunities")
    until(lambda: "/sign-in" in browser.url, what="the sign-in page")
    browser.find("#email").type(email)
    browser.find("#password").type(password)
    browser.find("#sign-in").click()
    until(lambda: browser.url.endswith("/opportunities"), what="the opportunity list")


def test_a_partner_rep_moves_an_opportunity_to_the_next_stage(system, seeded, api, browser):
    sign_in(browser, system.portal_url, "rep@huadong-partner.example", "demo-partner-rep-1")
    rows = until(lambda: browser.find_all("tr[data-opportunity-id]"), what="opportunity rows")
    row = next(row for row in rows if DEAL in row.text)
    opportunity_id = row.attribute("data-opportunity-id")

    browser.find(f"tr[data-opportunity-id='{opportunity_id}'] a").click()
    until(lambda: browser.url.endswith(f"/opportunities/{opportunity_id}"), what="the detail")
    before = browser.find("#current-stage").text
    browser.find("#stage option[value='proposal']").click()
    browser.find("#move-stage").click()
    until(lambda: browser.find("#current-stage").text != before, what="the new stage shown")
    assert browser.find_all("#flash"), "the move is confirmed"

    stored = api.get(f"{system.gateway_url}/api/v1/opportunities/{opportunity_id}", timeout=10)
    assert stored.status_code == 200, stored.text
    assert stored.json()["stage"] == "proposal"
    assert stored.json()["probability"] == 50
    assert [entry["stage"] for entry in stored.json()["stage_history"]][-2:] == [
        "needs_analysis", "proposal"]


def test_another_partner_cannot_open_the_opportunity(system, seeded, api, browser):
    listed = api.get(f"{system.gateway_url}/api/v1/opportunities", params={"q": "灾备"},
                     timeout=10).json()["items"]
    opportunity_id = listed[0]["id"]
    outsider = api.post(f"{system.gateway_url}/api/v1/admin/partner-orgs", timeout=10,
                        json={"name": "别家渠道有限公司", "tier": "silver"})
    assert outsider.status_code == 201, outsider.text
    # A signed-in partner of another organisation gets the portal's not-found page.
    invited = api.post(f"{system.gateway_url}/api/v1/admin/partner-users", timeout=10, json={
        "name": "外人", "email": "outsider@other-partner.example", "role": "partner_admin",
        "org_id": outsider.json()["id"]})
    assert invited.status_code == 201, invited.text
    accepted = requests.post(f"{system.gateway_url}/api/v1/auth/accept-invitation", timeout=10,
                             json={"token": invited.json()["invitation_token"],
                                   "password": "outsider-password-1"})
    assert accepted.status_code == 200, accepted.text
    sign_in(browser, system.portal_url, "outsider@other-partner.example", "outsider-password-1")
    assert not browser.find_all("tr[data-opportunity-id]"), "another partner's list is empty"
    browser.open(f"{system.portal_url}/opportunities/{opportunity_id}")
    until(lambda: browser.find_all("h1"), what="a page")
    assert "灾备" not in browser.source
    assert not browser.find_all("#move-stage")
