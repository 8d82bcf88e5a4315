"""/registrations: a partner registers a deal (a draft, or submitted at once), sees
its registrations with their status and protection end, edits and resubmits one its
channel manager returned, and gets a conflict hint while typing (JSON from
/registrations/conflict-check) or, without JavaScript, after submitting. The hint
says a conflict's kind and why, never the other partner or the record."""
import json
import re

import pytest
import requests
from fake_gateway import ADMIN_EMAIL, OTHER_ORG_ADMIN_EMAIL, REP_EMAIL
from portal_actions import element, field_errors, form_csrf_token, post_form, text

CREATE = ("POST", "/api/v1/deal-registrations")
CHECK = ("POST", "/api/v1/deal-registrations/conflict-check")
STABLE_IDS = ("company", "credit-code", "contact-name", "phone", "email", "region",
              "industry", "amount", "close-date", "notes", "save-draft",
              "submit-registration", "conflict-hint")
# A well-formed unified social credit code (its check character is right).
CREDIT_CODE = "91330106MA27XK5L0C"
DEAL = {"company": "宁波海曙智能制造有限公司", "unified_social_credit_code": "",
        "contact_name": "周工", "phone": "+86 574 8765 4321", "email": "zhou@haishu.example",
        "region": "华东", "industry": "制造业", "estimated_amount": "128000.50",
        "expected_close_date": "2027-03-31", "notes": "三条产线的 MES 升级"}


@pytest.fixture
def rep(signed_in):
    return signed_in


@pytest.fixture
def admin(auth):
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302
    return auth.client


@pytest.fixture
def channel(gateway):
    return gateway.channel


def rows(html):
    """{registration id: (status cell, protection-ends cell)}, in the page's order."""
    return {match.group(1): (text(re.search(r'<td class="status">(.*?)</td>', match.group(2),
                                            flags=re.S).group(1)),
                             text(re.search(r'<td class="protection-ends">(.*?)</td>',
                                            match.group(2), flags=re.S).group(1)))
            for match in re.finditer(r'<tr data-registration-id="([^"]+)"[^>]*>(.*?)</tr>',
                                     html, flags=re.S)}


def page(client, path):
    response = client.get(path)
    return response, response.get_data(as_text=True)


def bodies(gateway, method, path):
    return [call.body for call in gateway.calls_to(method, path)]


def register(client, action="save", **changes):
    return post_form(client, "/registrations/new", **{**DEAL, **changes, "action": action})


