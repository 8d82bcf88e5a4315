"""The commission engine (pure) against tables worked out by hand.

Every expected figure below was computed on paper first; the comment above each test
is that working. Amounts are CNY (minor unit 0.01); rounding is half up at the places
``commission/engine.py`` names.
"""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commission.engine import EngineError, compute, delta, preview, totals, wins_by_payee
from sfa_common.money import Money

PERIOD = "2026-11"
REP = {"kind": "user", "id": "u1"}
PARTNER = {"kind": "partner_org", "id": "p1"}


def cny(amount):
    return Money(Decimal(amount), "CNY")


def at(day, month=11):
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


def win(opportunity_id, amount, day, month=11, owner_id="u1", splits=(), products=(),
        partner_org_id=None, currency="CNY"):
    return {"opportunity_id": opportunity_id, "name": f"Deal {opportunity_id}",
            "won_at": at(day, month), "amount": Money(Decimal(amount), currency),
            "owner_id": owner_id, "department_id": "d1", "splits": list(splits),
            "partner_org_id": partner_org_id, "products": list(products),
            "source_event_id": f"evt-{opportunity_id}"}


def split(user_id, percent, kind="revenue"):
    return {"user_id": user_id, "kind": kind, "percent": Decimal(percent)}


def product(sku, amount, category=None, cost=None):
    return {"sku": sku, "category": category, "quantity": Decimal(1), "amount": cny(amount),
            "cost": None if cost is None else cny(cost)}


def plan(**changes):
    document = {"_id": "plan-1", "name": "Reps 2026", "payee_kind": "rep", "currency": "CNY",
                "base": "amount", "rate_percent": None, "tiers": None, "product_rates": [],
                "bonuses": [], "clawback_window_days": 30}
    document.update(changes)
    if document["tiers"] is None and document["rate_percent"] is None:
        document["rate_percent"] = Decimal(5)
    return document


TIERS = [  # 2 % up to half the quota, 4 % up to the quota, 8 % above it (the accelerator)
    {"from_percent": Decimal(0), "to_percent": Decimal(50), "rate_percent": Decimal(2)},
    {"from_percent": Decimal(50), "to_percent": Decimal(100), "rate_percent": Decimal(4)},
    {"from_percent": Decimal(100), "to_percent": None, "rate_percent": Decimal(8)},
]
QUOTA = cny("100000.00")      # tier boundaries at 50,000.00 and 100,000.00


def summary(lines):
    return [(line["deal"]["opportunity_id"], line["rule"]["component"],
             line["tier"] and (str(line["tier"]["from_percent"]), str(line["tier"]["to_percent"])),
             str(line["portion"].amount), str(line["amount"].amount)) for line in lines]


def total(lines):
    return totals(lines, "CNY")[1].amount


# -- tiers ------------------------------------------------------------------------------

# Quota 100,000.00; tiers 0-50 % at 2 %, 50-100 % at 4 %, 100 %+ at 8 %.
# | deal | amount     | attainment before -> after | portion per tier              | pays     |
# | A    | 30,000.00  | 0 -> 30,000                | 30,000.00 @ 2 %               |   600.00 |
# | B    | 90,000.00  | 30,000 -> 120,000          | 20,000.00 @ 2 % =   400.00    |          |
# |      |            | (crosses 50,000 AND        | 50,000.00 @ 4 % = 2,000.00    |          |
# |      |            |  100,000: three portions)  | 20,000.00 @ 8 % = 1,600.00    | 4,000.00 |
# | C    | 10,000.01  | 120,000 -> 130,000.01      | 10,000.01 @ 8 % = 800.0008    |   800.00 |
# | total|                                                                         | 5,400.00 |
def test_a_deal_crossing_two_tier_boundaries_is_paid_in_three_portions():
    wins = [win("C", "10000.01", 20), win("B", "90000.00", 10), win("A", "30000.00", 3)]
    lines = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, wins)
    assert summary(lines) == [
        ("A", "tier", ("0", "50"), "30000.00", "600.00"),
        ("B", "tier", ("0", "50"), "20000.00", "400.00"),
        ("B", "tier", ("50", "100"), "50000.00", "2000.00"),
        ("B", "tier", ("100", "None"), "20000.00", "1600.00"),
        ("C", "tier", ("100", "None"), "10000.01", "800.00"),
    ]
    assert total(lines) == Decimal("5400.00")
    crossing = [line for line in lines if line["deal"]["opportunity_id"] == "B"]
    assert [(str(line["attainment"]["from_percent"]), str(line["attainment"]["to_percent"]))
            for line in crossing] == [("30.00", "50.00"), ("50.00", "100.00"),
                                      ("100.00", "120.00")]
    assert {line["rate_percent"] for line in crossing} == {Decimal(2), Decimal(4), Decimal(8)}
    assert all(line["credited_base"] == cny("90000.00") and line["split_percent"] == 100
               for line in crossing)


