"""The leads service in a real container on the real RabbitMQ."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
from support import stored

from leads.service import LeadsService
from sfa_common.errors import Forbidden, NotFound, ValidationFailed


@pytest.fixture
def leads(start_service):
    return start_service(LeadsService)


def test_health_reports_storage(leads):
    with entrypoint_hook(leads, "health") as health:
        assert health() == {"service": "leads", "status": "ok", "storage": True}


def test_created_lead_is_stored_and_read_back_over_amqp(leads, service_config):
    with ServiceRpcProxy("leads", service_config, timeout=5) as proxy:
        created = proxy.create_lead({"company": "北京华为技术有限公司", "phone": "+86 10 1234 5678",
                                     "owner_id": "u1"})
        fetched = proxy.get_lead(created["id"], {"owner_id": "u1"})
    assert created.pop("duplicates") == []
    assert fetched == created
    assert created["status"] == "unprocessed"
    assert created["normalised_company"] == "华为技术"
    assert created["created_at"].endswith("Z")


def test_bad_input_is_a_typed_error_naming_the_field_and_stores_nothing(leads, service_config):
    with ServiceRpcProxy("leads", service_config, timeout=5) as proxy:
        with pytest.raises(ValidationFailed) as raised:
            proxy.create_lead({"company": "", "email": "not-an-email", "colour": "red"})
        assert set(raised.value.details) == {"company", "email", "colour"}
    assert stored(leads, "leads").count_documents({}) == 0


def test_get_outside_scope_is_not_found_and_no_scope_is_refused(leads, service_config):
    with ServiceRpcProxy("leads", service_config, timeout=5) as proxy:
        created = proxy.create_lead({"company": "Acme", "owner_id": "u1"})
        with pytest.raises(NotFound):
            proxy.get_lead(created["id"], {"owner_id": "someone-else"})
        with pytest.raises(NotFound):
            proxy.get_lead("not-an-id", {})
        with pytest.raises(Forbidden):
            proxy.get_lead(created["id"], None)
