"""The admin API: admins only; bad input is a 400 naming the field and writes nothing;
a taken email is 409; the org tree and the distributor tree refuse cycles."""
import pytest
from identity_support import ADMIN_EMAIL, PASSWORD, assert_problem

MISSING = "0123456789abcdef01234567"


def counts(gw):
    return {name: gw.db[name].count_documents({}) for name in
            ("users", "departments", "groups", "partner_orgs", "partner_users", "sharing_rules")}


# -- who may ------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/users"), ("POST", "/users"), ("GET", "/departments"), ("POST", "/groups"),
    ("PATCH", f"/partner-orgs/{MISSING}"), ("GET", "/partner-users"),
    ("DELETE", f"/sharing-rules/{MISSING}"),
])
def test_only_admins_may(gw, method, path):
    gw.user("manager@identity.example", roles=["sales_manager", "sales_ops"])
    org = gw.org("Acme")
    _, partner_token = gw.partner(org["id"], "boss@acme.example", role="partner_admin")
    before = counts(gw)
    for token in (gw.token("manager@identity.example"), partner_token):
        assert_problem(gw.call(method, f"/api/v1/admin{path}", token, json={}), 403)
    assert_problem(gw.call(method, f"/api/v1/admin{path}", json={}), 401)
    assert counts(gw) == before


# -- users --------------------------------------------------------------------------------

def test_create_read_update_and_list_users(gw):
    sales = gw.created("/departments", {"name": "Sales"})
    east = gw.created("/departments", {"name": "East", "parent_id": sales["id"]})
    boss = gw.user("boss@identity.example", roles=["sales_manager"])
    rep = gw.user("Rep@Identity.example", main_department_id=sales["id"],
                  department_ids=[east["id"], east["id"]], manager_id=boss["id"])
    assert rep["email"] == "rep@identity.example"
    assert (rep["main_department_id"], rep["department_ids"], rep["manager_id"]) == (
        sales["id"], [east["id"]], boss["id"])
    assert rep["active"] is True and "password" not in rep and "password_hash" not in rep
    assert gw.admin("GET", f"/users/{rep['id']}").get_json() == rep

    updated = gw.admin("PATCH", f"/users/{rep['id']}", json={
        "roles": ["sales_rep", "channel_manager"], "main_department_id": east["id"],
        "department_ids": [], "manager_id": None})
    assert updated.status_code == 200, updated.get_json()
    body = updated.get_json()
    assert (body["roles"], body["main_department_id"], body["department_ids"],
            body["manager_id"]) == (["sales_rep", "channel_manager"], east["id"], [], None)

    first = gw.admin("GET", "/users?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = gw.admin("GET", f"/users?limit=2&cursor={first['next_cursor']}").get_json()
    assert rest["next_cursor"] is None
    assert [u["email"] for u in first["items"] + rest["items"]] == [
        ADMIN_EMAIL, "boss@identity.example", "rep@identity.example"]


def test_a_taken_email_is_409_whatever_its_case(gw):
    user = gw.user("rep@identity.example")
    other = gw.user("other@identity.example")
    before = counts(gw)
    assert_problem(gw.admin("POST", "/users", json={
        "name": "Again", "email": "REP@identity.example", "password": PASSWORD}), 409)
    assert_problem(gw.admin("PATCH", f"/users/{other['id']}",
                            json={"email": user["email"]}), 409)
    assert counts(gw) == before
    assert gw.admin("GET", f"/users/{other['id']}").get_json()["email"] == other["email"]


@pytest.mark.parametrize("body, field", [
    ({"email": "x@identity.example", "password": PASSWORD}, "name"),
    ({"name": "X", "email": "not an email", "password": PASSWORD}, "email"),
    ({"name": "X", "email": "x@identity.example", "password": "short"}, "password"),
    ({"name": "X", "email": "x@identity.example"}, "password"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD, "roles": ["king"]},
     "roles.0"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "manager_id": "boss"}, "manager_id"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "manager_id": MISSING}, "manager_id"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "main_department_id": MISSING}, "main_department_id"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "department_ids": [MISSING]}, "department_ids"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "password_hash": "$argon2id$..."}, "password_hash"),
    ({"name": "X", "email": "x@identity.example", "password": PASSWORD,
      "token_version": 7}, "token_version"),
])
def test_bad_users_are_400_naming_the_field_and_nothing_is_written(gw, body, field):
    before = counts(gw)
    assert_problem(gw.admin("POST", "/users", json=body), 400, field)
    assert counts(gw) == before


