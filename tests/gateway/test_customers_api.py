"""Customers and their contacts through the gateway (the opportunities service a real
container on the real broker): scopes, the owner's department, and what partners see
and may change."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from opportunities.service import OpportunitiesService

INTERNAL_ONLY = ("owner_id", "department_id", "team_member_ids", "partner_org_ids",
                 "normalised_name")


@pytest.fixture
def service(start_service):
    return start_service(OpportunitiesService)


def names(page):
    return [item["name"] for item in page["items"]]


def test_a_new_customer_takes_its_internal_owners_main_department(service, people):
    mine = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技有限公司"})
    assert (mine["owner_id"], mine["department_id"]) == (people.ids["rep1"], people.department)

    for_rep1 = people.created("ops", "/api/v1/accounts", {"name": "浦江物流",
                                                          "owner_id": people.ids["rep1"]})
    assert for_rep1["department_id"] == people.department
    named = people.created("ops", "/api/v1/accounts", {"name": "东海贸易", "owner_id":
                                                       people.ids["rep1"], "department_id": "d9"})
    assert named["department_id"] == "d9"
    no_department = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    assert no_department["department_id"] is None


def test_a_partner_creates_reads_and_lists_customers_in_the_partner_view(service, people):
    created = people.created("pa1", "/api/v1/accounts", {"name": "华辰科技", "industry": "制造业"})
    assert not set(INTERNAL_ONLY) & set(created), created
    assert created["partner_user_id"] == people.ids["pa1"]
    # Stamped with the partner's organisation, though the partner does not see it.
    assert stored(service, "accounts").find_one()["partner_org_ids"] == [people.orgs["a"]]

    fetched = people.call("pa1", "GET", f"/api/v1/accounts/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == created
    listed = people.call("pa1", "GET", "/api/v1/accounts").get_json()
    assert listed["items"] == [created]
    # The partner admin of the organisation sees it; another organisation does not.
    assert names(people.call("aa", "GET", "/api/v1/accounts").get_json()) == ["华辰科技"]
    assert people.call("pb", "GET", "/api/v1/accounts").get_json()["items"] == []
    assert_problem(people.call("pb", "GET", f"/api/v1/accounts/{created['id']}"), 404)
    # An internal user with the right scope sees every field.
    internal = people.call("ops", "GET", f"/api/v1/accounts/{created['id']}").get_json()
    assert internal["partner_org_ids"] == [people.orgs["a"]]


@pytest.mark.parametrize("body, field", [
    ({"name": "华辰科技", "owner_id": "someone"}, "owner_id"),
    ({"name": "华辰科技", "department_id": "d1"}, "department_id"),
    ({"name": "华辰科技", "team_member_ids": []}, "team_member_ids"),
])
def test_a_partner_may_not_set_internal_fields_of_a_new_customer(service, people, body, field):
    assert_problem(people.call("pa1", "POST", "/api/v1/accounts", json=body), 400, field)
    assert stored(service, "accounts").count_documents({}) == 0


def test_a_partner_changes_only_a_customers_descriptive_facts(service, people):
    account = people.created("pa1", "/api/v1/accounts", {"name": "华辰科技"})
    path = f"/api/v1/accounts/{account['id']}"
    changed = people.call("pa1", "PATCH", path, json={"industry": "零售", "segment": "smb"})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["industry"], changed.get_json()["segment"]) == ("零售", "smb")
    assert not set(INTERNAL_ONLY) & set(changed.get_json())

    before = stored(service, "accounts").find_one()
    for field, value in [("owner_id", people.ids["rep1"]), ("partner_org_ids", []),
                         ("unified_social_credit_code", "91350100M000100Y43"),
                         ("partner_user_id", people.ids["pa2"])]:
        assert_problem(people.call("pa1", "PATCH", path, json={field: value}), 400, field)
    assert stored(service, "accounts").find_one() == before
    # A colleague in the same organisation cannot change another rep's customer.
    assert_problem(people.call("pa2", "PATCH", path, json={"industry": "x"}), 404)


def test_an_internal_change_of_owner_brings_the_new_owners_department(service, people):
    account = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    changed = people.call("ops", "PATCH", f"/api/v1/accounts/{account['id']}",
                          json={"owner_id": people.ids["rep1"]})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["owner_id"], changed.get_json()["department_id"]) == \
        (people.ids["rep1"], people.department)
    # rep2 no longer owns it: outside their update scope now.
    assert_problem(people.call("rep2", "PATCH", f"/api/v1/accounts/{account['id']}",
                               json={"name": "x"}), 404)


def test_customer_lists_are_scoped_filtered_and_paged(service, people):
    for name in ("甲一科技", "甲二科技", "甲三物流"):
        people.created("rep1", "/api/v1/accounts", {"name": name, "region": "华东"})
    people.created("rep2", "/api/v1/accounts", {"name": "乙方科技"})

    first = people.call("rep1", "GET", "/api/v1/accounts?limit=2").get_json()
    second = people.call("rep1", "GET",
                         f"/api/v1/accounts?limit=2&cursor={first['next_cursor']}").get_json()
    assert sorted(names(first) + names(second)) == ["甲一科技", "甲三物流", "甲二科技"]
    assert second["next_cursor"] is None
    assert names(people.call("rep1", "GET", "/api/v1/accounts?q=物流").get_json()) == ["甲三物流"]
    everyone = people.call("ops", "GET",
                           f"/api/v1/accounts?owner_id={people.ids['rep2']}").get_json()
    assert names(everyone) == ["乙方科技"]


@pytest.mark.parametrize("who, query, field", [
    ("rep1", "colour=red", "colour"),
    ("rep1", "limit=0", "limit"),
    ("rep1", "sort=-colour", "sort"),
    ("rep1", "segment=huge", "segment"),
    ("pa1", "owner_id=someone", "owner_id"),   # internal owners are no partner's filter
])
def test_bad_customer_queries_are_400_naming_the_parameter(service, people, who, query, field):
    assert_problem(people.call(who, "GET", f"/api/v1/accounts?{query}"), 400, field)


def test_contacts_belong_to_a_customer_and_follow_its_scope(service, people):
    account = people.created("rep2", "/api/v1/accounts", {"name": "西湖软件"})
    contacts = f"/api/v1/accounts/{account['id']}/contacts"
    contact = people.created("rep2", contacts, {"name": "王经理", "phone": "+86 571 8888 0000"})
    assert (contact["account_id"], contact["owner_id"]) == (account["id"], people.ids["rep2"])
    assert people.call("rep2", "GET", contacts).get_json()["items"] == [contact]

    # Outside rep1's scope: the customer cannot take a contact, the contact is not found,
    # and the list is empty rather than refused.
    assert_problem(people.call("rep1", "POST", contacts, json={"name": "李工"}), 404)
    assert_problem(people.call("rep1", "GET", f"/api/v1/contacts/{contact['id']}"), 404)
    assert_problem(people.call("rep1", "PATCH", f"/api/v1/contacts/{contact['id']}",
                               json={"title": "x"}), 404)
    assert people.call("rep1", "GET", contacts).get_json()["items"] == []
    assert stored(service, "contacts").count_documents({}) == 1

    # The customer changes hands: its contact goes with it.
    people.call("ops", "PATCH", f"/api/v1/accounts/{account['id']}",
                json={"owner_id": people.ids["rep1"]})
    moved = people.call("rep1", "GET", f"/api/v1/contacts/{contact['id']}")
    assert moved.status_code == 200
    assert moved.get_json()["department_id"] == people.department
    changed = people.call("rep1", "PATCH", f"/api/v1/contacts/{contact['id']}",
                          json={"title": "采购经理"})
    assert changed.get_json()["title"] == "采购经理"


@pytest.mark.parametrize("body, field", [
    ({"name": "王经理", "account_id": "65f000000000000000000001"}, "account_id"),
    ({"name": "王经理", "phone": "call me"}, "phone"),
    ({"name": "王经理", "email": "nope"}, "email"),
    ({"name": " "}, "name"),
])
def test_bad_contacts_are_400_naming_the_field(service, people, body, field):
    account = people.created("rep1", "/api/v1/accounts", {"name": "华辰科技"})
    answer = people.call("rep1", "POST", f"/api/v1/accounts/{account['id']}/contacts", json=body)
    assert_problem(answer, 400, field)
    assert stored(service, "contacts").count_documents({}) == 0


def test_a_partner_adds_and_reads_contacts_of_its_own_customers(service, people):
    account = people.created("pa1", "/api/v1/accounts", {"name": "华辰科技"})
    contacts = f"/api/v1/accounts/{account['id']}/contacts"
    contact = people.created("pa1", contacts, {"name": "王经理"})
    assert contact["partner_org_ids"] == [people.orgs["a"]]
    assert people.call("aa", "GET", f"/api/v1/contacts/{contact['id']}").status_code == 200
    assert_problem(people.call("pa2", "POST", contacts, json={"name": "李工"}), 404)
    assert_problem(people.call("pb", "GET", f"/api/v1/contacts/{contact['id']}"), 404)
