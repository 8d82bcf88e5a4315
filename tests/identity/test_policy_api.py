"""The Casbin policy managed through the admin API: changes take effect at once and
are stored; what could widen a partner's reach is refused."""
from identity_support import assert_problem

GRANT = {"role": "sales_rep", "domain": "internal", "object_type": "identity",
         "action": "admin", "scope": "all"}


def test_an_admin_grant_takes_effect_and_its_removal_too(gw):
    gw.user("rep@internal.example")
    rep = gw.token("rep@internal.example")
    assert_problem(gw.call("GET", "/api/v1/admin/users", rep), 403)

    added = gw.admin("POST", "/policies/grants", json=GRANT)
    assert added.status_code == 201, added.get_json()
    assert GRANT in gw.admin("GET", "/policies?domain=internal").get_json()["grants"]
    assert gw.call("GET", "/api/v1/admin/users", rep).status_code == 200
    stored = gw.db["casbin_policies"].count_documents({"ptype": "p", "v0": "sales_rep",
                                                            "v2": "identity"})
    assert stored == 1

    assert gw.admin("DELETE", "/policies/grants", json=GRANT).status_code == 200
    assert_problem(gw.call("GET", "/api/v1/admin/users", rep), 403)
    assert_problem(gw.admin("DELETE", "/policies/grants", json=GRANT), 404)


def test_a_grant_that_would_widen_a_partner_is_refused_and_nothing_stored(gw):
    before = gw.db["casbin_policies"].count_documents({})
    answer = gw.admin("POST", "/policies/grants", json={
        **GRANT, "role": "partner_rep", "domain": "partner:*", "object_type": "lead",
        "action": "read", "scope": "all"})
    assert_problem(answer, 400)
    assert_problem(gw.admin("POST", "/policies/grants", json={**GRANT, "scope": "everything"}),
                   400, "scope")
    assert gw.db["casbin_policies"].count_documents({}) == before


def test_role_links_give_and_take_a_role(gw):
    gw.user("rep2@internal.example")
    rep = gw.token("rep2@internal.example")
    me = gw.call("GET", "/api/v1/auth/me", rep).get_json()
    link = {"user": me["id"], "role": "admin", "domain": "internal"}
    assert gw.admin("POST", "/policies/role-links", json=link).status_code == 201
    assert gw.call("GET", "/api/v1/admin/users", rep).status_code == 200
    assert gw.admin("DELETE", "/policies/role-links", json=link).status_code == 200
    assert_problem(gw.call("GET", "/api/v1/admin/users", rep), 403)


def test_only_policy_admins_see_the_policy(gw):
    gw.user("rep3@internal.example")
    rep = gw.token("rep3@internal.example")
    assert_problem(gw.call("GET", "/api/v1/admin/policies", rep), 403)
    assert_problem(gw.call("GET", "/api/v1/admin/policies"), 401)