def test_the_order_the_wins_come_in_does_not_change_a_line():
    wins = [win("A", "30000.00", 3), win("B", "90000.00", 10), win("C", "10000.01", 20),
            win("B2", "500.00", 10)]   # same day as B: opportunity id breaks the tie
    forwards = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, wins)
    backwards = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, list(reversed(wins)))
    assert forwards == backwards
    assert [line["deal"]["opportunity_id"] for line in forwards][:5] == ["A", "B", "B", "B", "B2"]


# Accelerators only above the quota: 100,000 exactly reaches the top of tier 2.
# | deal | amount     | portions                                          | pays     |
# | A    | 100,000.00 | 50,000 @ 2 % = 1,000.00; 50,000 @ 4 % = 2,000.00  | 3,000.00 |
# | B    |       0.01 | 0.01 @ 8 % = 0.0008 -> 0.00 (half up)             |     0.00 |
# | C    |      12.50 | 12.50 @ 8 % = 1.00                                |     1.00 |
def test_the_accelerator_pays_only_what_lies_above_the_quota():
    wins = [win("A", "100000.00", 1), win("B", "0.01", 2), win("C", "12.50", 3)]
    lines = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, wins)
    assert summary(lines) == [
        ("A", "tier", ("0", "50"), "50000.00", "1000.00"),
        ("A", "tier", ("50", "100"), "50000.00", "2000.00"),
        ("B", "tier", ("100", "None"), "0.01", "0.00"),
        ("C", "tier", ("100", "None"), "12.50", "1.00"),
    ]


# Quota 1,000.01: boundaries 50 % = 500.005 -> 500.01, 100 % = 1,000.01 (rounded half up).
# | deal | amount   | portions                                             | pays  |
# | A    | 1,200.00 | 500.01 @ 2 % = 10.0002 -> 10.00                      |       |
# |      |          | 500.00 @ 4 % = 20.00                                 |       |
# |      |          | 199.99 @ 8 % = 15.9992 -> 16.00                      | 46.00 |
def test_tier_boundaries_round_half_up_to_the_cent():
    lines = compute(PERIOD, plan(tiers=TIERS), REP, cny("1000.01"), [win("A", "1200.00", 5)])
    assert summary(lines) == [
        ("A", "tier", ("0", "50"), "500.01", "10.00"),
        ("A", "tier", ("50", "100"), "500.00", "20.00"),
        ("A", "tier", ("100", "None"), "199.99", "16.00"),
    ]


def test_without_a_quota_a_tiered_plan_pays_the_first_tier_and_says_so():
    # 10,000.00 @ 2 % = 200.00; no quota to measure attainment against.
    lines = compute(PERIOD, plan(tiers=TIERS), REP, None, [win("A", "10000.00", 5)])
    assert summary(lines) == [("A", "tier", ("0", "50"), "10000.00", "200.00")]
    assert "No quota" in lines[0]["note"]


def test_a_quota_in_another_currency_is_refused():
    with pytest.raises(EngineError) as raised:
        compute(PERIOD, plan(tiers=TIERS), REP, Money("1000", "USD"), [])
    assert "quota_target" in raised.value.details


# -- flat rate and rounding -------------------------------------------------------------

