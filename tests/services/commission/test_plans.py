"""Commission plans: the contract refuses bad plans naming the field, and the engine
checks a stored plan again before paying from it."""
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from commission.plans import Plan, validate_plan
from sfa_common.contracts.commission import (
    AssignmentCreateSchema,
    PlanCreateSchema,
    PlanUpdateSchema,
    check_tiers,
)
from sfa_common.errors import ValidationFailed


def tier(start, end, rate="2"):
    return {"from_percent": start, "to_percent": end, "rate_percent": rate}


def payload(**changes):
    plan = {"name": "Reps", "payee_kind": "rep", "currency": "CNY",
            "tiers": [tier("0", "50"), tier("50", "100", "4"), tier("100", None, "8")]}
    plan.update(changes)
    return plan


def test_a_tiered_plan_loads_with_its_defaults():
    plan = PlanCreateSchema().load(payload())
    assert (plan["base"], plan["rate_percent"], plan["clawback_window_days"]) == ("amount",
                                                                                 None, 90)
    assert plan["tiers"][2] == {"from_percent": Decimal(100), "to_percent": None,
                                "rate_percent": Decimal(8)}
    assert Plan.from_document({**plan, "_id": "p"}).tiered


@pytest.mark.parametrize("tiers, message", [
    ([tier("0", "60"), tier("50", None)], "Tiers overlap: 0-60 % and the next from 50 %."),
    ([tier("0", "50"), tier("60", None)], "Gap between 50 % and 60 %"),
    ([tier("10", "50"), tier("50", None)], "The first tier must start at 0 %"),
    ([tier("0", None), tier("50", None)], "Only the last tier may be open-ended"),
    ([tier("0", "50"), tier("50", "50"), tier("50", None)], "must end above where it starts"),
    ([tier("0", "50"), tier("50", "100")], None),          # closed at the top: allowed
    ([], "Give at least one tier."),
])
def test_tiers_must_start_at_zero_and_be_contiguous(tiers, message):
    problems = check_tiers([{key: None if value is None else Decimal(value)
                             for key, value in t.items()} for t in tiers])
    if message is None:
        assert problems == []
    else:
        assert any(message in problem for problem in problems), problems


@pytest.mark.parametrize("tiers", [
    [tier("0", "60"), tier("50", None)],                   # overlap
    [tier("0", "50"), tier("60", None)],                   # gap
])
def test_a_plan_with_bad_tiers_is_refused_naming_tiers(tiers):
    with pytest.raises(ValidationError) as raised:
        PlanCreateSchema().load(payload(tiers=tiers))
    assert list(raised.value.messages) == ["tiers"]
    with pytest.raises(ValidationError) as raised:
        PlanUpdateSchema().load({"tiers": tiers})
    assert list(raised.value.messages) == ["tiers"]


def test_tiers_given_out_of_order_are_checked_in_order():
    plan = PlanCreateSchema().load(payload(tiers=[tier("50", None, "4"), tier("0", "50")]))
    assert [t.from_percent for t in Plan.from_document(plan).tiers] == [0, 50]