def created_id(response):
    match = re.fullmatch(r"/registrations/([0-9a-f]{24})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def check(client, csrf_token, **body):
    return client.post("/registrations/conflict-check", data=json.dumps(body),
                       content_type="application/json",
                       headers={"X-CSRFToken": csrf_token("/registrations/new")})


# --- the form


def test_the_pages_ask_an_anonymous_visitor_to_sign_in(client, gateway):
    for path in ("/registrations", "/registrations/new"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/sign-in?next={path}")
    assert gateway.channel.registrations == {}


def test_the_form_has_the_stable_ids_and_no_hint_yet(rep):
    response, html = page(rep, "/registrations/new")

    assert response.status_code == 200
    for element_id in STABLE_IDS:
        assert f'id="{element_id}"' in html, element_id
    assert text(element(html, "conflict-hint")) == ""
    assert 'aria-current="page">报备' in html
    assert "http://" not in html and "https://" not in html


def test_saving_a_draft_sends_the_facts_and_shows_the_draft(rep, gateway, channel):
    response = register(rep)

    assert response.status_code == 302
    registration_id = created_id(response)
    (body,) = bodies(gateway, *CREATE)
    assert body == {**{k: v for k, v in DEAL.items() if k != "unified_social_credit_code"},
                    "estimated_amount": {"amount": "128000.50", "currency": "CNY"}}
    stored = channel.registrations[registration_id]
    assert (stored["status"], stored["partner_user_id"]) == ("draft", "u-rep")
    assert gateway.calls_to("POST", f"/api/v1/deal-registrations/{registration_id}/submit") \
        == []
    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存为草稿" in text(element(html, "flash"))
    assert text(element(html, "registration-status")) == "草稿"
    assert 'value="宁波海曙智能制造有限公司"' in html and 'id="submit-registration"' in html


def test_a_draft_may_leave_the_amount_and_close_date_out(rep, gateway):
    response = register(rep, estimated_amount="", expected_close_date="", contact_name="")

    assert response.status_code == 302
    (body,) = bodies(gateway, *CREATE)
    assert "estimated_amount" not in body and "expected_close_date" not in body


def test_submitting_needs_the_amount_and_close_date_before_asking_the_gateway(rep, gateway):
    response = register(rep, action="submit", estimated_amount="", expected_close_date="")
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert field_errors(html, "amount") and field_errors(html, "close-date")
    assert gateway.calls_to(*CREATE) == []


def test_submitting_creates_then_submits_and_says_so(rep, gateway, channel):
    response = register(rep, action="submit")

    registration_id = created_id(response)
    assert bodies(gateway, "POST", f"/api/v1/deal-registrations/{registration_id}/submit") \
        == [{}]
    assert channel.registrations[registration_id]["status"] == "submitted"
    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    assert "已提交审核" in text(element(html, "flash"))
    assert text(element(html, "registration-status")) == "已提交，待审核"
    assert "未发现" in text(element(html, "conflict-hint"))
    assert 'id="submit-registration"' not in html  # a submitted registration is not edited


@pytest.mark.parametrize(("field", "value", "field_id"), [
    ("company", "", "company"),
    ("company", "   ", "company"),
    ("unified_social_credit_code", "12345", "credit-code"),
    ("phone", "call me", "phone"),
    ("email", "not-an-email", "email"),
    ("estimated_amount", "-5", "amount"),
    ("expected_close_date", "31/03/2027", "close-date"),
])
def test_the_portal_checks_the_form_before_the_gateway(rep, gateway, field, value, field_id):
    response = register(rep, **{field: value})

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), field_id)
    assert gateway.calls_to(*CREATE) == []


def test_the_gateways_field_error_lands_next_to_its_field(rep, gateway):
    # Well-formed, but the check character is wrong: only the gateway knows.
    response = register(rep, unified_social_credit_code="91330106MA27XK5L0D")
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert field_errors(html, "credit-code") == [
        "The check character does not match; is a character mistyped?"]
    assert 'value="91330106MA27XK5L0D"' in html  # what was typed stays


def test_a_money_error_from_the_gateway_lands_on_the_amount(rep, gateway):
    gateway.override(*CREATE, 400, {"title": "Bad request", "errors": {
        "estimated_amount.amount": ["Too many digits."]}})

    html = register(rep).get_data(as_text=True)

    assert field_errors(html, "amount") == ["Too many digits."]


def test_a_refused_submit_leaves_the_draft_saved_and_says_why(rep, gateway, channel):
    gateway.override("POST", "/api/v1/deal-registrations/x/submit", 409, {})  # unused route
    response = register(rep, action="submit")
    registration_id = created_id(response)
    channel.registrations[registration_id]["status"] = "submitted"  # someone else did

    response = post_form(rep, f"/registrations/{registration_id}",
                         **{**DEAL, "action": "submit"})
    html = response.get_data(as_text=True)

    assert response.status_code == 409
    assert "submitted" in text(element(html, "form-problems"))


# --- the hint


def test_the_hint_after_submitting_says_the_kind_and_why_but_not_with_whom(
        rep, gateway, channel, world):
    other = channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "宁波海曙智能制造有限公司",
                                     status="submitted")
    response = register(rep, action="submit", company="杭州西溪数据服务有限公司",
                        unified_social_credit_code=CREDIT_CODE)

    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    hint = text(element(html, "conflict-hint"))
    assert "可能冲突" in hint
    assert "已有客户：统一社会信用代码相同和公司名称相同" in hint
    assert "进行中的商机" in hint
    assert "其他伙伴的报备" not in hint  # another company altogether
    assert "可能与已知的交易重叠" in text(element(html, "flash"))
    for secret in (world.xixi, world.crm, other, "org-2", "Other Reseller", "西溪数据 - CRM"):
        assert secret not in html


