"""The scoped pipeline report and a partner's first page of opportunities, over RPC,
with 100,000 opportunities across 1,000 partner organisations.

Usage::

    /work/main/.venv/bin/python bench/pipeline.py [--records N] [--partners N] [--repeat N]
                                                  [--seed N] [--amqp-uri URI]

What it does
------------
1. Starts the real opportunities service (``OpportunitiesService`` in a nameko
   container in this process, on a fresh vhost of the broker, deleted at the end) on
   the embedded engine, the way ``make run`` does.
2. Stores ``--records`` opportunities in the service's database, spread uniformly
   over ``--partners`` partner organisations (5 partner users each) and 1,000
   customers: 70 % open across the pipeline's open stages, 20 % won, 10 % lost.
   Each document is what the service writes: the create path's fields
   (``OpportunityCreateSchema``, ``stages.opening``) and, for closed deals, the
   service's own ``stages.move`` transition. One is read back over RPC to check that.
3. Compiles the scope the gateway would send for the partner_admin of one
   organisation (the gateway's ``build_enforcer``, ``scopes_for`` and
   ``compile_filter``) and times, through the gateway's RPC pool (one call each, as
   one gateway request makes):
   - ``pipeline_report_partner_ms``: ``pipeline_report`` in that scope;
   - ``first_page_partner_ms`` (printed last): ``list_opportunities`` in the
     partner's scope, default sort, a page of 50.
   Each figure is the median of ``--repeat`` calls after one warm-up call.

The embedded engine (mongomock) has no query planner: every query scans all the
documents whatever the indexes, so these figures grow with the collection (a report
over every deal, sales ops' ``all`` scope, copies all 70,000 open ones and takes
seconds there). On a real
MongoDB the partner's filter and sort are answered from the (partner_org_id, ...) and
(created_at, _id) indexes the service declares.
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket: nameko runs on eventlet

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import mongomock  # noqa: E402
from bson import ObjectId  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rpc_overhead import (  # noqa: E402
    DEFAULT_AMQP_URI,
    BenchError,
    check_broker,
    private_vhost,
)

from gateway.authz.policies import assign_role, build_enforcer  # noqa: E402
from gateway.authz.scopes import compile_filter, scopes_for  # noqa: E402
from gateway.authz.subject import Subject, partner_domain  # noqa: E402
from gateway.rpc import RpcPool  # noqa: E402
from opportunities import stages  # noqa: E402
from opportunities.dependencies import _opportunity_to_document  # noqa: E402
from opportunities.service import OpportunitiesService  # noqa: E402
from opportunities.settings import OpportunitySettings  # noqa: E402
from sfa_common.contracts.opportunities import (  # noqa: E402
    OpportunityCreateSchema,
    StageMoveSchema,
)
from sfa_common.mongo import Mongo  # noqa: E402

USERS_PER_PARTNER = 5
CUSTOMERS = 1000
PAGE = 50
BATCH = 5000


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    return parser.parse_args(argv)


def opportunity_documents(count, partners, pipeline, rng):
    """Documents as the service stores them (see the module docstring)."""
    schema = OpportunityCreateSchema()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    customers = [(str(ObjectId()), f"客户{n:04d}") for n in range(CUSTOMERS)]
    open_keys = [stage.key for stage in pipeline.open_stages]
    for n in range(count):
        org = f"org{rng.randrange(partners):04d}"
        account_id, account_name = customers[rng.randrange(CUSTOMERS)]
        created_at = start + timedelta(minutes=5 * n)
        payload = schema.load({
            "name": f"商机 {n}", "account_id": account_id,
            "amount": {"amount": f"{rng.randrange(1_000, 2_000_000)}.00", "currency": "CNY"},
            "expected_close_date": (created_at + timedelta(days=rng.randrange(10, 200)))
            .date().isoformat(),
            "owner_id": f"rep{rng.randrange(200):03d}", "partner_org_id": org,
            "partner_user_id": f"{org}-u{rng.randrange(USERS_PER_PARTNER)}",
            "stage": rng.choice(open_keys)})
        stage, probability = stages.opening(pipeline, payload["stage"], payload["probability"])
        opportunity = {
            **payload, "account_name": account_name, "stage": stage, "status": stages.OPEN,
            "probability": probability,
            "stage_history": [stages.history_entry(stage, probability, "bench", created_at)],
            "competitors": [], "closed_at": None, "won_at": None, "cycle_seconds": None,
            "lost_reason": None, "lost_note": None, "lost_to_competitor_id": None,
            "reopened_count": 0, "revision": 0, "outbox": [], "created_at": created_at}
        roll = rng.random()
        if roll >= 0.7:
            won = roll < 0.9
            move = StageMoveSchema().load(
                {"stage": "won"} if won else {"stage": "lost", "lost_reason": "price"})
            closed_at = created_at + timedelta(days=rng.randrange(5, 120))
            transition = stages.move(pipeline, opportunity, move, "bench", closed_at)
            opportunity.update(transition.changes)
            opportunity["stage_history"].append(transition.entry)
            opportunity["revision"] = 1
        document = _opportunity_to_document(opportunity)
        document["updated_at"] = document.get("closed_at") or created_at
        yield document


def median_ms(call, repeat):
    call()  # warm-up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main(argv=None):
    args = parse_args(argv)
    check_broker(args.amqp_uri)
    with private_vhost(args.amqp_uri, "pipeline") as (amqp_uri, _vhost):
        return measure(args, amqp_uri)


def measure(args, amqp_uri):
    rng = random.Random(args.seed)
    config = {"AMQP_URI": amqp_uri, "MONGO_URI": "mongomock://localhost"}
    container = ServiceContainer(OpportunitiesService, config)
    pool = None
    try:
        container.start()
        store = next(extension for extension in container.extensions
                     if isinstance(extension, Mongo))
        pipeline = OpportunitySettings.from_mapping(config).pipeline
        started = time.perf_counter()
        documents = opportunity_documents(args.records, args.partners, pipeline, rng)
        collection = store.db.opportunities
        while batch := list(itertools.islice(documents, BATCH)):
            collection.insert_many(batch)
        print(f"records: {collection.count_documents({})}")
        print(f"partners: {args.partners}")
        print(f"seed_s: {time.perf_counter() - started:.1f}")

        org = f"org{rng.randrange(args.partners):04d}"
        subject = Subject(user_id=f"{org}-u0", kind="partner", domain=partner_domain(org),
                          partner_org_id=org)
        enforcer = build_enforcer(mongomock.MongoClient().bench.policies)
        assign_role(enforcer, subject.user_id, "partner_admin", subject.domain)
        scope = compile_filter(subject, "opportunity",
                               scopes_for(enforcer, subject, "opportunity", "read"))

        pool = RpcPool(amqp_uri, size=2, timeout=60)

        def call(method, *call_args):
            with pool.proxy() as rpc:
                return getattr(rpc.opportunities, method)(*call_args)

        page = call("list_opportunities", {"limit": PAGE}, scope)
        some = collection.find_one({"status": "won"}, {"_id": 1})
        call("get_opportunity", str(some["_id"]), {})   # the stored shape reads back
        report = call("pipeline_report", {}, scope)
        visible = collection.count_documents({"partner_org_id": org})
        print(f"partner_opportunities: {visible}")
        print(f"partner_open_in_report: {sum(row['count'] for row in report['rows'])}")
        print(f"first_page_items: {len(page['items'])}")
        print(f"pipeline_report_partner_ms: "
              f"{median_ms(lambda: call('pipeline_report', {}, scope), args.repeat):.0f}")
        first_page = median_ms(lambda: call("list_opportunities", {"limit": PAGE}, scope),
                               args.repeat)
        print(f"first_page_partner_ms: {first_page:.0f}")
    finally:
        if pool is not None:
            pool.close()
        container.stop()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