@pytest.mark.parametrize("changes, field", [
    ({"rate_percent": "5"}, "rate_percent"),                       # flat AND tiers
    ({"tiers": None}, "rate_percent"),                             # neither
    ({"rate_percent": "101", "tiers": None}, "rate_percent"),
    ({"base": "profit"}, "base"),
    ({"payee_kind": "manager"}, "payee_kind"),
    ({"currency": "cny"}, "currency"),
    ({"clawback_window_days": -1}, "clawback_window_days"),
    ({"product_rates": [{"rate_percent": "5"}]}, "product_rates"),
    ({"product_rates": [{"sku": "A-1", "category": "x", "rate_percent": "5"}]},
     "product_rates"),
    ({"product_rates": [{"sku": "A-1", "rate_percent": "5"},
                        {"sku": "A-1", "rate_percent": "6"}]}, "product_rates"),
    ({"bonuses": [{"name": "B", "amount": {"amount": "10", "currency": "USD"}}]},
     "bonuses.0.amount"),
    ({"bonuses": [{"name": "B", "amount": {"amount": "10", "currency": "CNY"}},
                  {"name": "B", "amount": {"amount": "20", "currency": "CNY"}}]}, "bonuses"),
    ({"bonuses": [{"name": "B", "amount": {"amount": "10", "currency": "CNY"}, "condition": {
        "valid_from": "2026-11-30", "valid_to": "2026-11-01"}}]}, "bonuses"),
    ({"tiers": [tier("0", None, "-1")]}, "tiers"),
    ({"surprise": 1}, "surprise"),
])
def test_a_bad_plan_is_refused_naming_the_field(changes, field):
    with pytest.raises(ValidationError) as raised:
        PlanCreateSchema().load(payload(**changes))
    assert field in raised.value.messages, raised.value.messages


def test_a_change_names_only_what_it_changes_and_keeps_currency_fixed():
    assert PlanUpdateSchema().load({"clawback_window_days": 10}) == {"clawback_window_days": 10}
    with pytest.raises(ValidationError) as raised:
        PlanUpdateSchema().load({"currency": "USD"})
    assert "currency" in raised.value.messages


def test_the_engine_refuses_a_stored_plan_that_is_not_payable():
    stored = {"_id": "p", "name": "Broken", "payee_kind": "rep", "currency": "CNY",
              "base": "amount", "rate_percent": None, "product_rates": [], "bonuses": [],
              "tiers": [{"from_percent": Decimal(0), "to_percent": Decimal(40),
                         "rate_percent": Decimal(2)},
                        {"from_percent": Decimal(50), "to_percent": None,
                         "rate_percent": Decimal(4)}]}
    with pytest.raises(ValidationFailed) as raised:
        validate_plan(stored)
    assert list(raised.value.details) == ["tiers"]
    with pytest.raises(ValidationFailed):
        Plan.from_document(stored)


def test_a_sku_rate_beats_a_category_rate_and_the_deepest_category_wins():
    plan = Plan.from_document(PlanCreateSchema().load(payload(product_rates=[
        {"category": "hardware", "rate_percent": "3"},
        {"category": "hardware/servers", "rate_percent": "4"},
        {"sku": "SRV-1", "rate_percent": "9"}])))
    assert plan.product_rate({"sku": "SRV-1", "category": "hardware/servers"}) == (
        Decimal(9), ("sku", "SRV-1"))
    assert plan.product_rate({"sku": "SRV-2", "category": "hardware/servers/gpu"}) == (
        Decimal(4), ("category", "hardware/servers"))
    assert plan.product_rate({"sku": "NET-1", "category": "hardware/network"}) == (
        Decimal(3), ("category", "hardware"))
    assert plan.product_rate({"sku": "SW-1", "category": "hardwareish"}) is None


def test_an_assignment_ends_no_earlier_than_it_starts():
    loaded = AssignmentCreateSchema().load({
        "plan_id": "0" * 24, "payee_kind": "partner_org", "payee_id": "p1",
        "effective_from": "2026-11-01"})
    assert loaded["effective_to"] is None
    with pytest.raises(ValidationError) as raised:
        AssignmentCreateSchema().load({"plan_id": "x", "payee_kind": "team", "payee_id": "p1",
                                       "effective_from": "2026-11-02",
                                       "effective_to": "2026-11-01"})
    assert set(raised.value.messages) == {"plan_id", "payee_kind"}
    with pytest.raises(ValidationError) as raised:
        AssignmentCreateSchema().load({"plan_id": "0" * 24, "payee_kind": "user",
                                       "payee_id": "u1", "effective_from": "2026-11-02",
                                       "effective_to": "2026-11-01"})
    assert list(raised.value.messages) == ["effective_to"]