def test_the_live_hint_answers_json_without_other_partners_identities(
        rep, gateway, channel, csrf_token):
    other = channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "宁波海曙智能制造股份有限公司",
                                     status="approved")

    response = check(rep, csrf_token, company="宁波海曙智能制造有限公司",
                     unified_social_credit_code="")

    assert response.status_code == 200
    answer = response.get_json()
    assert answer["conflicts"] == [{"kind": "registration", "score": 1.0,
                                    "reasons": ["same_name"]}]
    assert "其他伙伴的报备：公司名称相同" in text(answer["html"])
    assert other not in response.get_data(as_text=True)
    assert "org-2" not in response.get_data(as_text=True)
    assert bodies(gateway, *CHECK) == [{"company": "宁波海曙智能制造有限公司"}]


def test_the_live_hint_leaves_the_partners_own_registrations_out(rep, channel, csrf_token):
    channel.add_registration(ADMIN_EMAIL, "宁波海曙智能制造有限公司", status="submitted")

    answer = check(rep, csrf_token, company="宁波海曙智能制造有限公司").get_json()

    assert answer["conflicts"] == []
    assert "未发现" in text(answer["html"])


def test_a_similar_name_shows_how_similar(rep, channel, csrf_token):
    channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "宁波海曙智能制造设备有限公司",
                             status="submitted")

    answer = check(rep, csrf_token, company="宁波海曙智能制造有限公司").get_json()

    (conflict,) = answer["conflicts"]
    assert conflict["reasons"] == ["similar_name"]
    assert "公司名称相近" in text(answer["html"]) and "% 相似" in text(answer["html"])


def test_the_live_hint_waits_for_a_company_and_a_whole_credit_code(rep, gateway, csrf_token):
    nothing = check(rep, csrf_token, company="  ", unified_social_credit_code=CREDIT_CODE)
    half = check(rep, csrf_token, company="西溪", unified_social_credit_code="9133")

    assert nothing.get_json() == {"conflicts": [], "html": ""}
    assert half.status_code == 200
    assert bodies(gateway, *CHECK) == [{"company": "西溪"}]


def test_the_live_hint_needs_the_csrf_token_and_a_signed_in_partner(client, rep, gateway):
    without_token = rep.post("/registrations/conflict-check", json={"company": "西溪"})
    rep.post("/sign-out", data={"csrf_token": form_csrf_token(
        rep.get("/no-such-page").get_data(as_text=True))})
    anonymous = client.post("/registrations/conflict-check", json={"company": "西溪"})

    assert without_token.status_code == 400
    assert anonymous.status_code in (302, 400)
    assert gateway.calls_to(*CHECK) == []


def test_the_live_hint_refuses_a_body_that_is_not_an_object(rep, gateway, csrf_token):
    response = rep.post("/registrations/conflict-check", data="[1]",
                        content_type="application/json",
                        headers={"X-CSRFToken": csrf_token("/registrations/new")})

    assert response.status_code == 400
    assert gateway.calls_to(*CHECK) == []


def test_a_refused_form_shows_the_hint_without_javascript(rep, channel, world):
    response = register(rep, company="杭州西溪数据服务有限公司", email="nope")

    assert response.status_code == 400
    assert "已有客户" in text(element(response.get_data(as_text=True), "conflict-hint"))


def test_the_form_works_when_the_hint_cannot_be_had(rep, gateway):
    gateway.override(*CHECK, 503, {"title": "Unavailable"})

    response = register(rep, email="nope")

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "email")


# --- the list and one registration