# Flat 1 %: 12.50 -> 0.125 -> 0.13 (half up; banker's rounding would say 0.12);
#           12.49 -> 0.1249 -> 0.12.
def test_flat_rate_rounds_each_line_half_up():
    lines = compute(PERIOD, plan(rate_percent=Decimal(1)), REP, None,
                    [win("A", "12.50", 1), win("B", "12.49", 2)])
    assert summary(lines) == [("A", "flat", None, "12.50", "0.13"),
                              ("B", "flat", None, "12.49", "0.12")]
    assert lines[0]["key"] == "user:u1|A@2026-11-01T10:00:00Z|revenue|flat|rate"


def test_a_line_explains_itself():
    line = compute(PERIOD, plan(), REP, None, [win("A", "1000.00", 1)])[0]
    assert line["deal"] == {"opportunity_id": "A", "name": "Deal A", "won_at": at(1)}
    assert line["source_event_id"] == "evt-A"
    assert line["rule"]["plan_id"] == "plan-1" and line["rule"]["component"] == "flat"
    assert line["base"] == cny("1000.00") and line["base_kind"] == "amount"
    assert (line["rate_percent"], line["split_kind"], line["split_percent"]) == (5, "revenue", 100)
    assert line["amount"] == cny("50.00") and line["currency"] == "CNY"
    assert (line["owner_id"], line["department_id"], line["partner_org_id"]) == ("u1", "d1", None)


# -- splits -----------------------------------------------------------------------------

# Flat 5 % on 10,000.00 with u1 60 % revenue, u2 40 % revenue, u3 10 % overlay:
# | payee | credited  | pays   |
# | u1    | 6,000.00  | 300.00 |
# | u2    | 4,000.00  | 200.00 |  revenue splits pay 500.00 = 5 % of the deal
# | u3    | 1,000.00  |  50.00 |  the overlay is paid on top
def test_revenue_splits_share_the_deal_and_overlays_add_on_top():
    deal = win("A", "10000.00", 4, splits=[split("u1", 60), split("u2", 40),
                                           split("u3", 10, "overlay")])
    paid = {user: compute(PERIOD, plan(), {"kind": "user", "id": user}, None, [deal])
            for user in ("u1", "u2", "u3", "u4")}
    assert {user: [(line["split_kind"], str(line["credited_base"].amount),
                    str(line["amount"].amount)) for line in lines]
            for user, lines in paid.items()} == {
        "u1": [("revenue", "6000.00", "300.00")], "u2": [("revenue", "4000.00", "200.00")],
        "u3": [("overlay", "1000.00", "50.00")], "u4": []}
    assert paid["u2"][0]["department_id"] is None   # not the owner: their own department


# 100.00 split 33.33 / 33.33 / 33.34: credited 33.33, 33.33, 33.34 (nothing lost).
def test_split_credits_are_rounded_to_the_cent_and_add_up():
    deal = win("A", "100.00", 4, splits=[split("u1", "33.33"), split("u2", "33.33"),
                                         split("u3", "33.34")])
    credited = [compute(PERIOD, plan(rate_percent=Decimal(100)), {"kind": "user", "id": user},
                        None, [deal])[0]["credited_base"].amount for user in ("u1", "u2", "u3")]
    assert credited == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(credited) == Decimal("100.00")


def test_a_rep_with_a_revenue_and_an_overlay_split_gets_two_credits():
    deal = win("A", "1000.00", 4, splits=[split("u1", 100), split("u1", 20, "overlay")])
    lines = compute(PERIOD, plan(), REP, None, [deal])
    assert [(line["split_kind"], str(line["amount"].amount)) for line in lines] == [
        ("revenue", "50.00"), ("overlay", "10.00")]
    assert len({line["key"] for line in lines}) == 2


def test_splits_that_do_not_total_100_are_refused_naming_the_win():
    deal = win("A", "1000.00", 4, splits=[split("u1", 60), split("u2", 30)])
    with pytest.raises(EngineError) as raised:
        compute(PERIOD, plan(), REP, None, [win("Z", "1.00", 1), deal])
    assert list(raised.value.details) == ["wins.1.splits"]


