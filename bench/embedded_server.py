"""The embedded server's query costs, at two store sizes, with the project's query shapes.

Starts SecantusDB (the server `make run` starts) on a free loopback port with its data in
a temporary directory, seeds opportunities spread over 50 partner organisations and 300
owners, declares the indexes a scope and a sort need, and times over pymongo:

- ``partner_page``: a partner's first page of 50, newest first (scope ``partner_org_id``);
- ``or_scope_page``: an internal rep's first page under ``participating`` (an ``$or`` of
  owner and team, each clause indexed);
- ``get_by_id``: ``find_one`` on ``_id`` and the scope;
- ``conditional_update``: the services' write, ``find_one_and_update`` on ``_id``, scope
  and ``revision``;
- ``update_by_id``: ``update_one`` on ``_id``, the same change without the returned document;
- ``partner_pipeline``: the pipeline report's aggregation for one partner.

Each figure is the median of its repetitions, in ms; the plans ``explain()`` chose are
printed too. The last line is the headline: a partner's first page at the largest size
(the storage issue's goal is 10 ms, flat from 10k to 100k).

    .venv/bin/python bench/embedded_server.py [--sizes 10000,100000]
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from embedded_server import EmbeddedServer  # noqa: E402

from sfa_common.mongo import connect  # noqa: E402

ORGS, OWNERS, STAGES = 50, 300, ("qualify", "proposal", "negotiation", "won", "lost")
INDEXES = [IndexModel([("partner_org_id", ASCENDING), ("updated_at", DESCENDING)]),
           IndexModel([("owner_id", ASCENDING), ("updated_at", DESCENDING)]),
           IndexModel([("team_member_ids", ASCENDING), ("updated_at", DESCENDING)])]


def seed(collection, size):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(size):
        batch.append({"_id": ObjectId(), "name": f"Deal {i}", "partner_org_id": f"org{i % ORGS}",
                      "owner_id": f"u{i % OWNERS}", "team_member_ids": [f"u{(i * 7) % OWNERS}"],
                      "stage": STAGES[i % len(STAGES)], "amount_minor": 100_000 + i,
                      "currency": "CNY", "revision": 1,
                      "updated_at": start + timedelta(minutes=i)})
        if len(batch) == 5000:
            collection.insert_many(batch)
            batch = []
    if batch:
        collection.insert_many(batch)
    collection.create_indexes(INDEXES)


def timed(run, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def plan(cursor):
    winning = cursor.explain()["queryPlanner"]["winningPlan"]
    stages = []
    while winning:
        stages.append(winning["stage"])
        winning = winning.get("inputStage") or (winning.get("inputStages") or [None])[0]
    return ">".join(stages)


def measure(db, size, repeat):
    deals = db.deals
    seeded = time.perf_counter()
    seed(deals, size)
    seed_s = time.perf_counter() - seeded
    one = deals.find_one({"partner_org_id": "org7"}, sort=[("updated_at", DESCENDING)])
    partner = {"partner_org_id": "org7"}
    participating = {"$or": [{"owner_id": "u5"}, {"team_member_ids": "u5"}]}
    newest = [("updated_at", DESCENDING)]
    figures = {
        "partner_page": timed(lambda: list(deals.find(partner).sort(newest).limit(50)), repeat),
        "or_scope_page": timed(lambda: list(deals.find(participating).sort(newest).limit(50)),
                               repeat),
        "get_by_id": timed(lambda: deals.find_one({"_id": one["_id"], **partner}), repeat),
        "conditional_update": timed(lambda: deals.find_one_and_update(
            {"_id": one["_id"], **partner, "revision": {"$gte": 1}},
            {"$inc": {"revision": 1}}), max(3, repeat // 4)),
        "update_by_id": timed(lambda: deals.update_one(
            {"_id": one["_id"], **partner}, {"$inc": {"revision": 1}}), repeat),
        "partner_pipeline": timed(lambda: list(deals.aggregate([
            {"$match": partner},
            {"$group": {"_id": "$stage", "count": {"$sum": 1},
                        "amount_minor": {"$sum": "$amount_minor"}}}])), repeat),
    }
    plans = {"partner_page": plan(deals.find(partner).sort(newest).limit(50)),
             "or_scope_page": plan(deals.find(participating).sort(newest).limit(50))}
    return seed_s, figures, plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="sfa-bench-mongo-") as root:
        server = EmbeddedServer(Path(root) / "data", Path(root) / "server.log").start()
        client = connect(server.uri)
        try:
            results = {}
            for size in sizes:
                seed_s, figures, plans = measure(client[f"bench_{size}"], size, args.repeat)
                results[size] = figures
                print(f"size {size}: seeded in {seed_s:.1f} s; plans: "
                      + ", ".join(f"{name} {shape}" for name, shape in plans.items()))
            print("median ms".ljust(20) + "".join(f"{size:>12}" for size in sizes))
            for name in results[sizes[0]]:
                print(name.ljust(20) + "".join(f"{results[size][name]:>12.1f}" for size in sizes))
        finally:
            client.close()
            server.remove()
    print(f"partner_page_ms_at_{sizes[-1]}: {results[sizes[-1]]['partner_page']:.1f}")


if __name__ == "__main__":
    main()
