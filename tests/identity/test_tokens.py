"""Bearer tokens: every /api/v1 route but two needs one; a token that fails any check
answers 401; disabling, a password change and signing out revoke."""
import base64
import json
import time
import warnings

import jwt
import pytest
from identity_support import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, assert_problem

from gateway.identity.tokens import API_AUDIENCE, ISSUER, PORTAL_AUDIENCE


def me(gw, token):
    return gw.call("GET", "/api/v1/auth/me", token)


def assert_refused(answer):
    assert_problem(answer, 401)
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="channel-sfa"')


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def claims(gw):
    """A valid token's claims for the admin, to spoil one at a time."""
    return jwt.decode(gw.admin_token, options={"verify_signature": False})


def sign(gw, claims, key=None, algorithm="HS256"):
    return jwt.encode(claims, key or gw.identity.tokens.key, algorithm=algorithm)


def test_a_valid_token_passes(gw, claims):
    assert me(gw, sign(gw, claims)).status_code == 200


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda c: {**c, "exp": int(time.time()) - 60}, id="expired"),
    pytest.param(lambda c: {**c, "aud": "someone-else"}, id="wrong audience"),
    pytest.param(lambda c: {**c, "aud": [API_AUDIENCE, PORTAL_AUDIENCE]}, id="both audiences"),
    pytest.param(lambda c: {**c, "aud": PORTAL_AUDIENCE}, id="portal audience, internal user"),
    pytest.param(lambda c: {**c, "iss": "https://evil.example"}, id="wrong issuer"),
    pytest.param(lambda c: {**c, "ver": c["ver"] + 1}, id="other version"),
    pytest.param(lambda c: {**c, "ver": str(c["ver"])}, id="version not a number"),
    pytest.param(lambda c: {**c, "dom": "partner:0123456789abcdef01234567"}, id="wrong domain"),
    pytest.param(lambda c: {**c, "sub": "0123456789abcdef01234567"}, id="unknown user"),
    pytest.param(lambda c: {**c, "sub": "not-an-id"}, id="malformed subject"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "exp"}, id="no exp"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "ver"}, id="no ver"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "jti"}, id="no jti"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "aud"}, id="no aud"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "iss"}, id="no iss"),
])
def test_a_token_with_a_spoilt_claim_is_refused(gw, claims, spoil):
    assert_refused(me(gw, sign(gw, spoil(claims))))


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda c, other: {**c, "dom": f"partner:{other}"}, id="another organisation"),
    pytest.param(lambda c, other: {**c, "dom": "internal"}, id="internal domain"),
    pytest.param(lambda c, other: {**c, "aud": API_AUDIENCE}, id="api audience"),
])
def test_a_partner_token_naming_another_domain_or_audience_is_refused(gw, spoil):
    acme, other = gw.org("Acme"), gw.org("Other")
    _, token = gw.partner(acme["id"], "rep@acme.example")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert me(gw, sign(gw, claims)).status_code == 200
    assert_refused(me(gw, sign(gw, spoil(claims, other["id"]))))


def test_alg_none_is_refused(gw, claims):
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_refused(me(gw, token))


def test_another_algorithm_with_the_right_key_is_refused(gw, claims):
    with warnings.catch_warnings():  # HS512 wants a longer key; the point is the algorithm
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        token = sign(gw, claims, algorithm="HS512")
    assert_refused(me(gw, token))


def test_a_wrong_signature_is_refused(gw, claims):
    assert_refused(me(gw, sign(gw, claims, key=b"k" * 32)))
    header, payload, signature = gw.admin_token.split(".")
    tampered = b64({**claims, "sub": claims["sub"][::-1]})
    assert_refused(me(gw, f"{header}.{tampered}.{signature}"))


@pytest.mark.parametrize("authorization", [
    "Bearer", "Bearer ", "Bearer not-a-token", "Bearer a.b.c", "Bearer ...",
    "Basic YWRtaW46YWRtaW4=", "Token {token}", "{token}",
])
def test_malformed_authorization_is_refused(gw, authorization):
    header = authorization.format(token=gw.admin_token)
    assert_refused(gw.client.get("/api/v1/auth/me", headers={"Authorization": header}))


def test_the_scheme_is_case_insensitive(gw):
    answer = gw.client.get("/api/v1/auth/me",
                           headers={"Authorization": f"bearer {gw.admin_token}"})
    assert answer.status_code == 200


def test_a_malformed_token_names_invalid_token_and_a_missing_one_does_not(gw):
    assert 'error="invalid_token"' in me(gw, "x.y.z").headers["WWW-Authenticate"]
    assert "error" not in gw.client.get("/api/v1/auth/me").headers["WWW-Authenticate"]


@pytest.mark.parametrize("path", [
    "/api/v1/auth/me", "/api/v1/leads/0123456789abcdef01234567", "/api/v1/products",
    "/api/v1/admin/users", "/api/v1/partner/users", "/api/v1/no-such-route", "/api/v1",
])
def test_api_routes_need_a_token(gw, path):
    assert_refused(gw.client.get(path))


@pytest.mark.parametrize("headers", [
    {"X-User-Id": "admin"}, {"X-Forwarded-User": ADMIN_EMAIL}, {"X-Remote-User": ADMIN_EMAIL},
    {"Cookie": "session=admin"},
])
def test_identity_is_never_taken_from_other_headers(gw, headers):
    assert_refused(gw.client.get("/api/v1/auth/me", headers=headers))