# Tiers follow each payee's OWN attainment: u1 holds 60 % of a 100,000.00 deal.
# u1: credited 60,000.00 -> 50,000 @ 2 % = 1,000.00 + 10,000 @ 4 % = 400.00 -> 1,400.00
def test_a_split_share_is_laid_on_the_payees_own_attainment():
    deal = win("A", "100000.00", 4, splits=[split("u1", 60), split("u2", 40)])
    lines = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, [deal])
    assert summary(lines) == [("A", "tier", ("0", "50"), "50000.00", "1000.00"),
                              ("A", "tier", ("50", "100"), "10000.00", "400.00")]


def test_a_partner_organisation_is_credited_its_whole_deals():
    # Flat 10 %: p1's deal of 5,000.00 pays 500.00; p2's deal nothing to p1.
    partner_plan = plan(payee_kind="partner", rate_percent=Decimal(10))
    wins = [win("A", "5000.00", 2, partner_org_id="p1"), win("B", "7000.00", 3,
                                                            partner_org_id="p2")]
    lines = compute(PERIOD, partner_plan, PARTNER, None, wins)
    assert summary(lines) == [("A", "flat", None, "5000.00", "500.00")]
    assert (lines[0]["split_kind"], lines[0]["owner_id"], lines[0]["partner_org_id"]) == (
        "partner", None, "p1")


def test_wins_are_grouped_by_every_payee_they_credit():
    wins = [win("A", "1.00", 1, splits=[split("u1", 100), split("u9", 5, "overlay")],
                partner_org_id="p1"), win("B", "1.00", 2, owner_id="u2")]
    grouped = wins_by_payee(wins)
    assert {payee: [w["opportunity_id"] for w in found] for payee, found in grouped.items()} == {
        ("user", "u1"): ["A"], ("user", "u9"): ["A"], ("partner_org", "p1"): ["A"],
        ("user", "u2"): ["B"]}


# -- product and category rates ---------------------------------------------------------

# Flat 2 %; LIC-1 at 10 %, category services at 5 %. Deal 10,000.00, its products add up
# to 8,000.00, so each product's share is scaled by 10,000 / 8,000 = 1.25:
# | line  | category          | amount   | share     | rate | pays   |
# | LIC-1 | software/licences | 4,000.00 | 5,000.00  | 10 % | 500.00 |
# | SVC-1 | services/install  | 2,000.00 | 2,500.00  |  5 % | 125.00 |
# | HW-1  | hardware          | 2,000.00 | (rest)    |      |        |
# | rest  | 10,000 - 7,500    |          | 2,500.00  |  2 % |  50.00 |  total 675.00
def test_product_and_category_rates_replace_the_rate_for_their_share():
    rated = plan(rate_percent=Decimal(2), product_rates=[
        {"sku": "LIC-1", "category": None, "rate_percent": Decimal(10)},
        {"sku": None, "category": "services", "rate_percent": Decimal(5)}])
    deal = win("A", "10000.00", 6, products=[
        product("LIC-1", "4000.00", "software/licences"),
        product("SVC-1", "2000.00", "services/install"), product("HW-1", "2000.00", "hardware")])
    lines = compute(PERIOD, rated, REP, None, [deal])
    assert summary(lines) == [("A", "flat", None, "2500.00", "50.00"),
                              ("A", "product_rate", None, "5000.00", "500.00"),
                              ("A", "product_rate", None, "2500.00", "125.00")]
    assert [(line["rule"]["sku"], line["rule"]["category"]) for line in lines[1:]] == [
        ("LIC-1", None), (None, "services")]
    assert total(lines) == Decimal("675.00")


