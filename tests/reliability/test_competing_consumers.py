"""Two instances of the opportunities service consume one queue: the calls spread over
both, and every create happens once, a create retried with its ``source_key`` too (even
when the retry races the first call on the other instance)."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

pytestmark = pytest.mark.reliability

INSTANCES = ("opportunities-1", "opportunities-2")
KEYS = 24
RETRIED = range(0, KEYS, 3)        # every third key is sent twice, back to back


def deal(account, key):
    return {"name": f"Deal {key}", "account_id": account["id"], "source_key": key,
            "amount": {"amount": "1000.00", "currency": "CNY"},
            "expected_close_date": "2026-12-31"}


def test_two_instances_share_the_calls_and_each_create_happens_once(instances, mongo_wire,
                                                                     rabbit_config):
    for name in INSTANCES:
        instances.start("opportunities", name)
    instances.wait_consuming("rpc-opportunities", len(INSTANCES))

    with ClusterRpcProxy(rabbit_config, timeout=30) as rpc:
        account = rpc.opportunities.create_account({"name": "Acme"})
        keys = []
        for number in range(KEYS):
            keys += [f"deal:{number}"] * (2 if number in RETRIED else 1)
        # All sent before any answer is read: both instances hold some at once.
        calls = [(key, rpc.opportunities.create_opportunity.call_async(deal(account, key), {},
                                                                       "u1"))
                 for key in keys]
        answers = [(key, call.result()) for key, call in calls]

    ids = {}
    for key, answer in answers:
        assert answer["name"] == f"Deal {key}"
        assert ids.setdefault(key, answer["id"]) == answer["id"]   # a retry: the same deal
    stored = list(mongo_wire.db("opportunities").opportunities.find({}, {"source_key": 1}))
    assert len(stored) == KEYS == len(ids)
    assert {document["source_key"]: str(document["_id"]) for document in stored} == ids
    # Both instances wrote deals: the queue's messages went to both.
    writes = mongo_wire.writes()
    assert all(writes.get(name, {}).get("insert:opportunities", 0) > 0 for name in INSTANCES), \
        writes
