"""The conflict check's company-name decision on the labelled pairs, by class.

    .venv/bin/python bench/company_names.py [--wrong] [--threshold 0.85]

Prints precision, recall and F1 per class and overall for each batch of
tests/services/leads/company_name_pairs.py (tuning, held-out, held-out 2); the last
line is the headline figure: overall F1 on all pairs. ``--wrong`` lists the pairs decided wrongly.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "services" / "leads"), str(ROOT / "services" / "common"),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong", action="store_true", help="list the wrong decisions")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    report("tuning batch", TUNING, args.threshold, args.wrong)
    report("held-out batch (seen once, three fixes since)", HELD_OUT, args.threshold,
           args.wrong)
    report("held-out batch 2 (unseen)", HELD_OUT_2, args.threshold, args.wrong)
    _, _, f1, n, _ = scores(PAIRS, args.threshold)
    print(f"\noverall F1 on all {n} pairs (threshold {args.threshold}): {f1:.3f}")


if __name__ == "__main__":
    main()