# Tiered (quota 100,000.00) with LIC-1 at 10 %:
# | deal | amount    | rest first on the axis          | product share        | pays     |
# | A    | 80,000.00 | 60,000: 50,000 @ 2 % = 1,000.00 | LIC-1 20,000 @ 10 %  |          |
# |      | LIC-1 20k |         10,000 @ 4 % =   400.00 |       = 2,000.00     | 3,400.00 |
# | B    | 30,000.00 | 80,000 -> 110,000 (the product share counted toward attainment):  |
# |      |           | 20,000 @ 4 % = 800.00; 10,000 @ 8 % = 800.00           | 1,600.00 |
def test_product_rated_shares_count_toward_attainment():
    rated = plan(tiers=TIERS, product_rates=[
        {"sku": "LIC-1", "category": None, "rate_percent": Decimal(10)}])
    wins = [win("A", "80000.00", 1, products=[product("LIC-1", "20000.00"),
                                              product("HW-1", "60000.00")]),
            win("B", "30000.00", 2)]
    assert summary(compute(PERIOD, rated, REP, QUOTA, wins)) == [
        ("A", "tier", ("0", "50"), "50000.00", "1000.00"),
        ("A", "tier", ("50", "100"), "10000.00", "400.00"),
        ("A", "product_rate", None, "20000.00", "2000.00"),
        ("B", "tier", ("50", "100"), "20000.00", "800.00"),
        ("B", "tier", ("100", "None"), "10000.00", "800.00"),
    ]


# -- margin base ------------------------------------------------------------------------

# Margin base, flat 10 %; B at 20 %. Deal 10,000.00:
# | line | amount   | cost     | margin   | rate | pays   |
# | A    | 6,000.00 | 4,000.00 | (rest)   |      |        |
# | B    | 4,000.00 | 1,000.00 | 3,000.00 | 20 % | 600.00 |
# | base = 10,000 - 5,000 = 5,000.00; rest 2,000.00 @ 10 % = 200.00        total 800.00
def test_margin_base_is_the_amount_less_the_products_cost():
    margin = plan(base="margin", rate_percent=Decimal(10), product_rates=[
        {"sku": "B", "category": None, "rate_percent": Decimal(20)}])
    deal = win("A", "10000.00", 6, products=[product("A", "6000.00", cost="4000.00"),
                                             product("B", "4000.00", cost="1000.00")])
    lines = compute(PERIOD, margin, REP, None, [deal])
    assert summary(lines) == [("A", "flat", None, "2000.00", "200.00"),
                              ("A", "product_rate", None, "3000.00", "600.00")]
    assert {(line["base"], line["base_kind"]) for line in lines} == {(cny("5000.00"), "margin")}


def test_without_a_cost_the_margin_base_is_zero_and_the_line_says_so():
    deal = win("A", "10000.00", 6, products=[product("A", "6000.00", cost="4000.00"),
                                             product("B", "4000.00")])
    for chosen in (plan(base="margin"), plan(base="margin", tiers=TIERS)):
        lines = compute(PERIOD, chosen, REP, QUOTA, [deal, win("N", "5.00", 7)])
        assert [(line["deal"]["opportunity_id"], str(line["amount"].amount)) for line in lines] \
            == [("A", "0.00"), ("N", "0.00")]
        assert all("Margin base unavailable" in line["note"] for line in lines)


def test_a_deal_in_another_currency_is_excluded_with_a_reason():
    lines = compute(PERIOD, plan(), REP, None, [win("A", "100.00", 1, currency="USD")])
    assert [(line["rule"]["component"], line["amount"]) for line in lines] == [
        ("excluded", cny("0"))]
    assert "USD" in lines[0]["note"]


# -- bonuses ----------------------------------------------------------------------------

SPIFF = {"name": "Q4 licences", "amount": cny("1000.00"), "condition": {
    "sku": "LIC-1", "category": None, "min_deal_amount": cny("5000.00"),
    "valid_from": datetime(2026, 11, 1, tzinfo=UTC),
    "valid_to": datetime(2026, 11, 15, tzinfo=UTC)}}