@pytest.mark.parametrize("changes, field", [
    ({"manager_id": MISSING}, "manager_id"),
    ({"main_department_id": MISSING}, "main_department_id"),
    ({"roles": ["sales_rep", "emperor"]}, "roles.1"),
    ({"active": "maybe"}, "active"),
    ({"name": ""}, "name"),
    ({"id": MISSING}, "id"),
])
def test_bad_user_updates_are_400_and_change_nothing(gw, changes, field):
    user = gw.user("rep@identity.example")
    assert_problem(gw.admin("PATCH", f"/users/{user['id']}", json=changes), 400, field)
    assert gw.admin("GET", f"/users/{user['id']}").get_json() == user


def test_a_manager_chain_cannot_loop(gw):
    top = gw.user("top@identity.example")
    middle = gw.user("middle@identity.example", manager_id=top["id"])
    bottom = gw.user("bottom@identity.example", manager_id=middle["id"])
    for user_id, manager_id in ((top["id"], bottom["id"]), (top["id"], top["id"])):
        assert_problem(gw.admin("PATCH", f"/users/{user_id}", json={"manager_id": manager_id}),
                       400, "manager_id")
    assert gw.admin("GET", f"/users/{top['id']}").get_json()["manager_id"] is None


def test_the_last_active_admin_cannot_be_demoted_or_disabled(gw):
    me = gw.admin("GET", "/users").get_json()["items"][0]
    for changes in ({"active": False}, {"roles": ["sales_ops"]}):
        assert_problem(gw.admin("PATCH", f"/users/{me['id']}", json=changes), 409)
    gw.user("second@identity.example", roles=["admin"])
    assert gw.admin("PATCH", f"/users/{me['id']}", json={"roles": ["sales_ops"]}) \
        .status_code == 200


def test_unknown_records_are_404(gw):
    for path in ("/users/", "/departments/", "/groups/", "/partner-orgs/", "/partner-users/",
                 "/sharing-rules/"):
        for record_id in (MISSING, "nope"):
            assert_problem(gw.admin("GET", f"{path}{record_id}"), 404)
    assert_problem(gw.admin("PATCH", f"/users/{MISSING}", json={"name": "X"}), 404)


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=201", "limit"),
                                          ("cursor=zzz", "cursor"), ("colour=red", "colour")])
def test_bad_page_queries_are_400_naming_the_parameter(gw, query, field):
    assert_problem(gw.admin("GET", f"/users?{query}"), 400, field)


def test_passwords_are_stored_as_argon2id_hashes(gw):
    gw.user("rep@identity.example")
    stored = gw.db.users.find_one({"email": "rep@identity.example"})["password_hash"]
    assert stored.startswith("$argon2id$v=19$")
    assert PASSWORD not in stored
    org = gw.org("Acme")
    gw.partner(org["id"], "rep@acme.example")
    assert gw.db.partner_users.find_one()["password_hash"].startswith("$argon2id$")


# -- departments ---------------------------------------------------------------------------

def test_the_department_tree_refuses_cycles(gw):
    root = gw.created("/departments", {"name": "HQ"})
    child = gw.created("/departments", {"name": "Sales", "parent_id": root["id"]})
    grandchild = gw.created("/departments", {"name": "East", "parent_id": child["id"]})
    for department, parent in ((root, grandchild), (root, child), (child, child)):
        assert_problem(gw.admin("PATCH", f"/departments/{department['id']}",
                                json={"parent_id": parent["id"]}), 400, "parent_id")
    assert gw.admin("GET", f"/departments/{root['id']}").get_json()["parent_id"] is None
    # Moving sideways is fine.
    other = gw.created("/departments", {"name": "Support", "parent_id": root["id"]})
    moved = gw.admin("PATCH", f"/departments/{grandchild['id']}",
                     json={"parent_id": other["id"]})
    assert moved.status_code == 200 and moved.get_json()["parent_id"] == other["id"]


