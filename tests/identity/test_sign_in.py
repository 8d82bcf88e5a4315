"""Signing in: one answer for every failure, at one cost; who may get which token."""
import statistics
import time

import pytest
from identity_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    Gateway,
    assert_problem,
    make_app,
)


def test_sign_in_answers_a_bearer_token_and_the_user(gw):
    answer = gw.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert answer.status_code == 200
    grant = answer.get_json()
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 8 * 3600
    me = gw.call("GET", "/api/v1/auth/me", grant["access_token"])
    assert me.status_code == 200
    assert me.get_json() == grant["user"] == {
        "id": me.get_json()["id"], "kind": "internal", "name": "Administrator",
        "email": ADMIN_EMAIL, "roles": ["admin"], "partner_org": None}


def test_the_email_is_not_case_sensitive(gw):
    gw.user("Mixed.Case@identity.example")
    assert gw.sign_in("  MIXED.case@IDENTITY.example ", PASSWORD).status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(gw):
    gw.user("rep@identity.example")
    unknown = gw.sign_in("nobody@identity.example", PASSWORD)
    wrong = gw.sign_in("rep@identity.example", "not the password")
    for answer in (unknown, wrong):
        assert_problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert unknown.get_data() == wrong.get_data()
    # Every answer names its own request (X-Request-ID); nothing else may differ.
    assert ({**unknown.headers, "X-Request-ID": None} ==
            {**wrong.headers, "X-Request-ID": None})


@pytest.fixture
def costly_gateway():
    """The real argon2id parameters, so a skipped verification would show."""
    app = make_app(PASSWORD_HASHER=None)
    yield Gateway(app)
    app.extensions["rpc_pool"].close()
    app.extensions["ready_pool"].close()


def test_unknown_user_and_wrong_password_take_about_the_same_time(costly_gateway):
    gw = costly_gateway
    gw.user("rep@identity.example")
    # A fresh address per attempt: the per-IP limit must not end the measurement.
    unknown, wrong = [], []
    for attempt in range(4):
        for email, times in (("nobody@identity.example", unknown),
                             ("rep@identity.example", wrong)):
            gw.identity.limiter.clear(f"account:{email}")
            started = time.perf_counter()
            answer = gw.sign_in(email, "not the password", ip=f"10.0.0.{attempt}")
            times.append(time.perf_counter() - started)
            assert answer.status_code == 401
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2, (unknown, wrong)


def test_a_disabled_user_cannot_sign_in_and_gets_the_same_answer(gw):
    user = gw.user("leaver@identity.example")
    assert gw.admin("PATCH", f"/users/{user['id']}", json={"active": False}).status_code == 200
    refused = gw.sign_in("leaver@identity.example", PASSWORD)
    assert_problem(refused, 401)
    assert refused.get_data() == gw.sign_in("nobody@identity.example", PASSWORD).get_data()


def test_partner_users_get_portal_tokens_only_and_internal_users_api_tokens_only(gw):
    org = gw.org("Acme")
    gw.partner(org["id"], "rep@acme.example")
    assert_problem(gw.sign_in("rep@acme.example", PASSWORD, audience="api"), 401)
    portal = gw.sign_in("rep@acme.example", PASSWORD, audience="portal")
    assert portal.status_code == 200
    assert portal.get_json()["user"]["kind"] == "partner"
    assert portal.get_json()["user"]["partner_org"] == {"id": org["id"], "name": "Acme",
                                                        "tier": "gold"}
    assert_problem(gw.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, audience="portal"), 401)


def test_an_invited_partner_cannot_sign_in_before_accepting(gw):
    org = gw.org("Acme")
    gw.invite(org["id"], "new@acme.example")
    assert_problem(gw.sign_in("new@acme.example", "", audience="portal"), 401)
    assert_problem(gw.sign_in("new@acme.example", PASSWORD, audience="portal"), 401)


def test_a_suspended_partner_organisation_cannot_sign_in(gw):
    org = gw.org("Acme")
    gw.partner(org["id"], "rep@acme.example")
    assert gw.admin("PATCH", f"/partner-orgs/{org['id']}",
                    json={"status": "suspended"}).status_code == 200
    assert_problem(gw.sign_in("rep@acme.example", PASSWORD, audience="portal"), 401)
    gw.admin("PATCH", f"/partner-orgs/{org['id']}", json={"status": "active"})
    assert gw.sign_in("rep@acme.example", PASSWORD, audience="portal").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"password": PASSWORD}, "email"),
    ({"email": ADMIN_EMAIL}, "password"),
    ({"email": ADMIN_EMAIL, "password": PASSWORD, "audience": "admin"}, "audience"),
    ({"email": ADMIN_EMAIL, "password": PASSWORD, "remember": True}, "remember"),
    ({"email": ADMIN_EMAIL, "password": 12345678901234}, "password"),
])
def test_malformed_sign_in_is_a_400_naming_the_field(gw, body, field):
    assert_problem(gw.client.post("/api/v1/auth/sign-in", json=body), 400, field)


def test_a_successful_sign_in_rehashes_a_password_hashed_with_weaker_parameters(gw):
    from argon2 import PasswordHasher
    user = gw.user("old@identity.example")
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    gw.db.users.update_one({"email": "old@identity.example"}, {"$set": {"password_hash": weak}})
    assert gw.sign_in("old@identity.example", PASSWORD).status_code == 200
    stored = gw.db.users.find_one({"email": user["email"]})["password_hash"]
    assert stored != weak and stored.startswith("$argon2id$v=19$m=1024,")
    assert gw.sign_in("old@identity.example", PASSWORD).status_code == 200
