"""Recomputing a commission period of 100,000 won deals for 500 payees on tiered plans,
through the pure engine and through the commission service's recompute path.

Usage::

    /work/main/.venv/bin/python bench/commission.py [--deals N] [--reps N] [--partners N]
                                                    [--seed N] [--engine-only]
                                                    [--amqp-uri URI]

What it does
------------
1. Makes ``--deals`` wins in November 2026 for ``--reps`` reps and ``--partners``
   partner organisations (500 payees by default): amounts 1,000.00-200,000.00 CNY,
   1-3 products each (SKUs over 5 categories, with costs); 25 % of the deals split
   between two reps (60/40 revenue), 10 % with an overlay split on top, 30 % registered
   by a partner organisation. Reps are on one tiered plan (0-50-100-150-open with an
   accelerator, a SKU and a category rate, a SPIFF), partners on another; every payee
   has a quota near what it sells, so attainment crosses the tiers.
2. ``engine_s``: ``commission.engine`` alone: group the wins by payee, compute every
   payee's lines and the deltas to write on an empty ledger (no storage).
3. Unless ``--engine-only``: starts the real commission service (``CommissionService``
   in a nameko container in this process, on a fresh vhost of the broker, deleted at
   the end, on the embedded engine) with a stand-in ``opportunities`` service that
   answers ``quota_targets``; creates the period and the two plans over RPC, seeds the
   500 assignments and the wins directly in its database (the documents the service's
   own stores write), then:
   - ``recompute_again_s``: a second recompute, which must write nothing (idempotent);
   - ``recompute_s`` (printed last): ``recompute_period`` over RPC until its job is
     done: read the period's wins, quotas and plans, compute every payee and write the
     deltas into the empty ledger. The ledger's total must equal the engine's.
Goal: ``recompute_s`` <= 20 on this machine.
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket: nameko runs on eventlet

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

# This file is named like the service's package: take its folder off the path (where
# Python put it) so ``import commission`` finds the service, then put it back at the end
# for the shared bench helpers.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from commission import engine  # noqa: E402
from commission.plans import Plan  # noqa: E402
from sfa_common.contracts.commission import PlanCreateSchema  # noqa: E402
from sfa_common.money import Money  # noqa: E402

sys.path.append(str(_HERE))
from rpc_overhead import (  # noqa: E402
    DEFAULT_AMQP_URI,
    BenchError,
    check_broker,
    private_vhost,
)

PERIOD = "2026-11"
START = datetime(2026, 11, 1, tzinfo=UTC)
CATEGORIES = ("hardware/servers", "hardware/network", "software/licences", "services/install",
              "cloud/iaas")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=450)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    return parser.parse_args(argv)


def cny(cents):
    return Money(Decimal(cents).scaleb(-2), "CNY")


def tiers(*rows):
    return [{"from_percent": start, "to_percent": end, "rate_percent": rate}
            for start, end, rate in rows]


REP_PLAN = {
    "name": "Reps FY2026", "payee_kind": "rep", "currency": "CNY", "base": "amount",
    "tiers": tiers(("0", "50", "2"), ("50", "100", "4"), ("100", "150", "7"), ("150", None, "10")),
    "product_rates": [{"sku": "LIC-00", "rate_percent": "12"},
                      {"category": "services", "rate_percent": "3"}],
    "bonuses": [{"name": "Cloud push", "amount": {"amount": "500.00", "currency": "CNY"},
                 "condition": {"category": "cloud", "min_deal_amount":
                               {"amount": "50000.00", "currency": "CNY"}}}],
    "clawback_window_days": 60}
PARTNER_PLAN = {
    "name": "Partners FY2026", "payee_kind": "partner", "currency": "CNY", "base": "amount",
    "tiers": tiers(("0", "100", "5"), ("100", None, "8")), "clawback_window_days": 60}


def make_wins(args, rng):
    reps = [f"rep{n:03d}" for n in range(args.reps)]
    partners = [f"org{n:03d}" for n in range(args.partners)]
    wins = []
    seconds = 29 * 24 * 3600
    for n in range(args.deals):
        owner = rng.choice(reps)
        amount = rng.randrange(100_000, 20_000_000)
        products, left = [], amount
        for index in range(rng.randrange(1, 4)):
            share = left if index == 2 else rng.randrange(0, left + 1)
            left -= share
            sku = f"{rng.choice(('LIC', 'SRV', 'NET', 'SVC', 'IAAS'))}-{rng.randrange(20):02d}"
            products.append({"product_id": None, "sku": sku, "category": rng.choice(CATEGORIES),
                             "quantity": Decimal(rng.randrange(1, 20)), "amount": cny(share),
                             "cost": cny(share * 6 // 10)})
        splits = []
        roll = rng.random()
        if roll < 0.25:
            other = rng.choice([rep for rep in reps[:50] if rep != owner])
            splits = [{"user_id": owner, "kind": "revenue", "percent": Decimal(60)},
                      {"user_id": other, "kind": "revenue", "percent": Decimal(40)}]
            if roll < 0.10:
                overlay = rng.choice([rep for rep in reps[-20:] if rep not in (owner, other)])
                splits.append({"user_id": overlay, "kind": "overlay", "percent": Decimal(10)})
        wins.append({
            "opportunity_id": f"opp{n:06d}", "name": f"商机 {n}",
            "won_at": START + timedelta(seconds=rng.randrange(seconds)), "amount": cny(amount),
            "owner_id": owner, "department_id": f"dept{int(owner[3:]) % 12}",
            "splits": splits,
            "partner_org_id": rng.choice(partners) if rng.random() < 0.3 else None,
            "products": products, "quote_id": None, "source_event_id": f"evt-won-{n}"})
    return wins


def quotas(grouped):
    """Each payee's quota: 80-130 % of what it is credited, so attainment crosses tiers."""
    rng = random.Random(11)
    targets = {}
    for (kind, payee_id), wins in grouped.items():
        credited = sum(win["amount"].amount for win in wins)
        targets[(kind, payee_id)] = Money(
            (credited * Decimal(rng.randrange(80, 131)) / 100).quantize(Decimal("0.01")), "CNY")
    return targets


