"""Events on the real broker: won, lost and reopened deals publish what commission
needs, once; an event whose dispatch failed waits in the outbox and the relay sends it
again with the same id. And the race of two writes: only one wins."""
import mongomock
import pytest
from bson import ObjectId
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import (
    entrypoint_hook,
    entrypoint_waiter,
    replace_dependencies,
    worker_factory,
)
from opportunities_support import RELAY_SECONDS, cny, new_account, new_opportunity
from support import stored

from opportunities.dependencies import OpportunityRepository
from opportunities.service import OpportunitiesService
from opportunities.settings import OpportunitySettings
from sfa_common.errors import Conflict


class CommissionStandIn:
    """Listens as commission does and hands each event back to the test."""
    name = "commission_stand_in"

    @event_handler("opportunities", "opportunity_won")
    def won(self, payload):
        return payload

    @event_handler("opportunities", "opportunity_lost")
    def lost(self, payload):
        return payload

    @event_handler("opportunities", "opportunity_reopened")
    def reopened(self, payload):
        return payload


@pytest.fixture
def listener(container_factory, service_config):
    container = container_factory(CommissionStandIn, service_config)
    container.start()
    return container


def outbox(container, opportunity):
    return stored(container, "opportunities").find_one(
        {"_id": ObjectId(opportunity["id"])})["outbox"]


def relay(container):
    with entrypoint_hook(container, "relay_outbox") as relay_outbox:
        return relay_outbox()


def test_a_won_deal_publishes_opportunity_won_once_with_what_commission_needs(
        opportunities, proxy, listener, clock):
    account = new_account(proxy)
    created = new_opportunity(
        proxy, account, owner_id="u1", department_id="d1", partner_org_id="p1",
        partner_user_id="pu1", deal_registration_id="dr1", amount=cny("5000.00"),
        products=[{"sku": "SW-1", "quantity": "2", "amount": cny("5000.00")}])
    with entrypoint_waiter(listener, "won") as received:
        proxy.move_stage(created["id"], {"stage": "won"}, {}, "u2")
    payload = received.get()
    assert len(payload["event_id"]) == 32
    assert payload == {
        "event_id": payload["event_id"], "occurred_at": "2026-11-20T08:00:00Z",
        "opportunity_id": created["id"], "name": "Core switches", "account_id": account["id"],
        "account_name": "Acme",
        "amount": cny("5000.00"), "owner_id": "u1", "department_id": "d1",
        # no splits named: the owner takes 100 % of the revenue
        "splits": [{"user_id": "u1", "kind": "revenue", "percent": "100"}],
        "partner_org_id": "p1", "partner_user_id": "pu1", "deal_registration_id": "dr1",
        "products": [{"product_id": None, "sku": "SW-1", "category": None, "quantity": "2",
                      "amount": cny("5000.00")}],
        "stage": "won", "closed_at": "2026-11-20T08:00:00Z", "previous_stage": None,
        "previous_closed_at": None, "lost_reason": None}
    # Published and taken off the outbox: the relay has nothing to send again.
    assert outbox(opportunities, created) == []
    clock.advance(seconds=RELAY_SECONDS + 1)
    assert relay(opportunities) == 0


def test_lost_and_reopened_deals_publish_their_events(opportunities, proxy, listener, clock):
    created = new_opportunity(proxy, new_account(proxy), splits=[
        {"user_id": "u1", "percent": "60"}, {"user_id": "u2", "percent": "40"}])
    with entrypoint_waiter(listener, "lost") as received:
        proxy.move_stage(created["id"], {"stage": "lost", "lost_reason": "no_budget"}, {}, "u1")
    lost = received.get()
    assert (lost["stage"], lost["lost_reason"], lost["closed_at"]) == (
        "lost", "no_budget", "2026-11-20T08:00:00Z")
    assert [(split["user_id"], split["percent"]) for split in lost["splits"]] == [
        ("u1", "60"), ("u2", "40")]
    clock.advance(days=3)
    with entrypoint_waiter(listener, "reopened") as received:
        proxy.reopen_opportunity(created["id"], {}, {}, "u1")
    reopened = received.get()
    assert (reopened["stage"], reopened["previous_stage"], reopened["previous_closed_at"],
            reopened["closed_at"], reopened["occurred_at"]) == (
        "qualify", "lost", "2026-11-20T08:00:00Z", None, "2026-11-23T08:00:00Z")
    assert reopened["event_id"] != lost["event_id"]