# SPIFF 1,000.00 for a deal selling LIC-1, at least 5,000.00, won 1-15 November.
# | deal | why                         | u1 (60 % revenue) | u2 (40 %) | u3 (overlay) |
# | A    | qualifies (won 11-15)       | 600.00            | 400.00    | -            |
# | B    | won 11-16: too late         | -                 |           |              |
# | C    | 4,999.99: below the minimum | -                 |           |              |
# | D    | no LIC-1                    | -                 |           |              |
def test_a_bonus_is_paid_once_per_qualifying_deal_shared_by_revenue_splits():
    bonus_plan = plan(rate_percent=Decimal(0), bonuses=[SPIFF])
    splits = [split("u1", 60), split("u2", 40), split("u3", 10, "overlay")]
    licence = [product("LIC-1", "1.00")]
    wins = [win("A", "5000.00", 15, splits=splits, products=licence),
            win("B", "9000.00", 16, splits=splits, products=licence),
            win("C", "4999.99", 2, splits=splits, products=licence),
            win("D", "9000.00", 3, splits=splits, products=[product("HW-1", "1.00")])]
    bonuses = {user: [(line["deal"]["opportunity_id"], str(line["amount"].amount))
                      for line in compute(PERIOD, bonus_plan, {"kind": "user", "id": user},
                                          None, wins) if line["rule"]["component"] == "bonus"]
               for user in ("u1", "u2", "u3")}
    assert bonuses == {"u1": [("A", "600.00")], "u2": [("A", "400.00")], "u3": []}


def test_a_category_bonus_counts_subcategories_and_a_partner_takes_it_whole():
    bonus = {"name": "Cloud push", "amount": cny("250.00"), "condition": {"category": "cloud"}}
    partner_plan = plan(payee_kind="partner", rate_percent=Decimal(0), bonuses=[bonus])
    wins = [win("A", "10.00", 1, partner_org_id="p1", products=[product("X", "1", "cloud/iaas")]),
            win("B", "10.00", 2, partner_org_id="p1", products=[product("Y", "1", "cloudy")])]
    lines = [line for line in compute(PERIOD, partner_plan, PARTNER, None, wins)
             if line["rule"]["component"] == "bonus"]
    assert [(line["deal"]["opportunity_id"], line["amount"]) for line in lines] == [
        ("A", cny("250.00"))]


# -- clawbacks --------------------------------------------------------------------------

def test_a_win_reversed_inside_the_window_is_clawed_back_line_by_line():
    # Won 2026-10-20 (October, already paid there: 50,000 @ 2 % = 1,000.00 plus
    # 40,000 @ 4 % = 1,600.00, together 2,600.00),
    # reopened 2026-11-10, 21 days later, inside the 30-day window: every October line
    # is negated in November.
    october = compute("2026-10", plan(tiers=TIERS), REP, QUOTA, [win("B", "90000.00", 20, 10)])
    assert total(october) == Decimal("2600.00")
    reversal = {"opportunity_id": "B", "won_at": at(20, 10), "reversed_at": at(10),
                "source_event_id": "evt-reopen", "lines": october}
    lines = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, [], [reversal])
    assert [(line["rule"]["component"], str(line["amount"].amount), line["rule"]["reverses"])
            for line in lines] == [("clawback", "-1000.00", october[0]["key"]),
                                   ("clawback", "-1600.00", october[1]["key"])]
    assert all(line["period"] == PERIOD and line["source_event_id"] == "evt-reopen"
               and "21 days" in line["note"] for line in lines)
    assert total(lines) == Decimal("-2600.00")


def test_a_win_reversed_after_the_window_keeps_its_commission():
    october = compute("2026-10", plan(), REP, None, [win("B", "1000.00", 20, 10)])
    late = {"opportunity_id": "B", "won_at": at(20, 10), "reversed_at": at(20),
            "source_event_id": "evt-late", "lines": october}   # 31 days: outside 30
    assert compute(PERIOD, plan(), REP, None, [], [late]) == []
    edge = {**late, "reversed_at": at(19)}                        # 30 days: inside
    assert total(compute(PERIOD, plan(), REP, None, [], [edge])) == Decimal("-50.00")


def test_a_win_reversed_in_its_own_period_nets_to_zero():
    reversal = {"opportunity_id": "A", "won_at": at(2), "reversed_at": at(5),
                "source_event_id": "evt-reopen"}
    lines = compute(PERIOD, plan(), REP, None, [win("A", "1000.00", 2)], [reversal])
    assert [str(line["amount"].amount) for line in lines] == ["50.00", "-50.00"]
    assert lines[1]["key"] == lines[0]["key"] + "|clawback"


# -- deltas -----------------------------------------------------------------------------

