"""The broker drops every connection of the system (``rabbitmqctl close_all_connections``)
in the middle of a stream of won deals: the services reconnect by themselves, and every
``opportunity_won`` reaches commission's ledger exactly once.

The stream runs through two service processes: opportunities wins each deal (an RPC)
and dispatches ``opportunity_won`` from the deal's outbox; commission records the win.
No sleeps pick the moment: the wire server holds two database writes while the
connections drop and lets them run after, so at that moment one deal's win is being
written (its event is then dispatched over a dropped connection, and its call, never
acknowledged, comes again) and one win is being recorded (its event, never
acknowledged, comes again: commission must not count it twice), while the other events
of the batch flow around them."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from reliability_support import close_connections, poll

pytestmark = pytest.mark.reliability

WON_QUEUE = "evt-opportunities-opportunity_won--commission.on_opportunity_won"
BATCH = 12          # won before the drop, in flight during it, won after it


def win_all(rpc, deals):
    return [rpc.opportunities.move_stage.call_async(deal["id"], {"stage": "won"}, {}, "u1")
            for deal in deals]


def test_services_reconnect_after_the_broker_drops_them_and_no_event_is_lost(
        instances, mongo_wire, rabbit_config, rabbit_manager):
    instances.start("opportunities", "opportunities", OUTBOX_RELAY_SECONDS="1")
    instances.start("commission", "commission")
    instances.wait_consuming("rpc-opportunities", 1)
    instances.wait_consuming(WON_QUEUE, 1)
    wins = mongo_wire.db("commission").wins
    deals_db = mongo_wire.db("opportunities").opportunities

    before = ClusterRpcProxy(rabbit_config, timeout=30)
    rpc = before.start()
    account = rpc.opportunities.create_account({"name": "Acme"})
    created = [rpc.opportunities.create_opportunity.call_async(
        {"name": f"Deal {number}", "account_id": account["id"], "expected_close_date":
         "2026-12-31", "amount": {"amount": "1000.00", "currency": "CNY"}}, {}, "u1")
        for number in range(3 * BATCH)]
    deals = [call.result() for call in created]
    for call in win_all(rpc, deals[:BATCH]):
        call.result()
    poll(lambda: wins.count_documents({}) == BATCH, 30, "the first wins recorded")

    mongo_wire.stall("findAndModify", "opportunities")     # a deal being won
    mongo_wire.stall("update", "wins")                     # a win being recorded
    win_all(rpc, deals[BATCH:2 * BATCH])      # their answers die with the connection
    held = mongo_wire.wait_stalled(2)
    assert sorted(write["appName"] for write in held) == ["commission", "opportunities"]
    close_connections(rabbit_config["vhost"], rabbit_manager)
    mongo_wire.release(run=True)
    try:
        before.stop()
    except Exception:  # noqa: BLE001 - its connection is gone, as intended
        pass

    with ClusterRpcProxy(rabbit_config, timeout=30) as rpc:   # the system serves again
        for call in win_all(rpc, deals[2 * BATCH:]):
            assert call.result()["stage"] == "won"

    ids = {deal["id"] for deal in deals}

    def every_event_recorded():
        recorded = list(wins.find({}, {"opportunity_id": 1, "event_ids": 1}))
        return len(recorded) == len(ids) and recorded

    recorded = poll(every_event_recorded, 30, "every won deal in commission's ledger")
    assert {win["opportunity_id"] for win in recorded} == ids
    assert all(len(win["event_ids"]) == 1 for win in recorded), recorded   # each once
    assert deals_db.count_documents({"stage": "won"}) == len(ids)
    poll(lambda: deals_db.count_documents({"outbox.0": {"$exists": True}}) == 0, 30,
         "every outbox relayed")
    for name in ("opportunities", "commission"):      # reconnected, not restarted
        assert instances.running[name][0].poll() is None, instances.log_tail(name)