@pytest.fixture
def failing_once(container_factory, service_config):
    """The service with a dispatcher whose first dispatch fails (the broker was away);
    later ones publish on the real broker. ``sent`` lists every dispatch tried."""
    publish = event_dispatcher(service_config)
    sent = []

    def dispatch(event_type, payload):
        sent.append((event_type, payload["event_id"]))
        if len(sent) == 1:
            raise ConnectionError("broker unreachable")
        publish("opportunities", event_type, payload)

    container = container_factory(OpportunitiesService, service_config)
    replace_dependencies(container, dispatch=dispatch)
    container.start()
    container.sent = sent
    return container


def test_an_event_whose_dispatch_failed_is_sent_again_by_the_relay(
        failing_once, service_config, listener, clock):
    with ServiceRpcProxy("opportunities", service_config, timeout=5) as proxy:
        created = new_opportunity(proxy, new_account(proxy))
        # The write stands although the dispatch failed; the event waits in the outbox.
        assert proxy.move_stage(created["id"], {"stage": "won"}, {}, "u1")["stage"] == "won"
    [queued] = outbox(failing_once, created)
    assert queued["event_type"] == "opportunity_won"
    # Not yet overdue: the write's own dispatch may still be under way.
    clock.advance(seconds=RELAY_SECONDS - 1)
    assert relay(failing_once) == 0
    clock.advance(seconds=1)
    with entrypoint_waiter(listener, "won") as received:
        assert relay(failing_once) == 1
    assert received.get()["event_id"] == queued["event_id"]   # the same event, not a new one
    assert failing_once.sent == [("opportunity_won", queued["event_id"])] * 2
    assert outbox(failing_once, created) == []
    assert relay(failing_once) == 0


# -- the race of two writes -------------------------------------------------------------------

class Published(list):
    """Stands in for the event dispatcher: keeps what was dispatched."""

    def __call__(self, event_type, payload):
        self.append(event_type)


@pytest.fixture
def service():
    store = OpportunityRepository(mongomock.MongoClient(tz_aware=True).db)
    OpportunityRepository.ensure_indexes(store.db)
    return worker_factory(OpportunitiesService, store=store,
                          settings=OpportunitySettings.from_mapping({}), dispatch=Published())


def race_on_next_read(service, rival_changes):
    """Let a rival write land between the next read of an opportunity and its write, as
    when two workers handle two calls about one deal at once."""
    store = service.store
    read = store.find_opportunity

    def read_then_rival_writes(opportunity_id, scope):
        store.find_opportunity = read
        snapshot = read(opportunity_id, scope)
        store.change_opportunity(snapshot, scope, rival_changes)
        return snapshot

    store.find_opportunity = read_then_rival_writes


def test_of_two_concurrent_moves_the_second_is_a_conflict_naming_the_stage_it_has_now(service):
    account = service.create_account({"name": "Acme"})
    created = service.create_opportunity({
        "name": "Core switches", "account_id": account["id"], "amount": cny("10.00"),
        "expected_close_date": "2026-12-31"}, {}, "u1")
    race_on_next_read(service, {"stage": "proposal", "probability": 50})
    with pytest.raises(Conflict) as raised:
        service.move_stage(created["id"], {"stage": "negotiation"}, {}, "u2")
    assert "now at stage proposal" in raised.value.details["stage"][0]
    assert service.get_opportunity(created["id"], {})["stage"] == "proposal"


def test_a_deal_cannot_be_won_twice_by_two_concurrent_calls(service):
    account = service.create_account({"name": "Acme"})
    created = service.create_opportunity({
        "name": "Core switches", "account_id": account["id"], "amount": cny("10.00"),
        "expected_close_date": "2026-12-31"}, {}, "u1")
    # The rival's win lands first (its own event is its business).
    race_on_next_read(service, {"stage": "won", "status": "won", "probability": 100})
    with pytest.raises(Conflict) as raised:
        service.move_stage(created["id"], {"stage": "won"}, {}, "u2")
    assert "now at stage won" in raised.value.details["stage"][0]
    stored_deal = service.store.db.opportunities.find_one({"_id": ObjectId(created["id"])})
    assert (stored_deal["outbox"], service.dispatch) == ([], [])
    assert [entry["stage"] for entry in stored_deal["stage_history"]] == ["qualify"]