def test_departments_name_heads_and_parents_that_exist(gw):
    before = counts(gw)
    problem = assert_problem(gw.admin("POST", "/departments", json={
        "name": "Sales", "parent_id": MISSING, "head_id": MISSING}), 400)
    assert set(problem["errors"]) == {"parent_id", "head_id"}
    assert_problem(gw.admin("POST", "/departments", json={}), 400, "name")
    assert counts(gw) == before
    head = gw.user("head@identity.example")
    sales = gw.created("/departments", {"name": "Sales", "head_id": head["id"]})
    assert sales["head_id"] == head["id"]
    assert_problem(gw.admin("POST", "/departments", json={"name": "Sales"}), 409)


def test_a_department_in_use_cannot_be_deleted(gw):
    sales = gw.created("/departments", {"name": "Sales"})
    east = gw.created("/departments", {"name": "East", "parent_id": sales["id"]})
    gw.user("rep@identity.example", main_department_id=east["id"])
    assert_problem(gw.admin("DELETE", f"/departments/{sales['id']}"), 409)
    assert_problem(gw.admin("DELETE", f"/departments/{east['id']}"), 409)
    spare = gw.created("/departments", {"name": "Spare"})
    assert gw.admin("DELETE", f"/departments/{spare['id']}").status_code == 204
    assert_problem(gw.admin("GET", f"/departments/{spare['id']}"), 404)


# -- groups --------------------------------------------------------------------------------

def test_groups_with_members(gw):
    rep = gw.user("rep@identity.example")
    group = gw.created("/groups", {"name": "Key accounts", "member_ids": [rep["id"]]})
    assert group["member_ids"] == [rep["id"]]
    before = counts(gw)
    assert_problem(gw.admin("POST", "/groups", json={"name": "X", "member_ids": [MISSING]}),
                   400, "member_ids")
    assert_problem(gw.admin("POST", "/groups", json={"name": "Key accounts"}), 409)
    assert_problem(gw.admin("PATCH", f"/groups/{group['id']}",
                            json={"member_ids": [rep["id"], MISSING]}), 400, "member_ids")
    assert counts(gw) == before
    assert gw.admin("GET", f"/groups/{group['id']}").get_json()["member_ids"] == [rep["id"]]
    emptied = gw.admin("PATCH", f"/groups/{group['id']}", json={"member_ids": []})
    assert emptied.get_json()["member_ids"] == []
    assert gw.admin("DELETE", f"/groups/{group['id']}").status_code == 204


# -- partner organisations and users ----------------------------------------------------------

def test_partner_organisations_and_their_distributor_tree(gw):
    manager = gw.user("cm@identity.example", roles=["channel_manager"])
    distributor = gw.org("Big Distribution", tier="platinum", channel_manager_id=manager["id"])
    reseller = gw.org("Small Reseller", tier="registered",
                      parent_distributor_id=distributor["id"])
    assert (reseller["parent_distributor_id"], reseller["status"]) == (distributor["id"],
                                                                       "active")
    assert distributor["channel_manager_id"] == manager["id"]
    before = counts(gw)
    assert_problem(gw.admin("PATCH", f"/partner-orgs/{distributor['id']}",
                            json={"parent_distributor_id": reseller["id"]}),
                   400, "parent_distributor_id")
    for body, field in (({"name": "X", "tier": "diamond"}, "tier"),
                        ({"name": "X", "tier": "gold", "channel_manager_id": MISSING},
                         "channel_manager_id"),
                        ({"name": "X", "tier": "gold", "parent_distributor_id": MISSING},
                         "parent_distributor_id"),
                        ({"name": "X", "tier": "gold", "status": "closed"}, "status")):
        assert_problem(gw.admin("POST", "/partner-orgs", json=body), 400, field)
    assert_problem(gw.admin("POST", "/partner-orgs", json={"name": "Small Reseller",
                                                             "tier": "gold"}), 409)
    assert counts(gw) == before
    suspended = gw.admin("PATCH", f"/partner-orgs/{reseller['id']}",
                         json={"status": "suspended"})
    assert suspended.get_json()["status"] == "suspended"


