"""The fake gateway answers customers and opportunities as the real gateway does for a
partner: the portal's tests are only as good as this double, so its contract-level
behaviour is pinned here (scope, refused parameters, cursors, partner views)."""
import pytest
import requests
from fake_gateway import ADMIN_EMAIL, REP_EMAIL

PARTNER_OPPORTUNITY_FIELDS = {
    "id", "created_at", "updated_at", "name", "account_id", "account_name", "contact_ids",
    "amount", "probability", "stage", "status", "expected_close_date", "valid_until",
    "partner_user_id", "deal_registration_id", "products", "next_step", "notes",
    "stage_history", "competitors", "closed_at", "lost_reason", "lost_note"}


@pytest.fixture
def call(gateway):
    def request(method, path, email=REP_EMAIL, **kwargs):
        token = gateway.issue_token(email)
        return requests.request(method, gateway.url + path, timeout=5,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return request


def test_a_partner_gets_the_partner_view_only(call, world):
    answer = call("GET", f"/api/v1/opportunities/{world.crm}").json()

    assert set(answer) == PARTNER_OPPORTUNITY_FIELDS
    assert answer["amount"] == {"amount": "96000.00", "currency": "CNY"}
    assert answer["expected_close_date"] == "2026-12-05"
    customer = call("GET", f"/api/v1/accounts/{world.xixi}").json()
    assert "owner_id" not in customer and "partner_org_ids" not in customer


@pytest.mark.parametrize(("email", "whose", "status"), [
    (REP_EMAIL, "crm", 200), (REP_EMAIL, "port", 404), (REP_EMAIL, "foreign", 404),
    (ADMIN_EMAIL, "crm", 200), (ADMIN_EMAIL, "port", 200), (ADMIN_EMAIL, "foreign", 404),
])
def test_scope_a_rep_their_own_an_admin_the_organisation(call, world, email, whose, status):
    assert call("GET", f"/api/v1/opportunities/{getattr(world, whose)}",
                email=email).status_code == status


def test_no_token_is_401_as_problem_json(gateway, world):
    response = requests.get(f"{gateway.url}/api/v1/opportunities", timeout=5)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("query", "field"), [
    ({"colour": "red"}, "colour"),           # unknown parameters are refused
    ({"owner_id": "u-staff"}, "owner_id"),   # a filter partners may not use
    ({"status": "maybe"}, "status"),
    ({"sort": "-secret"}, "sort"),
    ({"q": ""}, "q"),                        # an empty filter is not "no filter"
    ({"limit": "500"}, "limit"),
])
def test_bad_list_parameters_are_400_naming_the_field(call, world, query, field):
    response = call("GET", "/api/v1/opportunities", params=query)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_a_filter_partners_may_not_use_is_named_as_such(call, world):
    response = call("GET", "/api/v1/opportunities", params={"owner_id": "u-staff"})

    assert response.json()["errors"] == {"owner_id": ["Not a field a partner may send."]}


def test_a_cursor_is_good_only_for_its_sort(call, gateway, world):
    for n in range(3):
        gateway.sales.add_opportunity(world.xixi, f"批量 {n}", REP_EMAIL)
    first = call("GET", "/api/v1/opportunities", params={"limit": 2, "sort": "name"}).json()

    same = call("GET", "/api/v1/opportunities",
                params={"limit": 2, "sort": "name", "cursor": first["next_cursor"]})
    other = call("GET", "/api/v1/opportunities",
                 params={"limit": 2, "sort": "-name", "cursor": first["next_cursor"]})

    assert same.status_code == 200
    assert not {o["id"] for o in first["items"]} & {o["id"] for o in same.json()["items"]}
    assert other.status_code == 400 and "cursor" in other.json()["errors"]


def test_a_partner_may_change_only_next_step_and_notes(call, gateway, world):
    refused = call("PATCH", f"/api/v1/opportunities/{world.crm}",
                   json={"notes": "x", "amount": {"amount": "1.00", "currency": "CNY"}})
    empty = call("PATCH", f"/api/v1/opportunities/{world.crm}", json={})

    assert refused.status_code == 400 and "amount" in refused.json()["errors"]
    assert empty.status_code == 400
    assert gateway.sales.opportunities[world.crm]["notes"] is None


@pytest.mark.parametrize(("move", "status", "field"), [
    ({"stage": "nowhere"}, 400, "stage"),
    ({"stage": "lost"}, 400, "lost_reason"),
    ({"stage": "proposal", "lost_reason": "price"}, 400, "lost_reason"),
    ({"stage": "lost", "lost_reason": "competitor"}, 400, "lost_to_competitor_id"),
    ({"stage": "won", "probability": 90}, 400, "probability"),
    ({"stage": "proposal", "probability": 101}, 400, "probability"),
    ({"stage": "proposal", "colour": "red"}, 400, "colour"),
    ({"stage": "needs_analysis"}, 409, None),   # where it is already
])
def test_stage_moves_follow_the_pipelines_rules(call, gateway, world, move, status, field):
    response = call("POST", f"/api/v1/opportunities/{world.crm}/stage", json=move)

    assert response.status_code == status
    assert field is None or field in response.json()["errors"]
    assert gateway.sales.opportunities[world.crm]["stage"] == "needs_analysis"


def test_a_closed_opportunity_does_not_move(call, world):
    response = call("POST", f"/api/v1/opportunities/{world.servers}/stage",
                    json={"stage": "proposal"})

    assert response.status_code == 409
    assert "won" in response.json()["detail"]


def test_contacts_of_a_customer_outside_the_scope_are_none(call, world):
    response = call("GET", f"/api/v1/accounts/{world.others}/contacts")

    assert response.status_code == 200 and response.json() == {"items": [],
                                                                "next_cursor": None}
