"""Customers (accounts) in the opportunities service, in a real container on the real
RabbitMQ."""
import pytest
from nameko.testing.services import entrypoint_hook
from support import stored

from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed

HUAWEI_CODE = "914403001922038216"
TENCENT_CODE = "91440300708461136T"


def test_health_reports_storage(opportunities):
    with entrypoint_hook(opportunities, "health") as health:
        assert health() == {"service": "opportunities", "status": "ok", "storage": True}


def test_created_account_is_stored_and_read_back_over_amqp(proxy):
    created = proxy.create_account({
        "name": "华为技术有限公司", "unified_social_credit_code": HUAWEI_CODE,
        "industry": "telecom", "region": "广东", "owner_id": "u1", "department_id": "d1",
        "partner_org_ids": ["p1", "p2"]})
    fetched = proxy.get_account(created["id"], {"owner_id": "u1"})
    assert fetched == created
    assert created["normalised_name"] == "华为技术"
    assert created["unified_social_credit_code"] == HUAWEI_CODE
    assert created["partner_org_ids"] == ["p1", "p2"]
    assert created["created_at"].endswith("Z")


def test_a_partner_scope_matches_one_of_the_accounts_partner_orgs(proxy):
    created = proxy.create_account({"name": "Acme", "partner_org_ids": ["p1", "p2"]})
    assert proxy.get_account(created["id"], {"partner_org_ids": "p2"})["id"] == created["id"]
    with pytest.raises(NotFound):
        proxy.get_account(created["id"], {"partner_org_ids": "p3"})


def test_bad_input_is_a_typed_error_naming_the_fields_and_stores_nothing(opportunities, proxy):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_account({"name": "  ", "unified_social_credit_code": "91440300708461136X",
                              "partner_org_ids": [""], "colour": "red"})
    assert set(raised.value.details) == {
        "name", "unified_social_credit_code", "partner_org_ids.0", "colour"}
    assert "check character" in raised.value.details["unified_social_credit_code"][0]
    assert stored(opportunities, "accounts").count_documents({}) == 0


def test_a_second_account_with_the_same_credit_code_is_a_conflict(opportunities, proxy):
    proxy.create_account({"name": "华为技术有限公司", "unified_social_credit_code": HUAWEI_CODE})
    with pytest.raises(Conflict) as raised:
        proxy.create_account({"name": "Huawei", "unified_social_credit_code": HUAWEI_CODE})
    assert set(raised.value.details) == {"unified_social_credit_code"}
    assert HUAWEI_CODE in str(raised.value)
    assert stored(opportunities, "accounts").count_documents({}) == 1


def test_accounts_without_a_credit_code_do_not_clash(opportunities, proxy):
    # The unique index is partial: only accounts that carry a code are compared.
    proxy.create_account({"name": "Acme"})
    proxy.create_account({"name": "Beta", "unified_social_credit_code": None})
    proxy.create_account({"name": "Tencent", "unified_social_credit_code": TENCENT_CODE})
    assert stored(opportunities, "accounts").count_documents({}) == 3


def test_get_outside_scope_is_not_found_and_no_scope_is_refused(proxy):
    created = proxy.create_account({"name": "Acme", "owner_id": "u1"})
    with pytest.raises(NotFound):
        proxy.get_account(created["id"], {"owner_id": "someone-else"})
    with pytest.raises(NotFound):
        proxy.get_account("not-an-id", {})
    with pytest.raises(NotFound):
        proxy.get_account("5f0c0c0c0c0c0c0c0c0c0c0c", {})
    with pytest.raises(Forbidden):
        proxy.get_account(created["id"], None)


# -- changing and listing customers ----------------------------------------------------------