def test_deltas_write_new_lines_once_and_nothing_on_a_rerun():
    desired = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA,
                      [win("A", "30000.00", 3), win("B", "90000.00", 10)])
    first = delta([], desired)
    assert [row["seq"] for row in first] == [0] * len(desired)
    assert delta(first, desired) == []
    assert delta(first, compute(PERIOD, plan(tiers=TIERS), REP, QUOTA,
                                [win("B", "90000.00", 10), win("A", "30000.00", 3)])) == []


def test_a_changed_computation_writes_only_the_difference_per_key():
    before = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA, [win("B", "90000.00", 10)])
    stored = delta([], before)
    # A 30,000.00 deal won earlier arrives late: B's portions move up the tiers.
    # B before: 50,000 @ 2 % = 1,000 | 40,000 @ 4 % = 1,600
    # B after:  20,000 @ 2 % =   400 | 50,000 @ 4 % = 2,000 | 20,000 @ 8 % = 1,600
    after = compute(PERIOD, plan(tiers=TIERS), REP, QUOTA,
                    [win("A", "30000.00", 3), win("B", "90000.00", 10)])
    rows = delta(stored, after)
    assert [(row["deal"]["opportunity_id"], row["key"].rsplit("|", 1)[1], row["seq"],
             str(row["amount"].amount)) for row in rows] == [
        ("A", "0-50", 0, "600.00"),
        ("B", "0-50", 1, "-600.00"),
        ("B", "50-100", 1, "400.00"),
        ("B", "100-", 0, "1600.00"),
    ]
    stored += rows
    assert delta(stored, after) == []
    by_key = {}
    for row in stored:
        by_key[row["key"]] = by_key.get(row["key"], Decimal(0)) + row["amount"].amount
    assert by_key == {line["key"]: line["amount"].amount for line in after}
    assert total(stored) == total(after) == Decimal("4600.00")


def test_a_line_no_longer_due_is_reversed_by_the_delta_once():
    stored = delta([], compute(PERIOD, plan(), REP, None, [win("A", "1000.00", 2)]))
    rows = delta(stored, [])
    assert [(row["seq"], row["amount"]) for row in rows] == [(1, cny("-50.00"))]
    assert delta(stored + rows, []) == []


def test_deltas_read_stored_money_documents():
    stored = [{**row, "amount": row["amount"].to_document(),
               "portion": row["portion"].to_document()}
              for row in delta([], compute(PERIOD, plan(), REP, None, [win("A", "10.00", 2)]))]
    assert delta(stored, compute(PERIOD, plan(), REP, None, [win("A", "10.00", 2)])) == []


# -- preview ----------------------------------------------------------------------------

# Current wins put u1 at 90,000 of 100,000. A what-if 30,000.00 deal:
# 10,000 @ 4 % = 400.00 + 20,000 @ 8 % = 1,600.00 -> 2,000.00; attainment 90 % -> 120 %.
def test_a_preview_prices_a_deal_on_top_of_the_current_wins():
    current = [win("A", "90000.00", 3)]
    deal = {"opportunity_id": "preview", "name": "What if", "amount": cny("30000.00"),
            "won_at": None, "owner_id": "u1", "splits": [], "products": [],
            "partner_org_id": None}
    result = preview(PERIOD, plan(tiers=TIERS), REP, QUOTA, current, deal)
    assert summary(result["lines"]) == [
        ("preview", "tier", ("50", "100"), "10000.00", "400.00"),
        ("preview", "tier", ("100", "None"), "20000.00", "1600.00")]
    assert result["total"] == cny("2000.00") and result["totals"] == {"tier": cny("2000.00")}
    assert (result["attainment_before_percent"], result["attainment_after_percent"]) == (
        Decimal("90.00"), Decimal("120.00"))