def test_admins_invite_partner_users_and_list_them_by_organisation(gw):
    acme, other = gw.org("Acme"), gw.org("Other")
    invitation = gw.invite(acme["id"], "Boss@Acme.example", role="partner_admin")
    user = invitation["user"]
    assert (user["email"], user["role"], user["status"], user["org_id"]) == (
        "boss@acme.example", "partner_admin", "invited", acme["id"])
    assert invitation["invitation_token"]
    gw.invite(other["id"], "rep@other.example")
    listed = gw.admin("GET", f"/partner-users?org_id={acme['id']}").get_json()["items"]
    assert [u["email"] for u in listed] == ["boss@acme.example"]
    assert len(gw.admin("GET", "/partner-users").get_json()["items"]) == 2

    before = counts(gw)
    assert_problem(gw.admin("POST", "/partner-users", json={
        "org_id": MISSING, "name": "X", "email": "x@acme.example", "role": "partner_rep"}),
        400, "org_id")
    assert_problem(gw.admin("POST", "/partner-users", json={
        "org_id": acme["id"], "name": "X", "email": "x@acme.example", "role": "admin"}),
        400, "role")
    assert_problem(gw.admin("POST", "/partner-users", json={
        "org_id": acme["id"], "name": "X", "email": "boss@acme.example",
        "role": "partner_rep"}), 409)
    assert counts(gw) == before

    demoted = gw.admin("PATCH", f"/partner-users/{user['id']}", json={"role": "partner_rep"})
    assert demoted.get_json()["role"] == "partner_rep"


# -- sharing rules -----------------------------------------------------------------------------

def test_sharing_rules(gw):
    owner = gw.user("owner@identity.example")
    sales = gw.created("/departments", {"name": "Sales"})
    group = gw.created("/groups", {"name": "Key accounts"})
    rule = gw.created("/sharing-rules", {"source": "owner", "source_id": owner["id"],
                                         "target": "group", "target_id": group["id"]})
    assert (rule["source"], rule["target_id"]) == ("owner", group["id"])
    gw.created("/sharing-rules", {"source": "department", "source_id": sales["id"],
                                  "target": "user", "target_id": owner["id"]})
    before = counts(gw)
    assert_problem(gw.admin("POST", "/sharing-rules", json={
        "source": "owner", "source_id": owner["id"], "target": "group",
        "target_id": group["id"]}), 409)
    for body, field in (
            ({"source": "owner", "source_id": sales["id"], "target": "user",
              "target_id": owner["id"]}, "source_id"),   # a department is not an owner
            ({"source": "department", "source_id": sales["id"], "target": "group",
              "target_id": owner["id"]}, "target_id"),
            ({"source": "partner", "source_id": sales["id"], "target": "user",
              "target_id": owner["id"]}, "source"),
            ({"source": "owner", "source_id": owner["id"], "target": "user"}, "target_id")):
        assert_problem(gw.admin("POST", "/sharing-rules", json=body), 400, field)
    assert counts(gw) == before
    assert_problem(gw.admin("DELETE", f"/groups/{group['id']}"), 409)
    assert len(gw.admin("GET", "/sharing-rules").get_json()["items"]) == 2
    assert gw.admin("DELETE", f"/sharing-rules/{rule['id']}").status_code == 204
    assert_problem(gw.admin("DELETE", f"/sharing-rules/{rule['id']}"), 404)
    assert gw.admin("DELETE", f"/groups/{group['id']}").status_code == 204


def test_the_admin_api_is_in_the_openapi_document(gw):
    spec = gw.client.get("/openapi.json").get_json()
    for path in ("/api/v1/admin/users", "/api/v1/admin/departments", "/api/v1/admin/groups",
                 "/api/v1/admin/partner-orgs", "/api/v1/admin/partner-users",
                 "/api/v1/admin/sharing-rules", "/api/v1/partner/users"):
        assert path in spec["paths"], path
    create = spec["paths"]["/api/v1/admin/users"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema.endswith("/UserCreate")
    assert "password" in spec["components"]["schemas"]["UserCreate"]["properties"]
    assert "password" not in spec["components"]["schemas"]["User"]["properties"]