def test_a_changed_name_is_normalised_again_and_the_contacts_follow_the_owner(
        opportunities, proxy):
    account = proxy.create_account({"name": "Acme", "owner_id": "u1", "partner_org_ids": ["p1"]})
    contact = proxy.create_contact({"account_id": account["id"], "name": "张伟"}, {})
    other = proxy.create_account({"name": "Beta", "owner_id": "u1"})
    bystander = proxy.create_contact({"account_id": other["id"], "name": "李娜"}, {})
    changed = proxy.update_account(account["id"], {
        "name": "深圳市腾讯计算机系统有限公司", "owner_id": "u2", "team_member_ids": ["u3"],
        "partner_org_ids": ["p2"]}, {"owner_id": "u1"})
    assert (changed["normalised_name"], changed["owner_id"]) == ("腾讯计算机系统", "u2")
    assert changed["industry"] is None                 # what was not sent stays as it was
    moved = stored(opportunities, "contacts").find_one({"name": "张伟"})
    assert (moved["owner_id"], moved["team_member_ids"], moved["partner_org_ids"]) == (
        "u2", ["u3"], ["p2"])
    assert proxy.get_contact(contact["id"], {"owner_id": "u2"})["owner_id"] == "u2"
    with pytest.raises(NotFound):
        proxy.get_contact(contact["id"], {"owner_id": "u1"})
    assert proxy.get_contact(bystander["id"], {"owner_id": "u1"})["owner_id"] == "u1"


