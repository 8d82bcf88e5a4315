"""A partner admin manages their own organisation's users, and only those; invitations
are single-use, stored hashed and expire."""
from datetime import timedelta

import pytest
from identity_support import PASSWORD, assert_problem

from sfa_common.clock import utcnow

MISSING = "0123456789abcdef01234567"


@pytest.fixture
def acme(gw):
    """Acme with an admin and a rep, and Other with a rep of its own."""
    acme, other = gw.org("Acme"), gw.org("Other")
    boss, boss_token = gw.partner(acme["id"], "boss@acme.example", role="partner_admin")
    rep, rep_token = gw.partner(acme["id"], "rep@acme.example")
    stranger, _ = gw.partner(other["id"], "rep@other.example")
    return {"org": acme, "boss": boss, "boss_token": boss_token, "rep": rep,
            "rep_token": rep_token, "stranger": stranger, "other": other}


def partner_users(gw, token, method="GET", path="", **kwargs):
    return gw.call(method, f"/api/v1/partner/users{path}", token, **kwargs)


def test_a_partner_admin_lists_their_own_organisation_only(gw, acme):
    page = partner_users(gw, acme["boss_token"]).get_json()
    assert page["next_cursor"] is None
    assert [(u["email"], u["role"], u["status"]) for u in page["items"]] == [
        ("boss@acme.example", "partner_admin", "active"),
        ("rep@acme.example", "partner_rep", "active")]
    assert set(page["items"][0]) == {"id", "name", "email", "role", "status", "created_at"}


def test_only_a_partner_admin_may(gw, acme):
    for token in (acme["rep_token"], gw.admin_token):
        assert_problem(partner_users(gw, token), 403)
        assert_problem(partner_users(gw, token, "POST", json={
            "name": "X", "email": "x@acme.example", "role": "partner_rep"}), 403)
        assert_problem(partner_users(gw, token, "PATCH", f"/{acme['rep']['id']}",
                                     json={"active": False}), 403)
    assert_problem(partner_users(gw, None), 401)
    assert gw.db.partner_users.count_documents({}) == 3


def test_inviting_a_colleague_answers_the_invitation_once(gw, acme):
    answer = partner_users(gw, acme["boss_token"], "POST", json={
        "name": "New Rep", "email": "New@Acme.example", "role": "partner_rep"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["user"]["email"], body["user"]["status"]) == ("new@acme.example", "invited")
    assert set(body["user"]) == {"id", "name", "email", "role", "status", "created_at"}
    stored = gw.db.partner_users.find_one({"email": "new@acme.example"})
    assert str(stored["org_id"]) == acme["org"]["id"]
    # Stored hashed: the token itself is nowhere in the record.
    assert body["invitation_token"] not in repr(stored)

    accepted = gw.accept(body["invitation_token"], "my own password")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["user"]["partner_org"]["id"] == acme["org"]["id"]
    assert_problem(gw.accept(body["invitation_token"], "another password"), 400, "token")
    assert gw.sign_in("new@acme.example", "my own password", audience="portal") \
        .status_code == 200
    assert gw.sign_in("new@acme.example", "another password", audience="portal") \
        .status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "email": "nope", "role": "partner_rep"}, "email"),
    ({"name": "X", "email": "x@acme.example", "role": "admin"}, "role"),
    ({"email": "x@acme.example", "role": "partner_rep"}, "name"),
    ({"name": "X", "email": "x@acme.example", "role": "partner_rep",
      "org_id": MISSING}, "org_id"),
])
def test_bad_invitations_are_400_naming_the_field(gw, acme, body, field):
    assert_problem(partner_users(gw, acme["boss_token"], "POST", json=body), 400, field)
    assert gw.db.partner_users.count_documents({}) == 3


def test_a_taken_email_is_409(gw, acme):
    for email in ("rep@acme.example", "rep@other.example"):
        assert_problem(partner_users(gw, acme["boss_token"], "POST", json={
            "name": "X", "email": email, "role": "partner_rep"}), 409)


def test_changing_a_colleagues_role_and_disabling_them(gw, acme):
    rep_id = acme["rep"]["id"]
    promoted = partner_users(gw, acme["boss_token"], "PATCH", f"/{rep_id}",
                             json={"role": "partner_admin"})
    assert promoted.status_code == 200
    assert promoted.get_json()["role"] == "partner_admin"
    assert set(promoted.get_json()) == {"id", "name", "email", "role", "status", "created_at"}

    disabled = partner_users(gw, acme["boss_token"], "PATCH", f"/{rep_id}",
                             json={"active": False})
    assert disabled.get_json()["status"] == "disabled"
    assert_problem(gw.call("GET", "/api/v1/auth/me", acme["rep_token"]), 401)
    assert_problem(gw.sign_in("rep@acme.example", PASSWORD, audience="portal"), 401)

    enabled = partner_users(gw, acme["boss_token"], "PATCH", f"/{rep_id}",
                            json={"active": True})
    assert enabled.get_json()["status"] == "active"
    assert gw.sign_in("rep@acme.example", PASSWORD, audience="portal").status_code == 200


