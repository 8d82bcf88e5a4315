"""Plans and assignments over the real broker: bad plans refused naming the field with
nothing saved, overlapping assignments of one payee refused, concurrent-safe updates."""
import pytest
from commission_support import FLAT_PARTNER_PLAN, TIERED_REP_PLAN
from support import stored

from sfa_common.errors import Conflict, NotFound, ValidationFailed


def test_a_plan_is_stored_and_read_back(ledger_proxy):
    created = ledger_proxy.create_plan(TIERED_REP_PLAN, "ops")
    assert ledger_proxy.get_plan(created["id"]) == created
    assert created["tiers"][2] == {"from_percent": "100", "to_percent": None,
                                   "rate_percent": "15"}
    assert [plan["name"] for plan in ledger_proxy.list_plans({})["items"]] == ["Reps 2026"]
    assert ledger_proxy.list_plans({"payee_kind": "partner"})["items"] == []


@pytest.mark.parametrize("tiers", [
    [{"from_percent": "0", "to_percent": "60", "rate_percent": "5"},       # overlap
     {"from_percent": "50", "to_percent": None, "rate_percent": "10"}],
    [{"from_percent": "0", "to_percent": "50", "rate_percent": "5"},       # gap
     {"from_percent": "60", "to_percent": None, "rate_percent": "10"}],
])
def test_a_plan_whose_tiers_overlap_or_leave_a_gap_is_refused(ledger, ledger_proxy, tiers):
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.create_plan({**TIERED_REP_PLAN, "tiers": tiers}, "ops")
    assert set(raised.value.details) == {"tiers"}
    assert stored(ledger, "plans").count_documents({}) == 0


def test_an_update_is_checked_in_full_and_bumps_the_revision(ledger, ledger_proxy):
    plan = ledger_proxy.create_plan(TIERED_REP_PLAN, "ops")
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.update_plan(plan["id"], {"tiers": [
            {"from_percent": "10", "to_percent": None, "rate_percent": "5"}]}, "ops")
    assert set(raised.value.details) == {"tiers"}
    changed = ledger_proxy.update_plan(plan["id"], {"rate_percent": "7"}, "ops")
    assert (changed["rate_percent"], changed["tiers"], changed["revision"]) == ("7", None, 1)
    with pytest.raises(NotFound):
        ledger_proxy.update_plan("0" * 24, {"name": "x"}, "ops")


def test_assignments_of_one_payee_never_overlap(ledger, ledger_proxy):
    plan = ledger_proxy.create_plan(TIERED_REP_PLAN, "ops")

    def assign(start, end=None, payee="u1"):
        return ledger_proxy.assign_plan({"plan_id": plan["id"], "payee_kind": "user",
                                         "payee_id": payee, "effective_from": start,
                                         "effective_to": end}, "ops", "d1")

    first = assign("2026-01-01", "2026-06-30")
    assert (first["plan_name"], first["effective_to"]) == ("Reps 2026", "2026-06-30")
    assign("2026-07-01")
    for start, end in (("2026-06-30", "2026-06-30"), ("2025-01-01", None),
                       ("2027-01-01", None)):
        with pytest.raises(Conflict) as raised:
            assign(start, end)
        assert set(raised.value.details) == {"effective_from"}
    assign("2026-03-01", payee="u2")                       # another payee: fine
    assert [item["effective_from"] for item in ledger_proxy.list_assignments(
        {"payee_id": "u1"})["items"]] == ["2026-01-01", "2026-07-01"]
    assert [item["payee_id"] for item in ledger_proxy.list_assignments(
        {"on": "2026-03-15"})["items"]] == ["u1", "u2"]


def test_an_assignment_must_fit_the_plan(ledger, ledger_proxy):
    partner_plan = ledger_proxy.create_plan(FLAT_PARTNER_PLAN, "ops")
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.assign_plan({"plan_id": partner_plan["id"], "payee_kind": "user",
                                  "payee_id": "u1", "effective_from": "2026-01-01"}, "ops")
    assert set(raised.value.details) == {"payee_kind"}
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.assign_plan({"plan_id": "0" * 24, "payee_kind": "partner_org",
                                  "payee_id": "p1", "effective_from": "2026-01-01"}, "ops")
    assert set(raised.value.details) == {"plan_id"}
    with pytest.raises(ValidationFailed) as raised:
        ledger_proxy.assign_plan({"plan_id": partner_plan["id"], "payee_kind": "partner_org",
                                  "payee_id": "p1", "effective_from": "2026-02-01",
                                  "effective_to": "2026-01-01"}, "ops")
    assert set(raised.value.details) == {"effective_to"}
    assert stored(ledger, "assignments").count_documents({}) == 0
