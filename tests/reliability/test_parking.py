"""A message that always fails is parked after EVENT_MAX_ATTEMPTS attempts instead of
looping forever; one that fails a few times and then succeeds has its effect once. On the
real broker: the queues are read back with a passive declare (their message counts) and
``basic.get``."""
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from kombu import Connection, Queue
from nameko.contextdata import ContextDataProvider
from nameko.standalone.events import event_dispatcher
from prometheus_client import REGISTRY

from commission.service import CommissionService
from sfa_common.handlers import ATTEMPTS_HEADER, ERROR_HEADER, QUEUE_HEADER, event_handler
from sfa_common.settings import SettingsError

MAX_ATTEMPTS = 3
DEADLINE = 20   # seconds; generous for a loaded 2-core machine
CORRELATION_ID = "req-parking-42"


class CorrelationId(ContextDataProvider):
    context_key = "correlation_id"


def until(condition, what):
    """Poll ``condition`` until it holds (its value), or fail after the deadline."""
    stop = time.monotonic() + DEADLINE
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > stop:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Broker:
    def __init__(self, uri):
        self.uri = uri

    def depth(self, queue):
        """Messages ready in ``queue`` (which must exist)."""
        with Connection(self.uri) as connection:
            return connection.default_channel.queue_declare(queue, passive=True).message_count

    def take(self, queue):
        with Connection(self.uri) as connection:
            return Queue(queue, no_declare=True)(connection.default_channel).get(no_ack=True)


@pytest.fixture
def config(rabbit_config):
    return {**rabbit_config, "MONGO_URI": "mongomock://localhost", "RPC_TIMEOUT": "5",
            "EVENT_MAX_ATTEMPTS": str(MAX_ATTEMPTS)}


@pytest.fixture
def broker(config):
    return Broker(config["AMQP_URI"])


@pytest.fixture
def dispatch(config):
    """Dispatch as a service would, in the context of a request: nameko carries context
    data in ``nameko.*`` headers."""
    return event_dispatcher(config, headers={"nameko.correlation_id": CORRELATION_ID})


def failing_service():
    calls = []

    class ParkingProbe:
        name = "parking_probe"
        correlation_id = CorrelationId()

        @event_handler("source", "happened")
        def always_fails(self, payload):
            calls.append((payload["n"], self.correlation_id))
            raise RuntimeError("cannot handle this")

    return ParkingProbe, calls


def parked_count(service, handler):
    return REGISTRY.get_sample_value("sfa_events_parked_total",
                                     {"service": service, "handler": handler}) or 0


def test_an_event_that_always_fails_is_parked_after_the_last_attempt(
        container_factory, config, broker, dispatch, caplog):
    service, calls = failing_service()
    counted = parked_count("parking_probe", "always_fails")
    container = container_factory(service, config)
    container.start()
    dispatch("source", "happened", {"n": 1})

    until(lambda: broker.depth("parked.parking_probe.always_fails") == 1, "the parked event")
    # Every attempt ran in the context of the request that caused the event.
    assert calls == [(1, CORRELATION_ID)] * MAX_ATTEMPTS
    own_queue = "evt-source-happened--parking_probe.always_fails"
    assert broker.depth(own_queue) == 0
    container.stop()     # waits for running workers: none started after the park
    assert len(calls) == MAX_ATTEMPTS
    assert parked_count("parking_probe", "always_fails") == counted + 1
    [logged] = [record for record in caplog.records
                if record.name == "sfa_common.handlers" and record.levelname == "ERROR"]
    assert "parked.parking_probe.always_fails" in logged.getMessage()
    assert logged.fields["correlation_id"] == CORRELATION_ID

    parked = broker.take("parked.parking_probe.always_fails")
    assert parked.payload == {"n": 1}
    assert parked.headers[ATTEMPTS_HEADER] == MAX_ATTEMPTS
    assert parked.headers[QUEUE_HEADER] == own_queue       # where ops move it back to
    assert parked.headers[ERROR_HEADER] == "RuntimeError: cannot handle this"
    assert parked.headers["nameko.correlation_id"] == CORRELATION_ID
    assert broker.depth("parked.parking_probe.always_fails") == 0


def test_an_event_that_fails_twice_then_succeeds_has_its_effect_once(
        container_factory, config, broker, dispatch):
    attempts, effects = Counter(), []

    class RetryProbe:
        name = "retry_probe"

        @event_handler("source", "happened")
        def settles(self, payload):
            attempts[payload["event_id"]] += 1
            if attempts[payload["event_id"]] < 3:
                raise RuntimeError("not yet")
            effects.append(payload["event_id"])

    container = container_factory(RetryProbe, config)
    container.start()
    dispatch("source", "happened", {"event_id": "e1"})

    until(lambda: effects, "the effect")
    container.stop()
    assert effects == ["e1"]
    assert attempts == {"e1": 3}
    assert broker.depth("evt-source-happened--retry_probe.settles") == 0
    assert broker.depth("parked.retry_probe.settles") == 0


def test_a_commission_event_whose_handler_raises_is_parked_not_looped(
        container_factory, config, broker, dispatch):
    # The opportunities service is not running: settling the win needs its quota
    # targets, so every attempt raises (UnknownService) after recording the win.
    container = container_factory(CommissionService, config)
    container.start()
    closed = datetime(2026, 3, 5, 10, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    won = {"event_id": uuid.uuid4().hex, "occurred_at": closed, "opportunity_id": "o1",
           "name": "Deal", "account_id": "a1", "account_name": "Acme",
           "amount": {"amount": "1000.00", "currency": "CNY"}, "owner_id": "u1",
           "department_id": "d1", "splits": [{"user_id": "u1", "kind": "revenue",
                                              "percent": "100"}],
           "partner_org_id": None, "partner_user_id": None, "deal_registration_id": None,
           "products": [], "stage": "won", "closed_at": closed, "previous_stage": None,
           "previous_closed_at": None, "lost_reason": None}
    dispatch("opportunities", "opportunity_won", won)

    parking = "parked.commission.on_opportunity_won"
    until(lambda: broker.depth(parking) == 1, "the parked won event")
    container.stop()
    assert broker.depth("evt-opportunities-opportunity_won--commission.on_opportunity_won") \
        == 0
    parked = broker.take(parking)
    assert parked.payload == won
    assert parked.headers[ATTEMPTS_HEADER] == MAX_ATTEMPTS
    assert "UnknownService" in parked.headers[ERROR_HEADER]


@pytest.mark.parametrize("value", ["many", "0", "-1"])
def test_a_malformed_attempt_limit_stops_the_container_naming_it(
        container_factory, config, value):
    service, _ = failing_service()
    container = container_factory(service, {**config, "EVENT_MAX_ATTEMPTS": value})
    with pytest.raises(SettingsError, match="EVENT_MAX_ATTEMPTS"):
        container.start()


def test_nameko_requeue_on_error_is_refused():
    with pytest.raises(TypeError, match="EVENT_MAX_ATTEMPTS"):
        @event_handler("source", "happened", requeue_on_error=True)
        def loops(self, payload):
            raise RuntimeError("forever")
