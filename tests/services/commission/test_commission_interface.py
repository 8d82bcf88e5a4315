"""The commission service in a real container on the real RabbitMQ."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
from support import stored

from commission.service import CommissionService
from sfa_common.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def commission(start_service):
    return start_service(CommissionService)


@pytest.fixture
def proxy(commission, service_config):
    with ServiceRpcProxy("commission", service_config, timeout=5) as proxy:
        yield proxy


def test_health_reports_storage(commission):
    with entrypoint_hook(commission, "health") as health:
        assert health() == {"service": "commission", "status": "ok", "storage": True}


def test_created_period_is_stored_and_read_back_over_amqp(proxy):
    created = proxy.create_period({"key": "2026-11"})
    assert proxy.get_period("2026-11") == created
    assert (created["key"], created["status"]) == ("2026-11", "open")
    assert (created["starts_on"], created["ends_on"]) == ("2026-11-01", "2026-11-30")
    assert created["created_at"].endswith("Z")


@pytest.mark.parametrize("payload, fields", [
    ({"key": "2026-13"}, {"key"}),
    ({"key": "2026-11\n"}, {"key"}),
    ({}, {"key"}),
    # The days follow from the key; a caller cannot choose them.
    ({"key": "2026-11", "starts_on": "2026-11-15"}, {"starts_on"}),
])
def test_bad_input_is_a_typed_error_naming_the_fields_and_stores_nothing(
        commission, proxy, payload, fields):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_period(payload)
    assert set(raised.value.details) == fields
    assert stored(commission, "periods").count_documents({}) == 0


def test_a_second_period_with_the_same_key_is_a_conflict(commission, proxy):
    proxy.create_period({"key": "2026-11"})
    with pytest.raises(Conflict) as raised:
        proxy.create_period({"key": "2026-11"})
    assert set(raised.value.details) == {"key"}
    assert stored(commission, "periods").count_documents({}) == 1


@pytest.mark.parametrize("key", ["2026-12", "2026-1", "", None, {"$ne": None}, ["2026-11"]])
def test_a_missing_or_malformed_key_is_not_found(proxy, key):
    proxy.create_period({"key": "2026-11"})  # something a query operator could match
    with pytest.raises(NotFound):
        proxy.get_period(key)
