"""HTTP -> gateway -> AMQP -> leads service (a real container on the real broker)."""
import pytest
from support import stored

from leads.service import LeadsService


@pytest.fixture
def leads(start_service):
    return start_service(LeadsService)


def test_a_lead_travels_through_the_gateway_and_back(client, leads):
    created = client.post("/api/v1/leads", json={"company": "上海浦江物流股份有限公司",
                                                  "email": "buyer@pujiang.example"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["normalised_company"] == "浦江物流"
    assert stored(leads, "leads").count_documents({}) == 1

    assert body.pop("duplicates") == []

    fetched = client.get(f"/api/v1/leads/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == body


@pytest.mark.parametrize("payload, content_type, field", [
    ("{not json", "application/json", "json"),
    ('{"company": "Acme", "colour": "red"}', "application/json", "colour"),
    ('{"company": 42}', "application/json", "company"),
    ('{"company": "Acme", "email": "nope"}', "application/json", "email"),
    ('{"company": "Acme", "products_of_interest": "CRM"}', "application/json",
     "products_of_interest"),
    ("[]", "application/json", "_schema"),
    # names of no company (issue 14): punctuation only, a legal form alone, 500+ characters
    ('{"company": "。，！？——"}', "application/json", "company"),
    ('{"company": "有限公司"}', "application/json", "company"),
    ('{"company": "' + "华" * 501 + '有限公司"}', "application/json", "company"),
])
def test_bad_input_is_a_400_problem_naming_the_field_and_writes_nothing(
        client, leads, payload, content_type, field):
    response = client.post("/api/v1/leads", data=payload, content_type=content_type)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["title"] == "Bad request"
    assert field in problem["errors"], problem
    assert stored(leads, "leads").count_documents({}) == 0


def test_remote_not_found_is_a_404_problem(client, leads):
    for lead_id in ("0123456789abcdef01234567", "not-an-id"):
        response = client.get(f"/api/v1/leads/{lead_id}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == f"No lead {lead_id!r}."


def test_unknown_route_and_method_are_problems_too(client):
    assert client.get("/api/v1/nothing-here").mimetype == "application/problem+json"
    response = client.delete("/api/v1/leads")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
