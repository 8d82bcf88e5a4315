"""An instance of the opportunities service killed (SIGKILL) in the middle of a call:
the broker gives the unacknowledged call to the other instance, the caller gets one
answer, and the create happens once.

No sleeps decide where the kill lands: the wire server stalls one chosen database
command of the call, so the instance that runs it is provably inside the call (and
which step it reached) when it is killed."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

pytestmark = pytest.mark.reliability

INSTANCES = ("opportunities-1", "opportunities-2")
PARTNER = "partner-org-1"


@pytest.fixture
def rpc(instances, rabbit_config):
    for name in INSTANCES:
        instances.start("opportunities", name)
    instances.wait_consuming("rpc-opportunities", len(INSTANCES))
    with ClusterRpcProxy(rabbit_config, timeout=30) as proxy:
        yield proxy


def create_killing_the_instance_at(command, collection, rpc, instances, mongo_wire):
    """Create a deal (a ``source_key`` and a partner) and SIGKILL the instance that
    reaches ``command`` on ``collection``; the caller's one answer and who was killed."""
    account = rpc.opportunities.create_account({"name": "Acme"})
    mongo_wire.stall(command, collection)
    call = rpc.opportunities.create_opportunity.call_async(
        {"name": "Core switches", "account_id": account["id"], "source_key": "registration:7",
         "partner_org_id": PARTNER, "amount": {"amount": "1000.00", "currency": "CNY"},
         "expected_close_date": "2026-12-31"}, {}, "u1")
    (stalled,) = mongo_wire.wait_stalled()
    killed = stalled["appName"]
    instances.kill(killed)
    mongo_wire.release(run=False)     # the killed process never sent it
    return call.result(), account, killed


def test_killed_before_its_write_the_call_is_redelivered_and_creates_once(rpc, instances,
                                                                          mongo_wire):
    answer, account, killed = create_killing_the_instance_at("insert", "opportunities",
                                                             rpc, instances, mongo_wire)
    (survivor,) = set(INSTANCES) - {killed}
    db = mongo_wire.db("opportunities")
    stored = list(db.opportunities.find({"source_key": "registration:7"}))
    assert [str(deal["_id"]) for deal in stored] == [answer["id"]]
    assert mongo_wire.writes()[survivor]["insert:opportunities"] == 1
    assert PARTNER in db.accounts.find_one()["partner_org_ids"]


def test_killed_after_its_write_the_redelivered_call_answers_that_record(rpc, instances,
                                                                         mongo_wire):
    # Killed between its two writes: the deal is stored, the partner does not serve the
    # customer yet, and no answer went out. The source_key finds the stored deal.
    answer, account, killed = create_killing_the_instance_at("update", "accounts",
                                                             rpc, instances, mongo_wire)
    (survivor,) = set(INSTANCES) - {killed}
    db = mongo_wire.db("opportunities")
    stored = list(db.opportunities.find({"source_key": "registration:7"}))
    assert [str(deal["_id"]) for deal in stored] == [answer["id"]]
    writes = mongo_wire.writes()
    assert writes[killed]["insert:opportunities"] == 1
    assert "insert:opportunities" not in writes.get(survivor, {})
    # The retry completes what the killed call left undone.
    assert PARTNER in db.accounts.find_one()["partner_org_ids"]
