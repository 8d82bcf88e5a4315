"""The leads service (and, for conversions, the opportunities service) in real
containers on the real broker, and a clock the tests set."""
from datetime import UTC, datetime

import pytest
from leads_support import RELAY_SECONDS, Clock
from nameko.standalone.rpc import ServiceRpcProxy

from leads import lead_entrypoints, lead_store
from leads import service as leads_service
from leads.service import LeadsService
from opportunities.service import OpportunitiesService


@pytest.fixture
def service_config(service_config):
    return {**service_config, "OUTBOX_RELAY_SECONDS": str(RELAY_SECONDS)}


@pytest.fixture
def leads(start_service):
    return start_service(LeadsService)


@pytest.fixture
def proxy(leads, service_config):
    with ServiceRpcProxy("leads", service_config, timeout=10) as proxy:
        yield proxy


@pytest.fixture
def opportunities(start_service):
    return start_service(OpportunitiesService)


@pytest.fixture
def opportunities_proxy(opportunities, service_config):
    with ServiceRpcProxy("opportunities", service_config, timeout=10) as proxy:
        yield proxy


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    monkeypatch.setattr(lead_entrypoints, "utcnow", clock)
    monkeypatch.setattr(lead_store, "utcnow", clock)
    monkeypatch.setattr(leads_service, "utcnow", clock)
    return clock