# -- properties -------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=50_000_000))
def test_tier_portions_always_add_up_to_the_credited_base(cents, quota_cents):
    wins = [win(f"D{n:02d}", Decimal(amount).scaleb(-2), 1 + n) for n, amount in enumerate(cents)]
    lines = compute(PERIOD, plan(tiers=TIERS), REP, cny(Decimal(quota_cents).scaleb(-2)), wins)
    assert sum(line["portion"].amount for line in lines) == sum(Decimal(c) for c in cents) / 100
    # Marginal tiers: splitting the same revenue into deals never changes the rate a
    # portion is paid at, so the total differs from one big deal by rounding only.
    one = compute(PERIOD, plan(tiers=TIERS), REP, cny(Decimal(quota_cents).scaleb(-2)),
                  [win("ALL", Decimal(sum(cents)).scaleb(-2), 1)])
    assert abs(total(lines) - total(one)) <= Decimal("0.01") * (len(lines) + len(one))


# A plan closed at the top (0-50 % at 2 %, 50-100 % at 4 %, nothing above) caps the pay.
# Deal 120,000.00 on a 100,000.00 quota: 50,000 @ 2 % = 1,000.00; 50,000 @ 4 % = 2,000.00;
# 20,000.00 above the cap, shown at 0 %.
def test_a_plan_closed_at_the_top_shows_what_lies_above_it_unpaid():
    capped = plan(tiers=[{**TIERS[0]}, {**TIERS[1]}])
    lines = compute(PERIOD, capped, REP, QUOTA, [win("A", "120000.00", 1)])
    assert summary(lines) == [("A", "tier", ("0", "50"), "50000.00", "1000.00"),
                              ("A", "tier", ("50", "100"), "50000.00", "2000.00"),
                              ("A", "tier", ("100", "None"), "20000.00", "0.00")]
    assert "not paid" in lines[2]["note"] and lines[2]["key"].endswith("|tier|100-cap")


def test_every_line_dumps_through_the_ledger_contract():
    from sfa_common.contracts.commission import LedgerLineSchema
    lines = compute(PERIOD, plan(tiers=TIERS, bonuses=[SPIFF]), REP, QUOTA,
                    [win("A", "90000.00", 3, products=[product("LIC-1", "1.00")])])
    dumped = LedgerLineSchema(many=True).dump(delta([], lines))
    assert [line["rule"]["component"] for line in dumped] == ["tier", "tier", "bonus"]
    assert dumped[0]["amount"] == {"amount": "1000.00", "currency": "CNY"}
    assert dumped[1]["tier"] == {"from_percent": "50", "to_percent": "100"}
    assert dumped[0]["deal"]["won_at"] == "2026-11-03T10:00:00Z" and dumped[0]["seq"] == 0


# Two lines of LIC-1 (3,000.00 and 1,000.00) and two in category services make ONE
# line per rate: LIC-1 4,000.00 @ 10 % = 400.00; services 2,000.00 @ 5 % = 100.00;
# the rest 0 of a 6,000.00 deal -> no flat line at all.
def test_lines_sharing_a_rate_are_paid_as_one_share():
    rated = plan(rate_percent=Decimal(2), product_rates=[
        {"sku": "LIC-1", "category": None, "rate_percent": Decimal(10)},
        {"sku": None, "category": "services", "rate_percent": Decimal(5)}])
    deal = win("A", "6000.00", 6, products=[
        product("LIC-1", "3000.00"), product("SVC-1", "1500.00", "services/install"),
        product("LIC-1", "1000.00"), product("SVC-2", "500.00", "services")])
    lines = compute(PERIOD, rated, REP, None, [deal])
    assert summary(lines) == [("A", "product_rate", None, "4000.00", "400.00"),
                              ("A", "product_rate", None, "2000.00", "100.00")]
    assert len(delta([], lines)) == 2


def test_a_win_read_back_from_storage_keys_the_same_lines():
    # BSON keeps milliseconds and some drivers hand back naive UTC datetimes: the
    # stored win must key the very lines the event's win did, or a delta pays twice.
    fresh = win("A", "1000.00", 1)
    fresh["won_at"] = fresh["won_at"].replace(microsecond=123456)
    stored = {**fresh, "won_at": fresh["won_at"].replace(microsecond=123000, tzinfo=None)}
    first = compute(PERIOD, plan(), REP, None, [fresh])
    assert delta(delta([], first), compute(PERIOD, plan(), REP, None, [stored])) == []
    assert first[0]["key"] == "user:u1|A@2026-11-01T10:00:00.123000Z|revenue|flat|rate"
