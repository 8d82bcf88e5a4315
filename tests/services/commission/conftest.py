"""The commission service in a real container on the real broker, its opportunities
dependency a fake that answers quota targets, and a dispatcher for the events the
other services send."""
import pytest
from commission_support import RELAY_SECONDS, FakeOpportunities
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter, replace_dependencies

from commission.service import CommissionService


@pytest.fixture
def service_config(service_config):
    # Two payees per chunk, so a recompute of a few payees runs several chunks.
    return {**service_config, "OUTBOX_RELAY_SECONDS": str(RELAY_SECONDS),
            "COMMISSION_RECOMPUTE_CHUNK": "2"}


@pytest.fixture
def quotas():
    return FakeOpportunities()


@pytest.fixture
def ledger(container_factory, service_config, quotas):
    """The commission container, quota targets from ``quotas``."""
    container = container_factory(CommissionService, service_config)
    replace_dependencies(container, opportunities=quotas)
    container.start()
    return container


@pytest.fixture
def ledger_proxy(ledger, service_config):
    with ServiceRpcProxy("commission", service_config, timeout=10) as proxy:
        yield proxy


@pytest.fixture
def deliver(ledger, service_config):
    """``deliver(source, event_type, payload)``: dispatch an event on the broker and
    wait until the service's handler has run it; its result."""
    dispatch = event_dispatcher(service_config)
    handlers = {("opportunities", "opportunity_won"): "on_opportunity_won",
                ("opportunities", "opportunity_reopened"): "on_opportunity_reopened",
                ("quotes", "quote_accepted"): "on_quote_accepted"}

    def deliver(source, event_type, payload):
        with entrypoint_waiter(ledger, handlers[(source, event_type)], timeout=10) as result:
            dispatch(source, event_type, payload)
        return result.get()
    return deliver
