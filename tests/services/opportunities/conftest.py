"""The opportunities service in a real container on the real broker, and a clock the
tests set."""
from datetime import UTC, datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from opportunities_support import RELAY_SECONDS, Clock

from opportunities import dependencies, service
from opportunities.service import OpportunitiesService


@pytest.fixture
def service_config(service_config):
    return {**service_config, "OUTBOX_RELAY_SECONDS": str(RELAY_SECONDS)}


@pytest.fixture
def opportunities(start_service):
    return start_service(OpportunitiesService)


@pytest.fixture
def proxy(opportunities, service_config):
    with ServiceRpcProxy("opportunities", service_config, timeout=5) as proxy:
        yield proxy


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    monkeypatch.setattr(service, "utcnow", clock)
    monkeypatch.setattr(dependencies, "utcnow", clock)
    return clock
