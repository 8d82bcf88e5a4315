"""Scope filter: one compiled MongoDB filter per request against enforce() per record.

Usage::

    /work/main/.venv/bin/python bench/scope_filter.py [--records N] [--partners N] [--page N]
                                                     [--budget SECONDS] [--seed N]

Defaults: 100,000 opportunities across 1,000 partner organisations (5 partner users
each, records assigned uniformly at random), a page of 50, a 45 s budget for the
per-record side (past it, the rest is extrapolated; the whole run stays under a
minute). ``MONGO_URI`` picks the engine for the query measurement, as everywhere in
the project: unset or ``mongomock://`` is the embedded engine; a ``mongodb://`` URI
uses a throw-away database ``channel_sfa_bench_scope_filter`` there (dropped at the
end).

The subject is the partner_admin of one organisation (chosen by ``--seed``),
assigned in Casbin as ``g, <user>, partner_admin, partner:<org>``; its first page is
the first 50 of its organisation's opportunities in ``_id`` (creation) order. Both
sides use the gateway's own enforcer (``build_enforcer``: the default policy in a
policy collection on the embedded engine).

What is timed (``time.perf_counter``)
-------------------------------------
- ``compiled_scoping_ms``: the per-request authorization cost of the compiled path,
  ``compile_filter(subject, "opportunity", scopes_for(enforcer, subject,
  "opportunity", "read"))`` (one policy query plus the compiler): the median of 2,000
  calls after the first. ``compiled_scoping_first_call_ms`` is that first call, which
  also makes Casbin build the role manager for the subject's domain.
- ``first_page_query_ms``: ``find(filter).sort("_id").limit(page)`` on the engine, with an
  index on (partner_org_id, _id); median of 3 after one warm-up. Reported separately:
  it is storage, not authorization. The embedded engine (mongomock) has no query
  planner and scans every document whatever the indexes; a real MongoDB answers this
  query from the index.
- ``per_record_ms``: the naive alternative. Casbin cannot scope by record ownership
  without record attributes, so a naive gateway asks it per record the way an
  ABAC-style check would: for each record in ``_id`` order, ``enforcer.enforce(user,
  domain, "opportunity", "read")`` and then a Python ownership check (the record's
  ``partner_org_id`` is the user's organisation), until ``page`` visible records are
  found. The records are already in memory: fetching them is not charged to this
  side, which flatters it. enforce() costs the same for every record (it evaluates
  the matcher over the policy; the record does not enter it), so if the loop has not
  filled the page within ``--budget`` seconds, the time for the whole scan is
  extrapolated linearly from the records checked (``per_record_extrapolated: yes``;
  the records the full scan needs are counted exactly, without enforce()).

Both sides must produce the same page (checked before printing). Output: ``name:
value`` lines, ``ratio`` (per_record_ms / compiled_scoping_ms) last. The issue's
goal: compiled_scoping_ms <= 1, ratio >= 1,000.
"""
import argparse
import os
import random
import statistics
import sys
import time

import mongomock
from bson import ObjectId

from gateway.authz.policies import assign_role, build_enforcer
from gateway.authz.scopes import compile_filter, scopes_for
from gateway.authz.subject import Subject, partner_domain

DATABASE = "channel_sfa_bench_scope_filter"
USERS_PER_PARTNER = 5
COMPILED_CALLS = 2000
QUERY_RUNS = 3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--budget", type=float, default=45.0,
                        help="seconds for the per-record loop before extrapolating")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def opportunities(count, partners, rng):
    for number in range(count):
        org = f"p{rng.randrange(partners):04d}"
        yield {"_id": ObjectId(), "name": f"Opportunity {number}", "partner_org_id": org,
               "partner_user_id": f"{org}-u{rng.randrange(USERS_PER_PARTNER)}",
               "owner_id": f"rep{rng.randrange(200)}", "department_id": f"d{rng.randrange(20)}",
               "amount_minor": rng.randrange(10**6, 10**9), "stage": "qualification"}


