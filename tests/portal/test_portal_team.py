"""/team: a partner admin manages their own organisation's users through the gateway;
nobody else gets the page, and every change is a CSRF-protected POST."""
import re

import pytest
from fake_gateway import ADMIN_EMAIL, REP_EMAIL
from portal_actions import AuthActions, form_csrf_token

USERS = ("GET", "/api/v1/partner/users")
INVITE = ("POST", "/api/v1/partner/users")


def patches(gateway, user_id):
    return gateway.calls_to("PATCH", f"/api/v1/partner/users/{user_id}")


@pytest.fixture
def admin(auth):
    """The client, signed in as the organisation's partner admin."""
    assert auth.sign_in(ADMIN_EMAIL).status_code == 302
    return auth.client


def row(html, user_id):
    match = re.search(rf'<tr id="member-{user_id}"[^>]*>(.*?)</tr>', html, flags=re.S)
    assert match, f"no row for {user_id}"
    return match.group(1)


def post(client, path, **data):
    token = form_csrf_token(client.get("/no-such-page").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def invite(client, **fields):
    data = {"name": "张伟 New", "email": "new@reseller.example", "role": "partner_rep",
            **fields}
    return post(client, "/team/invitations", **data)


def flashes(client):
    html = client.get("/team").get_data(as_text=True)
    match = re.search(r'<div class="flashes" id="flashes" role="status">(.*?)</div>', html,
                      flags=re.S)
    return match.group(1) if match else ""


# --- who may see the page


def test_team_asks_an_anonymous_visitor_to_sign_in(client, gateway):
    response = client.get("/team")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/team")
    assert gateway.calls_to(*USERS) == []


def test_team_is_403_for_a_partner_rep(signed_in, gateway):
    response = signed_in.get("/team")

    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)
    assert gateway.calls_to(*USERS) == []


@pytest.mark.parametrize("path", ["/team/invitations", "/team/users/u-invited/role",
                                  "/team/users/u-invited/active"])
def test_team_changes_are_403_for_a_partner_rep(signed_in, gateway, path):
    response = post(signed_in, path, name="x", email="x@y.example", role="partner_admin",
                    active="false")

    assert response.status_code == 403
    assert gateway.calls_to(*INVITE) == [] and patches(gateway, "u-invited") == []


# --- the list


def test_team_lists_the_organisations_users_with_role_and_status(admin, gateway):
    response = admin.get("/team")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rep = row(html, "u-rep")
    assert "李雷 Rep" in rep and REP_EMAIL in rep
    assert '<td class="role">销售代表</td>' in rep and '<td class="status">已启用</td>' in rep
    invited = row(html, "u-invited")
    assert '<td class="status">已邀请</td>' in invited
    assert '<td class="role">合作伙伴管理员</td>' in row(html, "u-admin")
    assert "u-other" not in html  # the fake answers only the admin's organisation
    (call,) = gateway.calls_to(*USERS)
    assert call.bearer in gateway.users[ADMIN_EMAIL].tokens


def test_a_long_team_list_is_paged_with_the_gateways_cursor(admin, gateway):
    gateway.team_page_size = 2

    first = admin.get("/team").get_data(as_text=True)
    link = re.search(r'<a rel="next" href="([^"]+)"', first)
    second = admin.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)

    assert 'id="member-u-admin"' in first and 'id="member-u-invited"' not in first
    assert 'id="member-u-invited"' in second and 'id="member-u-admin"' not in second
    assert [c.args for c in gateway.calls_to(*USERS)] == [{"limit": "50"},
                                                          {"limit": "50", "cursor": "2"}]
    assert 'rel="next"' not in second


def test_each_colleague_has_role_and_disable_buttons_but_not_the_admin_themself(admin):
    html = admin.get("/team").get_data(as_text=True)

    rep = row(html, "u-rep")
    assert 'action="/team/users/u-rep/role"' in rep and 'name="csrf_token"' in rep
    assert 'name="role" value="partner_admin" id="make-admin-u-rep"' in rep
    assert 'name="active" value="false" id="disable-u-rep"' in rep
    own = row(html, "u-admin")
    assert "<form" not in own and "本人" in own


# --- inviting


def test_inviting_posts_to_the_gateway_and_shows_the_link_once(admin, gateway):
    response = invite(admin, name="张伟 New", email="new@reseller.example",
                      role="partner_admin")

    assert response.status_code == 200
    (call,) = gateway.calls_to(*INVITE)
    assert call.body == {"name": "张伟 New", "email": "new@reseller.example",
                         "role": "partner_admin"}
    assert call.bearer in gateway.users[ADMIN_EMAIL].tokens
    html = response.get_data(as_text=True)
    (invitation_token,) = [t for t, u in gateway.invitations.items()
                           if u.email == "new@reseller.example"]
    link = re.search(r'<input type="text" id="invitation-link" name="invitation-link"'
                     r' readonly value="([^"]+)">', html)
    assert link and link.group(1) == (f"http://localhost/accept-invitation?"
                                      f"token={invitation_token}")
    assert response.headers["Cache-Control"] == "no-store"
    assert '<td class="status">已邀请</td>' in row(html, gateway.users["new@reseller.example"].id)
    assert invitation_token not in admin.get("/team").get_data(as_text=True)  # shown once
    with admin.session_transaction() as session:  # nor kept in the session
        assert invitation_token not in repr(dict(session))