def test_the_list_shows_the_reps_own_with_status_and_protection_end(rep, gateway, channel):
    draft = channel.add_registration(REP_EMAIL, "甲公司")
    approved = channel.add_registration(
        REP_EMAIL, "乙公司", status="approved",
        protection_ends_at=channel.now().replace(year=2027, month=3, day=2))
    admins = channel.add_registration(ADMIN_EMAIL, "丙公司")
    foreign = channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "丁公司")

    response, html = page(rep, "/registrations")

    assert response.status_code == 200
    assert rows(html) == {approved: ("已批准，保护中", "2027年3月2日"), draft: ("草稿", "—")}
    assert admins not in html and foreign not in html
    assert [call.args for call in gateway.calls_to("GET", "/api/v1/deal-registrations")] \
        == [{"limit": "25"}]


def test_a_partner_admin_sees_the_organisations_registrations(admin, channel):
    mine = channel.add_registration(REP_EMAIL, "甲公司")
    theirs = channel.add_registration(ADMIN_EMAIL, "丙公司")
    foreign = channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "丁公司")

    shown = rows(page(admin, "/registrations")[1])

    assert set(shown) == {mine, theirs}
    assert foreign not in shown


def test_the_status_filter_goes_to_the_gateway_and_pages_follow(rep, gateway, channel):
    for n in range(30):
        channel.add_registration(REP_EMAIL, f"批量公司 {n}", status="returned")
    channel.add_registration(REP_EMAIL, "草稿公司")

    response, html = page(rep, "/registrations?status=returned")

    assert response.status_code == 200
    assert len(rows(html)) == 25
    assert gateway.calls_to("GET", "/api/v1/deal-registrations")[-1].args == {
        "status": "returned", "limit": "25"}
    next_page = re.search(r'href="([^"]+)" id="next-page"', html).group(1).replace("&amp;", "&")
    second = rows(page(rep, next_page)[1])
    assert len(second) == 5 and all(s == ("已退回，需补充信息", "—") for s in second.values())


def test_a_bad_filter_is_refused_on_the_page(rep, gateway):
    response, html = page(rep, "/registrations?status=lost")

    assert response.status_code == 400
    assert field_errors(html, "filter-status")
    assert gateway.calls_to("GET", "/api/v1/deal-registrations") == []


def test_another_partners_registration_is_the_404_page(rep, channel):
    admins = channel.add_registration(ADMIN_EMAIL, "丙公司")
    foreign = channel.add_registration(OTHER_ORG_ADMIN_EMAIL, "丁公司")

    for registration_id in (admins, foreign):
        assert rep.get(f"/registrations/{registration_id}").status_code == 404
        response = post_form(rep, f"/registrations/{registration_id}",
                             **{**DEAL, "action": "save"})
        assert response.status_code == 404
    assert channel.registrations[foreign]["company"] == "丁公司"


def test_a_returned_registration_shows_why_and_is_edited_and_resubmitted(
        rep, gateway, channel):
    returned = channel.add_registration(
        REP_EMAIL, "戊公司", status="returned", contact_name="吴经理",
        review={"reviewer_id": "u-staff", "decision": "return",
                "reason": "请补充预计金额的依据", "at": channel.now()})

    html = page(rep, f"/registrations/{returned}")[1]
    assert text(element(html, "review-reason")) == "请补充预计金额的依据"
    assert "u-staff" not in html
    assert 'value="吴经理"' in html and "重新提交审核" in html

    response = post_form(rep, f"/registrations/{returned}", **{**DEAL, "company": "戊公司",
                                                               "action": "submit"})

    assert response.status_code == 302
    assert bodies(gateway, "PATCH", f"/api/v1/deal-registrations/{returned}") == [{
        **DEAL, "company": "戊公司", "unified_social_credit_code": None,
        "estimated_amount": {"amount": "128000.50", "currency": "CNY"}}]
    stored = channel.registrations[returned]
    assert stored["status"] == "submitted" and stored["contact_name"] == "周工"
    html = rep.get(response.headers["Location"]).get_data(as_text=True)
    assert [s for s in re.findall(r'<tr data-status="([a-z]+)">', html)] == [
        "returned", "submitted"]


def test_saving_changes_to_a_draft_does_not_submit_it(rep, gateway, channel):
    draft = channel.add_registration(REP_EMAIL, "己公司")

    response = post_form(rep, f"/registrations/{draft}", **{**DEAL, "action": "save"})

    assert response.status_code == 302
    assert channel.registrations[draft]["status"] == "draft"
    assert "已保存" in text(element(rep.get(response.headers["Location"]).get_data(
        as_text=True), "flash"))