def test_probes_the_openapi_document_sign_in_and_invitations_are_open(gw):
    assert gw.client.get("/healthz").status_code == 200
    assert gw.client.get("/readyz").status_code == 503  # no broker here, yet no 401
    spec = gw.client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert paths["/api/v1/auth/sign-in"]["post"]["security"] == []
    assert paths["/api/v1/auth/accept-invitation"]["post"]["security"] == []
    assert paths["/api/v1/auth/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/leads"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/healthz"]["get"]


def test_a_token_of_one_gateway_secret_is_refused_by_another(gw):
    from identity_support import Gateway, make_app
    other = Gateway(make_app(SECRET_KEY="another-secret-0123456789abcdefghijkl"))
    assert_refused(me(other, gw.admin_token))


# -- revocation ---------------------------------------------------------------------------

def test_sign_out_revokes_that_token_only(gw):
    first = gw.admin_token
    second = gw.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    answer = gw.call("POST", "/api/v1/auth/sign-out", first)
    assert answer.status_code == 204 and answer.get_data() == b""
    assert_refused(me(gw, first))
    assert_refused(gw.call("POST", "/api/v1/auth/sign-out", first))
    assert me(gw, second).status_code == 200
    revoked = gw.db.revoked_tokens.find_one()
    claims = jwt.decode(first, options={"verify_signature": False})
    assert revoked["_id"] == claims["jti"]
    assert int(revoked["expires_at"].timestamp()) == claims["exp"]


def test_disabling_a_user_revokes_every_token_and_re_enabling_does_not_restore_them(gw):
    user = gw.user("rep@identity.example")
    tokens = [gw.token("rep@identity.example") for _ in range(2)]
    assert gw.admin("PATCH", f"/users/{user['id']}", json={"active": False}).status_code == 200
    for token in tokens:
        assert_refused(me(gw, token))
    gw.admin("PATCH", f"/users/{user['id']}", json={"active": True})
    for token in tokens:
        assert_refused(me(gw, token))
    assert me(gw, gw.token("rep@identity.example")).status_code == 200


def test_changing_the_password_revokes_every_token_and_answers_a_fresh_one(gw):
    gw.user("rep@identity.example")
    old = [gw.token("rep@identity.example") for _ in range(2)]
    answer = gw.call("POST", "/api/v1/auth/change-password", old[0],
                     json={"current_password": PASSWORD, "new_password": "a new password!"})
    assert answer.status_code == 200, answer.get_json()
    for token in old:
        assert_refused(me(gw, token))
    assert me(gw, answer.get_json()["access_token"]).status_code == 200
    assert_problem(gw.sign_in("rep@identity.example", PASSWORD), 401)
    assert gw.sign_in("rep@identity.example", "a new password!").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
    ({"current_password": PASSWORD}, "new_password"),
    ({"current_password": PASSWORD, "new_password": "a new password!", "x": 1}, "x"),
])
def test_a_bad_password_change_is_a_400_and_changes_nothing(gw, body, field):
    gw.user("rep@identity.example")
    token = gw.token("rep@identity.example")
    assert_problem(gw.call("POST", "/api/v1/auth/change-password", token, json=body), 400,
                   field)
    assert me(gw, token).status_code == 200
    assert gw.sign_in("rep@identity.example", PASSWORD).status_code == 200


def test_an_admin_password_reset_revokes_the_users_tokens(gw):
    user = gw.user("rep@identity.example")
    token = gw.token("rep@identity.example")
    gw.admin("PATCH", f"/users/{user['id']}", json={"password": "reset by the admin"})
    assert_refused(me(gw, token))
    assert gw.sign_in("rep@identity.example", "reset by the admin").status_code == 200


def test_a_partner_users_portal_tokens_end_when_they_are_disabled_or_change_password(gw):
    org = gw.org("Acme")
    user, token = gw.partner(org["id"], "rep@acme.example")
    fresh = gw.call("POST", "/api/v1/auth/change-password", token,
                    json={"current_password": PASSWORD, "new_password": "a new password!"})
    assert fresh.status_code == 200
    assert fresh.get_json()["user"]["kind"] == "partner"
    assert_refused(me(gw, token))
    token = fresh.get_json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == PORTAL_AUDIENCE
    gw.admin("PATCH", f"/partner-users/{user['id']}", json={"active": False})
    assert_refused(me(gw, token))


def test_suspending_an_organisation_revokes_its_users_tokens_for_good(gw):
    org = gw.org("Acme")
    _, token = gw.partner(org["id"], "rep@acme.example")
    assert me(gw, token).status_code == 200
    gw.admin("PATCH", f"/partner-orgs/{org['id']}", json={"status": "suspended"})
    assert_refused(me(gw, token))
    gw.admin("PATCH", f"/partner-orgs/{org['id']}", json={"status": "active"})
    assert_refused(me(gw, token))


def test_tokens_carry_the_documented_claims(gw):
    claims = jwt.decode(gw.admin_token, options={"verify_signature": False})
    assert set(claims) == {"iss", "aud", "sub", "dom", "exp", "iat", "jti", "ver"}
    assert (claims["iss"], claims["aud"], claims["dom"]) == (ISSUER, API_AUDIENCE, "internal")
    assert claims["exp"] - claims["iat"] == 8 * 3600
    assert jwt.get_unverified_header(gw.admin_token)["alg"] == "HS256"