def opportunity_collection():
    uri = os.environ.get("MONGO_URI", "mongomock://")
    if uri.startswith("mongomock://"):
        return "mongomock (embedded; scans, no query planner)", mongomock.MongoClient()[DATABASE]
    from sfa_common.mongo import connect  # only for a real server: it imports nameko
    return "mongodb", connect(uri)[DATABASE]


def median_ms(run, times):
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def per_record(enforcer, subject, records, page, budget):
    """The naive loop; returns (page ids, enforce calls, seconds, filled)."""
    visible = []
    calls = 0
    started = time.perf_counter()
    deadline = started + budget
    for record in records:
        calls += 1
        if (enforcer.enforce(subject.user_id, subject.domain, "opportunity", "read")
                and record["partner_org_id"] == subject.partner_org_id):
            visible.append(record["_id"])
            if len(visible) == page:
                return visible, calls, time.perf_counter() - started, True
        if calls % 256 == 0 and time.perf_counter() > deadline:
            break
    return visible, calls, time.perf_counter() - started, False


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    records = list(opportunities(args.records, args.partners, rng))
    org = records[rng.randrange(len(records))]["partner_org_id"]
    subject = Subject(user_id=f"{org}-u0", kind="partner", domain=partner_domain(org),
                      partner_org_id=org)

    enforcer = build_enforcer(mongomock.MongoClient()[DATABASE].policies)
    assign_role(enforcer, subject.user_id, "partner_admin", subject.domain)

    engine, db = opportunity_collection()
    collection = db.opportunities
    collection.drop()
    collection.create_index([("partner_org_id", 1), ("_id", 1)])
    collection.insert_many([dict(record) for record in records])

    held = scopes_for(enforcer, subject, "opportunity", "read")

    def authorize():
        return compile_filter(subject, "opportunity",
                              scopes_for(enforcer, subject, "opportunity", "read"))

    started = time.perf_counter()
    query = authorize()
    first_call_ms = (time.perf_counter() - started) * 1000
    compiled_ms = median_ms(authorize, COMPILED_CALLS)

    def first_page():
        return [document["_id"] for document in
                collection.find(query, {"_id": 1}).sort("_id", 1).limit(args.page)]

    page = first_page()
    query_ms = median_ms(first_page, QUERY_RUNS)

    needed = _records_to_fill(records, org, args.page)
    naive_page, calls, seconds, filled = per_record(enforcer, subject, records, args.page,
                                                    args.budget)
    if naive_page != page[:len(naive_page)] or (filled and naive_page != page):
        sys.exit("the two sides disagree about the first page")
    per_record_ms = seconds * 1000 * (1 if filled else needed / calls)
    if engine == "mongodb":
        db.client.drop_database(DATABASE)

    for name, value in (
            ("records", args.records),
            ("partners", args.partners),
            ("subject", f"partner_admin of {org}, scopes {','.join(sorted(held))}"),
            ("page_size", len(page)),
            ("engine", engine),
            ("compiled_scoping_first_call_ms", f"{first_call_ms:.3f}"),
            ("compiled_scoping_ms", f"{compiled_ms:.4f}"),
            ("first_page_query_ms", f"{query_ms:.1f}"),
            ("per_record_records_to_fill_page", needed),
            ("per_record_enforce_calls_timed", calls),
            ("per_record_enforce_us", f"{seconds / calls * 1e6:.1f}"),
            ("per_record_extrapolated", "no" if filled else "yes"),
            ("per_record_ms", f"{per_record_ms:.1f}"),
            ("ratio", f"{per_record_ms / compiled_ms:.0f}")):
        print(f"{name}: {value}")


def _records_to_fill(records, org, page):
    seen = 0
    for position, record in enumerate(records, start=1):
        if record["partner_org_id"] == org:
            seen += 1
            if seen == page:
                return position
    return len(records)   # fewer than a page: the naive loop scans everything


if __name__ == "__main__":
    main()
