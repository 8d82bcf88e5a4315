"""The opportunities service in a real container on the real RabbitMQ."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
from support import stored

from opportunities.service import OpportunitiesService
from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed

HUAWEI_CODE = "914403001922038216"
TENCENT_CODE = "91440300708461136T"


@pytest.fixture
def opportunities(start_service):
    return start_service(OpportunitiesService)


@pytest.fixture
def proxy(opportunities, service_config):
    with ServiceRpcProxy("opportunities", service_config, timeout=5) as proxy:
        yield proxy


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