def test_a_change_outside_the_scope_or_with_bad_fields_changes_nothing(opportunities, proxy):
    account = proxy.create_account({"name": "Acme", "owner_id": "u1"})
    proxy.create_account({"name": "Tencent", "unified_social_credit_code": TENCENT_CODE})
    before = stored(opportunities, "accounts").find_one({"name": "Acme"})
    with pytest.raises(NotFound):
        proxy.update_account(account["id"], {"name": "Other"}, {"owner_id": "u2"})
    with pytest.raises(Forbidden):
        proxy.update_account(account["id"], {"name": "Other"}, None)
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_account(account["id"], {"segment": "huge", "colour": "red"}, {})
    assert set(raised.value.details) == {"segment", "colour"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_account(account["id"], {}, {})
    assert set(raised.value.details) == {"_schema"}
    with pytest.raises(Conflict) as raised:
        proxy.update_account(account["id"], {"unified_social_credit_code": TENCENT_CODE}, {})
    assert set(raised.value.details) == {"unified_social_credit_code"}
    assert stored(opportunities, "accounts").find_one({"name": "Acme"}) == before


def account_names(proxy, query, scope=None):
    pages, cursor = [], None
    while True:
        page = proxy.list_accounts({**query, "cursor": cursor}, scope or {})
        pages.append([item["name"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_customers_list_by_normalised_name_with_filters_and_scope(proxy):
    proxy.create_account({"name": "北京华为技术有限公司", "partner_org_ids": ["p1", "p2"],
                          "industry": "telecom", "owner_id": "u1"})
    proxy.create_account({"name": "Huawei Cloud Ltd.", "partner_org_ids": ["p2"],
                          "owner_id": "u2"})
    proxy.create_account({"name": "Acme (Shanghai) Co., Ltd.", "industry": "telecom",
                          "owner_id": "u1"})
    assert account_names(proxy, {"limit": 2}) == [
        ["Acme (Shanghai) Co., Ltd.", "Huawei Cloud Ltd."], ["北京华为技术有限公司"]]
    # The search text is normalised like the names: "华为技术（中国）有限公司" -> "华为技术".
    assert account_names(proxy, {"q": "华为技术（中国）有限公司"}) == [["北京华为技术有限公司"]]
    assert account_names(proxy, {"q": "HUAWEI"}) == [["Huawei Cloud Ltd."]]
    assert account_names(proxy, {"partner_org_id": "p2", "industry": "telecom"}) == [
        ["北京华为技术有限公司"]]
    assert account_names(proxy, {"sort": "-created_at"}, {"owner_id": "u1"}) == [
        ["Acme (Shanghai) Co., Ltd.", "北京华为技术有限公司"]]
    assert account_names(proxy, {}, {"partner_org_ids": "p1"}) == [["北京华为技术有限公司"]]
    with pytest.raises(Forbidden):
        proxy.list_accounts({}, None)
    for query, field in (({"sort": "revenue"}, "sort"), ({"segment": "huge"}, "segment")):
        with pytest.raises(ValidationFailed) as raised:
            proxy.list_accounts(query, {})
        assert set(raised.value.details) == {field}


# -- contacts ---------------------------------------------------------------------------------

def test_a_contact_copies_its_customers_scope_fields(opportunities, proxy):
    account = proxy.create_account({"name": "Acme", "owner_id": "u1", "department_id": "d1",
                                    "team_member_ids": ["u2"], "partner_org_ids": ["p1"],
                                    "partner_user_id": "pu1"})
    created = proxy.create_contact({"account_id": account["id"], "name": "张伟",
                                    "phone": "+86 138 0000 0000", "email": "zw@acme.example"},
                                   {"owner_id": "u1"})
    assert (created["owner_id"], created["department_id"], created["partner_org_ids"]) == (
        "u1", "d1", ["p1"])
    document = stored(opportunities, "contacts").find_one()
    assert (document["team_member_ids"], document["partner_user_id"]) == (["u2"], "pu1")
    # The partner's scope reaches it as it reaches the customer.
    assert proxy.get_contact(created["id"], {"partner_org_ids": "p1",
                                             "partner_user_id": "pu1"}) == created
    assert proxy.get_contact(created["id"], {"team_member_ids": "u2"}) == created


@pytest.mark.parametrize("account_id", ["5f0c0c0c0c0c0c0c0c0c0c0c", "not-an-id", "outside"])
def test_a_contact_of_a_customer_outside_the_scope_is_no_such_customer(
        opportunities, proxy, account_id):
    account = proxy.create_account({"name": "Acme", "owner_id": "u1"})
    if account_id == "outside":
        account_id = account["id"]
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_contact({"account_id": account_id, "name": "张伟"}, {"owner_id": "u2"})
    assert raised.value.details == {"account_id": ["No such customer."]}
    assert stored(opportunities, "contacts").count_documents({}) == 0
    with pytest.raises(Forbidden):
        proxy.create_contact({"account_id": account["id"], "name": "张伟"}, None)


def test_contacts_change_and_list_per_customer(opportunities, proxy):
    acme = proxy.create_account({"name": "Acme", "owner_id": "u1"})
    beta = proxy.create_account({"name": "Beta", "owner_id": "u2"})
    for name in ("王芳", "李娜", "张伟"):
        proxy.create_contact({"account_id": acme["id"], "name": name}, {})
    theirs = proxy.create_contact({"account_id": beta["id"], "name": "赵磊"}, {})
    page = proxy.list_contacts({"account_id": acme["id"], "limit": 2}, {})
    rest = proxy.list_contacts({"account_id": acme["id"], "cursor": page["next_cursor"],
                                "limit": 2}, {})
    assert [item["name"] for item in page["items"] + rest["items"]] == sorted(
        ["王芳", "李娜", "张伟"])
    assert rest["next_cursor"] is None
    assert [item["name"] for item in proxy.list_contacts({}, {"owner_id": "u2"})["items"]] == [
        "赵磊"]
    changed = proxy.update_contact(theirs["id"], {"title": "CIO"}, {"owner_id": "u2"})
    assert (changed["title"], changed["name"]) == ("CIO", "赵磊")
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_contact(theirs["id"], {"account_id": acme["id"]}, {})
    assert set(raised.value.details) == {"account_id"}
    with pytest.raises(NotFound):
        proxy.update_contact(theirs["id"], {"title": "CEO"}, {"owner_id": "u1"})
    assert proxy.get_contact(theirs["id"], {})["title"] == "CIO"


# -- competitors ------------------------------------------------------------------------------

def test_competitors_are_one_catalogue_unique_by_normalised_name(opportunities, proxy):
    cisco = proxy.create_competitor({"name": "Cisco Systems, Inc.",
                                     "website": "https://www.cisco.com"})
    assert cisco["normalised_name"] == "ciscosystems"
    assert proxy.get_competitor(cisco["id"]) == cisco
    with pytest.raises(Conflict) as raised:
        proxy.create_competitor({"name": "CISCO SYSTEMS"})
    assert set(raised.value.details) == {"name"}
    proxy.create_competitor({"name": "新华三技术有限公司"})
    proxy.create_competitor({"name": "Arista Networks"})
    assert [item["name"] for item in proxy.list_competitors({})["items"]] == [
        "Arista Networks", "Cisco Systems, Inc.", "新华三技术有限公司"]
    assert [item["name"] for item in proxy.list_competitors({"q": "新华三"})["items"]] == [
        "新华三技术有限公司"]
    for missing in ("5f0c0c0c0c0c0c0c0c0c0c0c", "not-an-id"):
        with pytest.raises(NotFound):
            proxy.get_competitor(missing)
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_competitor({"name": " ", "website": "not a url"})
    assert set(raised.value.details) == {"name", "website"}
    assert stored(opportunities, "competitors").count_documents({}) == 3
