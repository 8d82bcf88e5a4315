"""/offers: the leads offered to the partner's organisation; accepting one makes it
the partner's opportunity, declining one needs a reason. Every answer is a
CSRF-protected POST; another organisation's offer is the 404 page."""
import re
from datetime import timedelta

import pytest
import requests
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from portal_actions import element, field_errors, post_form, text

LIST = ("GET", "/api/v1/lead-offers")


@pytest.fixture
def rep(signed_in):
    return signed_in


@pytest.fixture
def channel(gateway):
    return gateway.channel


@pytest.fixture
def offers(channel):
    """Two open offers to the rep's organisation (the sooner to expire second), one
    already declined, one to another organisation."""
    later = channel.add_offer("org-1", "温州鞋业有限公司", region="华东", industry="制造业",
                              products_of_interest=["CRM", "ERP"])
    sooner = channel.add_offer("org-1", "台州汽配有限公司",
                               expires_at=channel.now() + timedelta(hours=2))
    declined = channel.add_offer("org-1", "绍兴纺织有限公司", status="declined",
                                 decline_reason="不在我们的区域")
    foreign = channel.add_offer("org-2", "别家线索有限公司")
    return {"later": later, "sooner": sooner, "declined": declined, "foreign": foreign}


def rows(html):
    return {match.group(1): text(match.group(2)) for match in re.finditer(
        r'<tr data-offer-id="([^"]+)"[^>]*>(.*?)</tr>', html, flags=re.S)}


def test_the_offers_ask_an_anonymous_visitor_to_sign_in(client, gateway):
    response = client.get("/offers")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/offers")
    assert gateway.calls_to(*LIST) == []


def test_the_open_offers_of_the_organisation_soonest_to_expire_first(rep, gateway, offers):
    response = rep.get("/offers")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    shown = rows(html)
    assert list(shown) == [offers["sooner"], offers["later"]]
    assert "温州鞋业有限公司 华东 制造业 CRM, ERP 待答复" in shown[offers["later"]]
    for offer_id in (offers["sooner"], offers["later"]):
        for element_id in (f"accept-{offer_id}", f"decline-reason-{offer_id}",
                           f"decline-{offer_id}"):
            assert f'id="{element_id}"' in html
    assert "别家线索" not in html and "u-staff" not in html
    assert [call.args for call in gateway.calls_to(*LIST)] == [
        {"status": "offered", "sort": "expires_at", "limit": "50"}]
    assert 'aria-current="page">线索分配' in html


def test_any_status_shows_the_answered_ones_without_buttons(rep, offers):
    html = rep.get("/offers?status=").get_data(as_text=True)

    shown = rows(html)
    assert offers["declined"] in shown and "不在我们的区域" in shown[offers["declined"]]
    assert f'id="accept-{offers["declined"]}"' not in html


def test_accepting_makes_it_the_partners_opportunity(rep, gateway, channel, offers):
    response = post_form(rep, f"/offers/{offers['later']}/accept")

    stored = channel.offers[offers["later"]]
    assert stored["status"] == "accepted" and stored["answered_by"] == "u-rep"
    assert response.status_code == 302
    assert response.headers["Location"] == f"/opportunities/{stored['opportunity_id']}"
    assert gateway.calls_to("POST", f"/api/v1/lead-offers/{offers['later']}/accept")[0].body \
        == {}
    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    assert "您已接受来自 温州鞋业有限公司 的线索" in text(element(html, "flash"))
    assert gateway.sales.opportunities[stored["opportunity_id"]]["partner_user_id"] == "u-rep"


def test_declining_needs_a_reason_before_asking_the_gateway(rep, gateway, offers):
    response = post_form(rep, f"/offers/{offers['later']}/decline", reason="  ")
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert field_errors(html, f"decline-reason-{offers['later']}") == [
        "请说明拒绝这条线索的原因。"]
    assert field_errors(html, f"decline-reason-{offers['sooner']}") == []
    assert gateway.calls_to("POST", f"/api/v1/lead-offers/{offers['later']}/decline") == []


