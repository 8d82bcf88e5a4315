"""Pricing a 1,000-line quote against a price list of 10,000 rules based on a chain of
3 lists, through the pure engine and through the quotes service's RPC.

Usage::

    /work/main/.venv/bin/python bench/pricing.py [--lines N] [--rules N] [--products N]
                                                 [--repeat N] [--seed N] [--amqp-uri URI]

What it does
------------
1. Starts the real quotes service (``QuotesService`` in a nameko container in this
   process, on a fresh vhost of the broker, deleted at the end) on the embedded engine.
2. Stores ``--products`` products over 40 categories three levels deep, and three
   price lists: ``Base`` (1,000 rules), ``Distributor`` based on it (1,000 rules) and
   ``Reseller`` based on that (``--rules`` rules). Rules are spread over products
   (with quantity breaks, date ranges, some for registered deals), categories and all;
   a share are formulas on the based-on list, so pricing walks the whole chain.
   Rules are written as the service writes them (``PriceRuleCreateSchema`` then the
   store's document form) in bulk; one is added over RPC to check the path.
3. A basket of ``--lines`` lines over random products and quantities, priced under
   ``Reseller``:
   - ``compile_ms``: reading and indexing the three lists' rules once (the service
     does this once per list revision and keeps the result);
   - ``engine_ms_per_quote``: ``quotes.pricing.price_basket`` on the compiled lists;
   - ``rpc_cold_ms``: the first ``price_basket`` RPC (compiles the lists and loads the
     catalogue);
   - ``rpc_ms_per_quote`` (printed last): ``price_basket`` over RPC, warm: load the
     basket, read the three lists' headers and the catalogue's revision, price, dump,
     and carry the reply (every line with its trace, ``response_bytes``) over AMQP.
   Each figure is the median of ``--repeat`` runs after one warm-up.
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket: nameko runs on eventlet

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rpc_overhead import (  # noqa: E402
    DEFAULT_AMQP_URI,
    BenchError,
    check_broker,
    private_vhost,
)

from quotes import catalogue_store, pricing  # noqa: E402
from quotes.catalogue_store import _product_to_document, _to_storage  # noqa: E402
from quotes.service import QuotesService  # noqa: E402
from sfa_common.contracts.pricing import PriceRuleCreateSchema  # noqa: E402
from sfa_common.contracts.quotes import ProductCreateSchema  # noqa: E402
from sfa_common.mongo import Mongo  # noqa: E402

ON = date(2026, 6, 15)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    return parser.parse_args(argv)


def categories():
    return [f"{top}/{middle}/{leaf}" for top in ("hardware", "software", "services", "cloud")
            for middle in ("a", "b") for leaf in ("x", "y", "z", "w", "v")]


def product_documents(count, rng):
    schema = ProductCreateSchema()
    paths = categories()
    now = datetime.now(UTC)
    for n in range(count):
        price = rng.randrange(1_000, 500_000)
        product = schema.load({
            "sku": f"SKU-{n:06d}", "name": f"产品 {n}", "category": rng.choice(paths),
            "list_price": {"amount": f"{price // 100}.{price % 100:02d}", "currency": "CNY"},
            "cost": {"amount": f"{price * 6 // 1000}.{price * 6 // 10 % 100:02d}",
                     "currency": "CNY"}})
        yield {**_product_to_document(product), "created_at": now, "updated_at": now}


def rule_payload(rng, product_ids, based, deal_share=0.05):
    """One rule as a client would send it."""
    roll = rng.random()
    if roll < 0.7:
        applies_to = {"kind": "product", "product_id": rng.choice(product_ids)}
    elif roll < 0.97:
        path = rng.choice(categories()).split("/")
        applies_to = {"kind": "category", "category": "/".join(path[:rng.randrange(1, 4)])}
    else:
        applies_to = {"kind": "all"}
    rule = {"applies_to": applies_to, "priority": rng.randrange(0, 5)}
    if rng.random() < 0.5:
        rule["min_quantity"] = str(rng.choice([5, 10, 20, 50, 100]))
    if rng.random() < 0.3:
        start = ON + timedelta(days=rng.randrange(-60, 30))
        rule["valid_from"] = start.isoformat()
        rule["valid_to"] = (start + timedelta(days=rng.randrange(10, 90))).isoformat()
    if rng.random() < deal_share:
        rule["deal_registration_id"] = f"reg-{rng.randrange(100)}"
    kind = rng.random()
    if based and kind < 0.5:
        rule.update(kind="formula", formula={
            "base": "price_list", "discount_percent": str(rng.randrange(0, 15)),
            "rounding": rng.choice(["0.01", "1", "10"]), "min_margin_percent": "5"})
    elif kind < 0.8:
        rule.update(kind="percent_discount", percent=f"{rng.randrange(0, 300) / 10}")
    elif kind < 0.9:
        rule.update(kind="formula", formula={"base": "cost", "surcharge": "10",
                                             "max_margin_percent": "80"})
    else:
        rule.update(kind="fixed_price",
                    amount={"amount": f"{rng.randrange(10, 5000)}.00", "currency": "CNY"})
    return rule


def store_rules(db, list_id, count, rng, product_ids, based):
    schema = PriceRuleCreateSchema()
    now = datetime.now(UTC)
    documents = [{**_to_storage(schema.load(rule_payload(rng, product_ids, based))),
                  "price_list_id": list_id, "created_at": now} for _ in range(count)]
    db.price_rules.insert_many(documents)
    db.price_lists.update_one({"_id": list_id},
                              {"$inc": {"revision": 1, "rule_count": count}})


def median_ms(call, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main(argv=None):
    args = parse_args(argv)
    check_broker(args.amqp_uri)
    with private_vhost(args.amqp_uri, "pricing") as (amqp_uri, _vhost):
        return measure(args, amqp_uri)


def measure(args, amqp_uri):
    rng = random.Random(args.seed)
    config = {"AMQP_URI": amqp_uri, "MONGO_URI": "mongomock://localhost"}
    container = ServiceContainer(QuotesService, config)
    try:
        container.start()
        mongo = next(extension for extension in container.extensions
                     if isinstance(extension, Mongo))
        db = mongo.db
        started = time.perf_counter()
        db.products.insert_many(list(product_documents(args.products, rng)))
        product_ids = [str(document["_id"]) for document in db.products.find({}, {"_id": 1})]
        with ServiceRpcProxy("quotes", config, timeout=120) as rpc:
            base = rpc.create_price_list({"name": "Base", "currency": "CNY"})
            distributor = rpc.create_price_list({"name": "Distributor", "currency": "CNY",
                                                 "based_on": base["id"]})
            reseller = rpc.create_price_list({"name": "Reseller", "currency": "CNY",
                                              "based_on": distributor["id"],
                                              "partner_tiers": ["gold"]})
            ids = {}
            for name, price_list, count, based in (
                    ("base", base, 1000, False), ("distributor", distributor, 1000, True),
                    ("reseller", reseller, args.rules - 1, True)):
                ids[name] = db.price_lists.find_one({"name": price_list["name"]})["_id"]
                store_rules(db, ids[name], count, rng, product_ids, based)
            rpc.add_price_rule(reseller["id"], rule_payload(rng, product_ids, True))
            print(f"products: {db.products.count_documents({})}")
            print(f"rules: {db.price_rules.count_documents({'price_list_id': ids['reseller']})} "
                  f"(+{db.price_rules.count_documents({}) - args.rules} in the chain below)")
            print(f"seed_s: {time.perf_counter() - started:.1f}")

            lines = [{"product_id": rng.choice(product_ids),
                      "quantity": str(rng.choice([1, 1, 2, 3, 5, 10, 25, 60, 120]))}
                     for _ in range(args.lines)]
            basket = {"lines": lines, "currency": "CNY", "price_list_id": reseller["id"],
                      "on": ON.isoformat(), "deal_registration_id": "reg-3"}

            # First over RPC: the service compiles the lists (nothing compiled yet).
            catalogue_store._books.clear()
            cold_started = time.perf_counter()
            priced = rpc.price_basket(basket)
            cold_ms = (time.perf_counter() - cold_started) * 1000

            # The pure engine, on lists compiled once.
            store = mongo.repository_cls(db)
            compile_ms = median_ms(lambda: [pricing.PriceBook(found, store.price_rules(
                found["_id"])) for found in store.based_on_chain(ids["reseller"])], 3)
            books = store.price_books(ids["reseller"])
            loaded = [{"product_id": line["product_id"], "quantity": Decimal(line["quantity"])}
                      for line in lines]
            products = store.products_for(loaded)

            def engine():
                return pricing.price_basket(loaded, products, books, currency="CNY", on=ON,
                                            price_list_id=reseller["id"],
                                            deal_registration_id="reg-3")

            engine()
            engine_ms = median_ms(engine, args.repeat)
            sources = [item["trace"]["base"]["source"] for item in engine()["lines"]]

            assert priced["total"]["amount"] == str(engine()["total"].amount)
            rpc.price_basket(basket)
            rpc_ms = median_ms(lambda: rpc.price_basket(basket), args.repeat)
            response_bytes = len(json.dumps(priced))

        print(f"lines: {len(lines)}")
        print(f"lines_priced_through_based_on: {sources.count('price_list')}")
        print(f"lines_at_list_price_or_rule: {len(sources) - sources.count('price_list')}")
        print(f"total: {priced['total']['amount']} {priced['total']['currency']}")
        print(f"response_bytes: {response_bytes}")
        print(f"compile_ms: {compile_ms:.0f}")
        print(f"rpc_cold_ms: {cold_ms:.0f}")
        print(f"engine_ms_per_quote: {engine_ms:.1f}")
        print(f"rpc_ms_per_quote: {rpc_ms:.1f}")
    finally:
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
