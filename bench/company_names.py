"""The conflict check's company-name decision on the labelled pairs, by class.

    .venv/bin/python bench/company_names.py [--wrong] [--threshold 0.85]
    .venv/bin/python bench/company_names.py --speed 100000 [--checks 200]

Prints precision, recall and F1 per class and overall for each batch of
tests/services/leads/company_name_pairs.py (tuning, held-out, held-out 2); the last
line is the headline figure: overall F1 on all pairs. ``--wrong`` lists the pairs decided wrongly.

``--speed N`` times the registration conflict check against N generated customers
(median and p95 per registration; the last line is the p95 in ms):
- ``store``: the opportunities repository's ``matching_accounts`` on the embedded
  engine (mongomock) plus ``find_conflicts``. mongomock has no query planner and scans
  every document whatever the indexes, so this grows with N; MongoDB answers the same
  query from the ``normalised_name`` index;
- ``indexed``: the same candidate selection over a sorted key list (bisect: what the
  index's range scan does) plus ``find_conflicts`` with its name parsing and scoring.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "services" / "leads"), str(ROOT / "services" / "common"),
                str(ROOT / "services" / "opportunities"),
                str(ROOT / "tests" / "services" / "leads")]

from company_name_pairs import HELD_OUT, HELD_OUT_2, PAIRS, TUNING  # noqa: E402

from leads.conflicts import DEFAULT_THRESHOLD, company_names_conflict  # noqa: E402


def scores(rows, threshold):
    """``(precision, recall, f1, n, wrong rows)`` of the rule on ``rows``."""
    tp = fp = fn = 0
    wrong = []
    for row in rows:
        _, first, second, same = row
        said = company_names_conflict(first, second, threshold)
        tp += said and same
        fp += said and not same
        fn += same and not said
        if said != same:
            wrong.append(row)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(rows), wrong


def reach(threshold):
    import re

    from leads.conflicts import candidate_prefix
    from sfa_common.company_names import candidate_pattern, normalise_company_name
    matched = [(a, b) for _, a, b, same in PAIRS
               if same and company_names_conflict(a, b, threshold)]
    found = sum(1 for a, b in matched if re.match(
        candidate_pattern(candidate_prefix(normalise_company_name(a))),
        normalise_company_name(b)))
    return f"{found}/{len(matched)}"


def report(title, rows, threshold, show_wrong):
    same = sum(1 for row in rows if row[3])
    print(f"\n{title}: {len(rows)} pairs ({same} same, {len(rows) - same} different)")
    print(f"  {'class':<16}{'n':>5}{'precision':>11}{'recall':>8}{'F1':>7}")
    for name in sorted({row[0] for row in rows}):
        p, r, f, n, _ = scores([row for row in rows if row[0] == name], threshold)
        print(f"  {name:<16}{n:>5}{p:>11.3f}{r:>8.3f}{f:>7.3f}")
    p, r, f, n, wrong = scores(rows, threshold)
    print(f"  {'overall':<16}{n:>5}{p:>11.3f}{r:>8.3f}{f:>7.3f}")
    if show_wrong:
        for kind, first, second, same in wrong:
            print(f"    wrong [{kind}] {first} / {second} (labelled "
                  f"{'same' if same else 'different'})")
    return f


_CORE_CHARS = ("华中国海天金宏瑞泰安信达恒盛源通宝丰鼎新联合创智博远星辰云航科润德美隆兴"
               "晨光明峰嘉华腾飞讯祥和久益佳汇铭康福振晟昊宇锦东南西北正信诚泽")
_TRADES = ("科技", "网络科技", "电子", "信息技术", "贸易", "物流", "医药", "建设", "实业",
           "电气", "食品", "文化传媒", "新能源", "智能装备", "环保科技", "生物科技")
_FORMS = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
_PLACES = ("北京", "上海市", "深圳市", "杭州市余杭区", "广东省佛山市顺德区", "苏州", "成都市",
           "", "", "")


def _names(count, rng):
    for _ in range(count):
        core = "".join(rng.choice(_CORE_CHARS) for _ in range(rng.choice((2, 2, 3, 4))))
        yield (rng.choice(_PLACES) + core + rng.choice(_TRADES) + rng.choice(_FORMS))


def speed(count, checks, threshold):
    import bisect
    import random
    import re
    import statistics
    import time

    import mongomock

    from leads.conflicts import find_conflicts
    from opportunities.dependencies import OpportunityRepository
    from opportunities.service import name_prefix
    from sfa_common.company_names import (
        candidate_pattern,
        company_name,
        normalise_company_name,
    )

    rng = random.Random(14)
    started = time.perf_counter()
    accounts = [{"name": name, "normalised_name": normalise_company_name(name)}
                for name in _names(count, rng)]
    print(f"normalised {count} names in {time.perf_counter() - started:.1f} s "
          f"(what recomputing stored keys costs)")
    db = mongomock.MongoClient().bench
    OpportunityRepository.ensure_indexes(db)
    db.accounts.insert_many([dict(account) for account in accounts])
    store = OpportunityRepository(db)
    keys = sorted((a["normalised_name"], i) for i, a in enumerate(accounts))
    by_key = {}
    for stored_key, index in keys:
        by_key.setdefault(stored_key, []).append(index)
    drafts = [rng.choice(accounts)["name"] + rng.choice(("上海分公司", "", "。"))
              for _ in range(checks)]

    def indexed(company):
        company_name.cache_clear()  # cold: every candidate's name is read again
        key = normalise_company_name(company)
        prefix = name_prefix(key)
        pattern = re.compile(candidate_pattern(prefix))
        # The index range scan: keys starting with the pattern's literal first character,
        # filtered by the pattern (the second character or a sound-alike), 50 at most.
        literal = prefix[:1] if len(prefix) == 2 and not prefix.isascii() else prefix
        # As matching_accounts: the same key first (its own index lookup), then the range.
        same = set(by_key.get(key, ()))
        found = [{"account_id": str(index), "name": accounts[index]["name"],
                  "normalised_name": key} for index in same]
        start = bisect.bisect_left(keys, (literal,))
        for stored_key, index in keys[start:]:
            if not stored_key.startswith(literal) or len(found) >= 50:
                break
            if index in same or not pattern.match(stored_key):
                continue
            account = accounts[index]
            found.append({"account_id": str(index), "name": account["name"],
                          "normalised_name": stored_key})
        draft = {"company": company, "normalised_company": key}
        return find_conflicts(draft, found, [], threshold)

    def through_store(company):
        company_name.cache_clear()
        key = normalise_company_name(company)
        found = [{"account_id": str(a["_id"]), "name": a["name"],
                  "normalised_name": a["normalised_name"]}
                 for a in store.matching_accounts(key, name_prefix(key), None, 50)]
        draft = {"company": company, "normalised_company": key}
        return find_conflicts(draft, found, [], threshold)

    results = {}
    for label, check, runs in (("indexed", indexed, drafts),
                               ("store (mongomock)", through_store, drafts[:20])):
        timings, hits = [], 0
        for company in runs:
            started = time.perf_counter()
            hits += bool(check(company))
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        results[label] = p95
        print(f"{label:<18} {len(runs)} checks over {count} customers: median "
              f"{statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
              f"{hits} found their customer")
    print(f"conflict check p95 per registration (indexed selection): {results['indexed']:.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong", action="store_true", help="list the wrong decisions")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--speed", type=int, metavar="N", help="time the conflict check "
                        "against N generated customers instead")
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    if args.speed:
        speed(args.speed, args.checks, args.threshold)
        return
    report("tuning batch", TUNING, args.threshold, args.wrong)
    report("held-out batch (seen once, three fixes since)", HELD_OUT, args.threshold,
           args.wrong)
    report("held-out batch 2 (unseen)", HELD_OUT_2, args.threshold, args.wrong)
    print(f"\ncandidate selection reaches {reach(args.threshold)} of the pairs the decision "
          f"matches (the store scores only what its indexed search returns)")
    _, _, f1, n, _ = scores(PAIRS, args.threshold)
    print(f"\noverall F1 on all {n} pairs (threshold {args.threshold}): {f1:.3f}")


if __name__ == "__main__":
    main()