def run_engine(grouped, targets, plans):
    """Every payee's lines and the deltas on an empty ledger; (lines, total)."""
    total, count = Decimal(0), 0
    for (kind, payee_id), wins in grouped.items():
        plan = plans["rep" if kind == "user" else "partner"]
        lines = engine.compute(PERIOD, plan, {"kind": kind, "id": payee_id},
                               targets[(kind, payee_id)], wins)
        rows = engine.delta([], lines)
        count += len(rows)
        total += sum(row["amount"].amount for row in rows)
    return count, total


class QuotaTargets:
    """Stands in for the opportunities service: the period's quotas."""
    name = "opportunities"
    targets = []

    @rpc
    def quota_targets(self, period):
        return list(self.targets)


def seed_service(db, store, rpc_proxy, wins, targets):
    """The period and the plans over RPC; assignments and wins straight into the
    database through the service's own stores (the documents its handlers write)."""
    rpc_proxy.create_period({"key": PERIOD})
    plan_ids = {"rep": rpc_proxy.create_plan(REP_PLAN)["id"],
                "partner": rpc_proxy.create_plan(PARTNER_PLAN)["id"]}
    for kind, payee_id in targets:
        store.add_assignment(None, {
            "plan_id": plan_ids["rep" if kind == "user" else "partner"], "payee_kind": kind,
            "payee_id": payee_id, "effective_from": "2026-01-01", "effective_to": None,
            "created_by": "bench"})
    store.add_wins(wins)


def recompute(rpc_proxy, timeout):
    started = time.perf_counter()
    job = rpc_proxy.recompute_period(PERIOD, "bench")
    while job["status"] == "running":
        if time.perf_counter() - started > timeout:
            raise BenchError(f"the recompute did not finish in {timeout:.0f} s: {job}")
        eventlet.sleep(0.05)
        job = rpc_proxy.get_recompute(job["id"])
    if job["status"] != "done":
        raise BenchError(f"the recompute failed: {job}")
    return time.perf_counter() - started, job


def run_service(args, wins, targets, engine_total):
    check_broker(args.amqp_uri)
    with private_vhost(args.amqp_uri, "commission") as (amqp_uri, _vhost):
        recompute_in_service(args, amqp_uri, wins, targets, engine_total)


def recompute_in_service(args, amqp_uri, wins, targets, engine_total):
    from commission.service import CommissionService
    from sfa_common.mongo import Mongo

    config = {"AMQP_URI": amqp_uri, "MONGO_URI": "mongomock://localhost"}
    QuotaTargets.targets = [
        {"owner_id" if kind == "user" else "partner_org_id": payee_id,
         "target": {"amount": str(target.amount), "currency": target.currency}}
        for (kind, payee_id), target in targets.items()]
    containers = [ServiceContainer(CommissionService, config),
                  ServiceContainer(QuotaTargets, config)]
    try:
        for container in containers:
            container.start()
        mongo = next(extension for extension in containers[0].extensions
                     if isinstance(extension, Mongo))
        with ServiceRpcProxy("commission", config, timeout=args.timeout) as rpc_proxy:
            started = time.perf_counter()
            seed_service(mongo.db, mongo.repository_cls(mongo.db), rpc_proxy, wins, targets)
            print(f"seed_s: {time.perf_counter() - started:.1f}")
            seconds, job = recompute(rpc_proxy, args.timeout)
            again, repeat = recompute(rpc_proxy, args.timeout)
            store = mongo.repository_cls(mongo.db)
            ledger_total = sum(row["amount"].amount for row in store.lines_for(PERIOD))
        print(f"recompute_payees: {job['payees_done']}/{job['payees_total']}")
        print(f"recompute_lines_written: {job['lines_written']}")
        print(f"recompute_again_lines_written: {repeat['lines_written']}")
        print(f"ledger_total: {ledger_total} CNY")
        if ledger_total != engine_total or repeat["lines_written"] != 0:
            raise BenchError(f"the ledger ({ledger_total}, {repeat['lines_written']} rows "
                             f"on the second run) does not match the engine ({engine_total})")
        print(f"recompute_again_s: {again:.1f}")
        print(f"recompute_s: {seconds:.1f}")
    finally:
        for container in containers:
            container.stop()


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    wins = make_wins(args, rng)
    grouping = time.perf_counter()
    grouped = engine.wins_by_payee(wins)
    group_s = time.perf_counter() - grouping
    targets = quotas(grouped)
    schema = PlanCreateSchema()
    plans = {kind: Plan.from_document({**schema.load(document), "_id": kind})
             for kind, document in (("rep", REP_PLAN), ("partner", PARTNER_PLAN))}
    print(f"deals: {len(wins)}")
    print(f"payees: {len(grouped)}")
    print(f"generate_s: {time.perf_counter() - started:.1f}")
    started = time.perf_counter()
    count, total = run_engine(grouped, targets, plans)
    print(f"engine_lines: {count}")
    print(f"engine_total: {total} CNY")
    print(f"engine_s: {time.perf_counter() - started + group_s:.1f}")
    if not args.engine_only:
        run_service(args, wins, targets, total)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