def test_the_invitation_link_lets_the_invitee_set_a_password_and_sign_in(app, admin, gateway):
    html = invite(admin, name="Wei", email="wei@reseller.example").get_data(as_text=True)
    link = re.search(r'id="invitation-link" name="invitation-link" readonly value="([^"]+)"',
                     html).group(1).replace("&amp;", "&")

    invitee = app.test_client()  # another browser
    page = invitee.get(link)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    response = invitee.post("/accept-invitation", data={
        "csrf_token": form_csrf_token(page.get_data(as_text=True)), "token": token,
        "password": "wei's long password", "confirm_password": "wei's long password"})

    assert response.status_code == 302
    assert "Wei" in invitee.get("/products").get_data(as_text=True)
    assert AuthActions(invitee).sign_out().status_code == 302
    assert AuthActions(invitee).sign_in("wei@reseller.example",
                                        "wei's long password").status_code == 302


def test_the_gateways_field_errors_are_shown_next_to_the_fields(admin, gateway):
    response = invite(admin, email="not-an-email")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="email-errors">(.*?)</ul>', html,
                       flags=re.S)
    assert errors and "fake: not an email address" in errors.group(1)
    assert 'aria-describedby="email-errors"' in html
    assert 'value="张伟 New"' in html  # what was typed stays
    assert "invitation-link" not in html


def test_a_duplicate_email_is_shown_on_the_email_field(admin, gateway):
    response = invite(admin, email=REP_EMAIL)

    assert response.status_code == 409
    errors = re.search(r'<ul class="field-errors" id="email-errors">(.*?)</ul>',
                       response.get_data(as_text=True), flags=re.S)
    assert errors and "此电子邮箱已有账户。" in errors.group(1)


def test_a_problem_about_no_form_field_is_shown_above_the_form(admin, gateway):
    gateway.override(*INVITE, 400, {"title": "Bad request", "status": 400,
                                    "errors": {"partner_org": ["Seat limit reached."]}})

    response = invite(admin)

    assert response.status_code == 400
    problems = re.search(r'<div class="form-problems" id="form-problems" role="alert">(.*?)'
                         r'</div>', response.get_data(as_text=True), flags=re.S)
    assert problems and "Seat limit reached." in problems.group(1)


def test_an_incomplete_invitation_is_refused_without_asking_the_gateway(admin, gateway):
    response = invite(admin, name="", email="")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请输入姓名。" in html and "请输入电子邮箱。" in html
    assert gateway.calls_to(*INVITE) == []


def test_an_unknown_role_is_refused_without_asking_the_gateway(admin, gateway):
    assert invite(admin, role="owner").status_code == 400
    assert gateway.calls_to(*INVITE) == []


def test_inviting_without_csrf_token_is_refused(admin, gateway):
    response = admin.post("/team/invitations", data={
        "name": "x", "email": "x@reseller.example", "role": "partner_rep"})

    assert response.status_code == 400
    assert gateway.calls_to(*INVITE) == []


# --- roles and disabling


def test_changing_a_role_patches_the_gateway(admin, gateway):
    response = post(admin, "/team/users/u-rep/role", role="partner_admin")

    assert response.status_code == 302
    assert response.headers["Location"] == "/team"
    (call,) = patches(gateway, "u-rep")
    assert call.body == {"role": "partner_admin"}
    assert call.bearer in gateway.users[ADMIN_EMAIL].tokens
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "李雷 Rep 的角色已改为合作伙伴管理员。" in html
    assert 'id="make-rep-u-rep"' in row(html, "u-rep")


def test_disabling_a_user_patches_the_gateway_and_ends_their_session(app, admin, gateway):
    rep = app.test_client()
    AuthActions(rep).sign_in(REP_EMAIL)
    assert rep.get("/products").status_code == 200

    response = post(admin, "/team/users/u-rep/active", active="false")

    assert response.status_code == 302
    (call,) = patches(gateway, "u-rep")
    assert call.body == {"active": False}
    assert "李雷 Rep 已停用，无法再登录。" in flashes(admin)
    html = admin.get("/team").get_data(as_text=True)
    assert '<td class="status">已停用</td>' in row(html, "u-rep")
    assert 'id="enable-u-rep"' in row(html, "u-rep")
    # The gateway revoked the rep's token: their next page asks them to sign in.
    assert rep.get("/products").headers["Location"].startswith("/sign-in")


def test_enabling_a_user_patches_the_gateway(admin, gateway):
    post(admin, "/team/users/u-rep/active", active="false")

    post(admin, "/team/users/u-rep/active", active="true")

    assert [c.body for c in patches(gateway, "u-rep")] == [{"active": False},
                                                           {"active": True}]
    assert "李雷 Rep 已重新启用，可以登录。" in flashes(admin)


@pytest.mark.parametrize(("path", "field", "value"), [
    ("/team/users/u-rep/role", "role", "owner"),
    ("/team/users/u-rep/active", "active", "maybe"),
])
def test_a_malformed_change_is_refused_without_asking_the_gateway(admin, gateway, path,
                                                                  field, value):
    response = post(admin, path, **{field: value})

    assert response.status_code == 302
    assert patches(gateway, "u-rep") == []
    assert flashes(admin)


def test_the_gateways_refusal_of_a_change_is_shown(admin, gateway):
    gateway.override("PATCH", "/api/v1/partner/users/u-rep", 400, {
        "title": "Bad request", "status": 400,
        "errors": {"role": ["An organisation keeps at least one partner admin."]}})

    post(admin, "/team/users/u-rep/role", role="partner_admin")

    assert "未能修改：An organisation keeps at least one partner admin." in flashes(admin)


def test_a_user_of_another_organisation_is_not_found(admin, gateway):
    response = post(admin, "/team/users/u-other/active", active="false")

    assert response.status_code == 404
    assert [c.body for c in patches(gateway, "u-other")] == [{"active": False}]
    assert gateway.users["admin@other-reseller.example"].status == "active"


def test_changes_without_csrf_token_are_refused(admin, gateway):
    response = admin.post("/team/users/u-rep/active", data={"active": "false"})

    assert response.status_code == 400
    assert patches(gateway, "u-rep") == []