def test_an_approved_registration_is_not_edited(rep, gateway, channel):
    approved = channel.add_registration(REP_EMAIL, "庚公司", status="approved")

    html = page(rep, f"/registrations/{approved}")[1]
    response = post_form(rep, f"/registrations/{approved}", **{**DEAL, "action": "save"})

    assert 'id="registration-form"' not in html
    assert response.status_code == 409
    assert "approved" in text(element(response.get_data(as_text=True), "form-problems"))
    assert channel.registrations[approved]["company"] == "庚公司"


def test_the_forms_need_the_csrf_token(rep, gateway, channel):
    draft = channel.add_registration(REP_EMAIL, "己公司")

    new = rep.post("/registrations/new", data={**DEAL, "action": "save"})
    edit = rep.post(f"/registrations/{draft}", data={**DEAL, "action": "save"})

    assert (new.status_code, edit.status_code) == (400, 400)
    assert gateway.calls_to(*CREATE) == []
    assert gateway.calls_to("PATCH", f"/api/v1/deal-registrations/{draft}") == []


def test_the_pages_speak_english_too(rep, channel):
    channel.add_registration(REP_EMAIL, "甲公司", status="expired")
    post_form(rep, "/language", lang="en", next="/registrations")

    html = page(rep, "/registrations")[1]

    assert "My registrations" in html and "Protection ended" in html


# --- the fake gateway is faithful to the gateway's rules


@pytest.fixture
def call(gateway):
    def request(method, path, email=REP_EMAIL, **kwargs):
        token = gateway.issue_token(email)
        return requests.request(method, gateway.url + path, timeout=5,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return request


@pytest.mark.parametrize(("body", "field"), [
    ({"company": "甲", "partner_org_id": "org-2"}, "partner_org_id"),  # stamped, not sent
    ({"company": "甲", "partner_tier": "platinum"}, "partner_tier"),
    ({"company": " "}, "company"),
    ({"company": "甲", "unified_social_credit_code": "91330106MA27XK5L0D"},
     "unified_social_credit_code"),
    ({"company": "甲", "estimated_amount": {"amount": 1.5, "currency": "CNY"}},
     "estimated_amount.amount"),
])
def test_the_fake_refuses_what_the_gateway_refuses(call, body, field):
    response = call("POST", "/api/v1/deal-registrations", json=body)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_the_fake_stamps_the_partner_and_shows_the_partner_view(call, channel):
    answer = call("POST", "/api/v1/deal-registrations", json={"company": "甲公司"})

    assert answer.status_code == 201
    stored = channel.registrations[answer.json()["id"]]
    assert (stored["partner_org_id"], stored["partner_tier"]) == ("org-1", "gold")
    assert "normalised_company" not in answer.json()


def test_the_fake_submit_needs_amount_and_date_and_a_draft(call, channel):
    draft = channel.add_registration(REP_EMAIL, "甲公司")
    approved = channel.add_registration(REP_EMAIL, "乙公司", status="approved")

    missing = call("POST", f"/api/v1/deal-registrations/{draft}/submit", json={})
    again = call("POST", f"/api/v1/deal-registrations/{approved}/submit", json={})

    assert missing.status_code == 400 and "estimated_amount" in missing.json()["errors"]
    assert again.status_code == 409 and "approved" in again.json()["detail"]


def test_the_fake_stored_conflicts_are_the_partner_view(call, channel, world):
    draft = channel.add_registration(REP_EMAIL, "杭州西溪数据服务有限公司",
                                     estimated_amount="1.00",
                                     expected_close_date=channel.now())

    answer = call("POST", f"/api/v1/deal-registrations/{draft}/submit", json={}).json()

    assert answer["conflicts"] and all(set(c) == {"kind", "score", "reasons"}
                                       for c in answer["conflicts"])
    assert channel.registrations[draft]["conflicts"][0]["record_id"] == world.xixi