def test_declining_with_a_reason_hands_the_lead_back(rep, gateway, channel, offers):
    response = post_form(rep, f"/offers/{offers['later']}/decline", reason="客户不在我们的区域")

    assert response.status_code == 302 and response.headers["Location"] == "/offers"
    assert [c.body for c in gateway.calls_to(
        "POST", f"/api/v1/lead-offers/{offers['later']}/decline")] == [
        {"reason": "客户不在我们的区域"}]
    assert channel.offers[offers["later"]]["status"] == "declined"
    html = rep.get("/offers").get_data(as_text=True)
    assert "您已拒绝来自 温州鞋业有限公司 的线索" in text(element(html, "flash"))
    assert offers["later"] not in rows(html)


def test_an_offer_answered_meanwhile_says_so(rep, channel, offers):
    channel.offers[offers["later"]]["status"] = "expired"

    accepted = post_form(rep, f"/offers/{offers['later']}/accept")
    declined = post_form(rep, f"/offers/{offers['later']}/decline", reason="太远")

    for response in (accepted, declined):
        assert response.status_code == 409
        assert "expired" in text(element(response.get_data(as_text=True), "offer-problems"))


def test_the_gateways_refusal_of_a_reason_lands_next_to_it(rep, gateway, offers):
    path = f"/api/v1/lead-offers/{offers['later']}/decline"
    gateway.override("POST", path, 400, {"title": "Bad request",
                                         "errors": {"reason": ["Longer, please."]}})

    response = post_form(rep, f"/offers/{offers['later']}/decline", reason="远")

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True),
                        f"decline-reason-{offers['later']}") == ["Longer, please."]


def test_another_organisations_offer_is_the_404_page(rep, channel, offers):
    accepted = post_form(rep, f"/offers/{offers['foreign']}/accept")
    declined = post_form(rep, f"/offers/{offers['foreign']}/decline", reason="x")

    assert (accepted.status_code, declined.status_code) == (404, 404)
    assert channel.offers[offers["foreign"]]["status"] == "offered"


def test_answers_need_the_csrf_token(rep, gateway, channel, offers):
    accepted = rep.post(f"/offers/{offers['later']}/accept")
    declined = rep.post(f"/offers/{offers['later']}/decline", data={"reason": "x"})

    assert (accepted.status_code, declined.status_code) == (400, 400)
    assert channel.offers[offers["later"]]["status"] == "offered"
    assert not [c for c in gateway.calls if c.method == "POST" and "lead-offers" in c.path]


def test_a_partner_admin_answers_for_the_organisation_too(auth, channel, offers):
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302

    response = post_form(auth.client, f"/offers/{offers['sooner']}/decline", reason="忙")

    assert response.status_code == 302
    assert channel.offers[offers["sooner"]]["answered_by"] == "u-admin"


def test_the_page_speaks_english_too(rep, offers):
    post_form(rep, "/language", lang="en", next="/offers")

    html = rep.get("/offers").get_data(as_text=True)

    assert "Lead offers" in html and "Awaiting your answer" in html


# --- the fake gateway is faithful to the gateway's rules


@pytest.fixture
def call(gateway):
    def request(method, path, email=REP_EMAIL, **kwargs):
        token = gateway.issue_token(email)
        return requests.request(method, gateway.url + path, timeout=5,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return request


def test_the_fake_shows_offers_without_who_made_them(call, offers):
    page = call("GET", "/api/v1/lead-offers").json()

    assert {o["id"] for o in page["items"]} == {offers["later"], offers["sooner"],
                                                offers["declined"]}
    assert all("offered_by" not in o for o in page["items"])


@pytest.mark.parametrize(("query", "field"), [({"colour": "red"}, "colour"),
                                              ({"status": "maybe"}, "status"),
                                              ({"sort": "company"}, "sort")])
def test_the_fake_refuses_what_the_gateway_refuses(call, offers, query, field):
    response = call("GET", "/api/v1/lead-offers", params=query)

    assert response.status_code == 400 and field in response.json()["errors"]


def test_the_fake_decline_needs_a_reason_and_an_open_offer(call, offers):
    blank = call("POST", f"/api/v1/lead-offers/{offers['later']}/decline",
                 json={"reason": " "})
    answered = call("POST", f"/api/v1/lead-offers/{offers['declined']}/decline",
                    json={"reason": "again"})

    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    assert answered.status_code == 409 and "declined" in answered.json()["detail"]