def test_re_enabling_someone_who_never_accepted_leaves_them_invited(gw, acme):
    invited = partner_users(gw, acme["boss_token"], "POST", json={
        "name": "X", "email": "x@acme.example", "role": "partner_rep"}).get_json()
    user_id = invited["user"]["id"]
    partner_users(gw, acme["boss_token"], "PATCH", f"/{user_id}", json={"active": False})
    assert_problem(gw.accept(invited["invitation_token"]), 400, "token")
    again = partner_users(gw, acme["boss_token"], "PATCH", f"/{user_id}", json={"active": True})
    assert again.get_json()["status"] == "invited"
    assert gw.accept(invited["invitation_token"]).status_code == 200


def test_another_organisations_user_is_404_and_untouched(gw, acme):
    stranger = acme["stranger"]
    for user_id in (stranger["id"], MISSING, "not-an-id"):
        answer = partner_users(gw, acme["boss_token"], "PATCH", f"/{user_id}",
                               json={"active": False})
        assert_problem(answer, 404)
    unknown = partner_users(gw, acme["boss_token"], "PATCH", f"/{MISSING}",
                            json={"active": False}).get_json()
    cross = partner_users(gw, acme["boss_token"], "PATCH", f"/{stranger['id']}",
                          json={"active": False}).get_json()
    assert {k: v for k, v in unknown.items() if k != "detail"} == \
        {k: v for k, v in cross.items() if k != "detail"}
    stored = gw.db.partner_users.find_one({"email": "rep@other.example"})
    assert (stored["status"], stored["token_version"]) == ("active", 1)


def test_a_partner_admin_cannot_demote_or_disable_themselves(gw, acme):
    me = acme["boss"]["id"]
    for changes in ({"role": "partner_rep"}, {"active": False},
                    {"role": "partner_admin", "active": False}):
        assert_problem(partner_users(gw, acme["boss_token"], "PATCH", f"/{me}", json=changes),
                       403)
    stored = gw.db.partner_users.find_one({"email": "boss@acme.example"})
    assert (stored["role"], stored["status"]) == ("partner_admin", "active")
    assert gw.call("GET", "/api/v1/auth/me", acme["boss_token"]).status_code == 200
    # Harmless changes to oneself are fine.
    assert partner_users(gw, acme["boss_token"], "PATCH", f"/{me}",
                         json={"role": "partner_admin", "active": True}).status_code == 200


@pytest.mark.parametrize("changes, field", [
    ({"role": "owner"}, "role"), ({"active": "no"}, "active"), ({"name": "X"}, "name"),
    ({"email": "x@acme.example"}, "email"), ({"status": "active"}, "status"),
])
def test_bad_changes_are_400_naming_the_field(gw, acme, changes, field):
    assert_problem(partner_users(gw, acme["boss_token"], "PATCH", f"/{acme['rep']['id']}",
                                 json=changes), 400, field)


def test_an_expired_invitation_is_refused(gw, acme):
    invited = partner_users(gw, acme["boss_token"], "POST", json={
        "name": "X", "email": "x@acme.example", "role": "partner_rep"}).get_json()
    later = utcnow() + timedelta(days=7, seconds=1)
    gw.identity.set_clock(lambda: later)
    assert_problem(gw.accept(invited["invitation_token"]), 400, "token")
    assert gw.db.partner_users.find_one({"email": "x@acme.example"})["status"] == "invited"


@pytest.mark.parametrize("body, field", [
    ({"token": "made-up", "password": PASSWORD}, "token"),
    ({"token": "", "password": PASSWORD}, "token"),
    ({"password": PASSWORD}, "token"),
])
def test_unknown_invitations_are_refused(gw, acme, body, field):
    assert_problem(gw.client.post("/api/v1/auth/accept-invitation", json=body), 400, field)


def test_accepting_needs_a_good_password_and_an_active_organisation(gw, acme, app):
    invited = partner_users(gw, acme["boss_token"], "POST", json={
        "name": "X", "email": "x@acme.example", "role": "partner_rep"}).get_json()
    assert_problem(gw.accept(invited["invitation_token"], "short"), 400, "password")
    gw.admin("PATCH", f"/partner-orgs/{acme['org']['id']}", json={"status": "suspended"})
    assert_problem(gw.accept(invited["invitation_token"]), 400, "token")
    gw.admin("PATCH", f"/partner-orgs/{acme['org']['id']}", json={"status": "active"})
    assert gw.accept(invited["invitation_token"]).status_code == 200
