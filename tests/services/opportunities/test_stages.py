"""The pipeline setting and the stage rules (pure): create, move, reopen, revise."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bson import ObjectId

from opportunities import stages
from opportunities.stages import Pipeline
from sfa_common.contracts.opportunities import ReopenSchema, StageMoveSchema
from sfa_common.errors import Conflict, ValidationFailed
from sfa_common.money import Money

PIPELINE = Pipeline.parse("qualify:10,proposal:50,negotiation:75")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=10, hours=1)


def link(competitor_id, status="competing"):
    return {"competitor_id": competitor_id, "name": competitor_id.upper(), "status": status,
            "note": None, "linked_at": CREATED, "linked_by": "u1"}


def entry(stage, probability):
    return {"stage": stage, "probability": probability, "entered_at": CREATED,
            "actor_id": "u1", "note": None}


def opportunity(**fields):
    """A stored opportunity at proposal with competitors c1 and c2 linked."""
    return {"_id": ObjectId(), "stage": "proposal", "status": "open", "probability": 50,
            "amount": Money("1000.00", "CNY"), "owner_id": "u1", "splits": [], "products": [],
            "partner_org_id": None, "created_at": CREATED, "competitors": [link("c1"), link("c2")],
            "stage_history": [entry("qualify", 10), entry("proposal", 50)],
            "reopened_count": 0, "closed_at": None, "lost_to_competitor_id": None, **fields}


def move(**fields):
    return StageMoveSchema().load(fields)


# -- the pipeline setting ------------------------------------------------------------------

def test_the_setting_lists_open_stages_in_order_and_won_and_lost_close_them():
    assert PIPELINE.describe() == {"stages": [
        {"key": "qualify", "kind": "open", "probability": 10},
        {"key": "proposal", "kind": "open", "probability": 50},
        {"key": "negotiation", "kind": "open", "probability": 75},
        {"key": "won", "kind": "won", "probability": 100},
        {"key": "lost", "kind": "lost", "probability": 0}]}
    assert [stage.key for stage in Pipeline.parse(" a:0 , b_2:100 ").open_stages] == ["a", "b_2"]


@pytest.mark.parametrize("text, problem", [
    ("", "at least one"),
    ("   ", "at least one"),
    ("Qualify:10", "'Qualify'"),
    ("1st:10", "'1st'"),
    ("a:1,,b:2", "''"),
    ("qualify", "probability from 0 to 100, got ''"),
    ("qualify:", "got ''"),
    ("qualify:ten", "got 'ten'"),
    ("qualify:101", "got '101'"),
    ("qualify:-1", "got '-1'"),
    ("qualify:１０", "got '１０'"),   # full-width digits are not ASCII digits
    ("won:100", "'won' is named twice"),
    ("a:1,lost:0", "'lost' is named twice"),
    ("a:1,a:2", "'a' is named twice"),
])
def test_a_malformed_setting_says_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(")):
        Pipeline.parse(text)


# -- opening a deal --------------------------------------------------------------------------

@pytest.mark.parametrize("stage, probability, expected", [
    (None, None, ("qualify", 10)),
    ("proposal", None, ("proposal", 50)),
    ("proposal", 33, ("proposal", 33)),
    (None, 0, ("qualify", 0)),
])
def test_a_new_deal_opens_at_the_first_or_the_named_open_stage(stage, probability, expected):
    assert stages.opening(PIPELINE, stage, probability) == expected


@pytest.mark.parametrize("stage", ["won", "lost", "signed"])
def test_a_new_deal_cannot_start_closed_or_at_an_unknown_stage(stage):
    with pytest.raises(ValidationFailed) as raised:
        stages.opening(PIPELINE, stage, None)
    assert raised.value.details == {"stage": ["Must be an open stage: qualify, proposal, "
                                              "negotiation."]}


# -- moving -----------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, wanted, error, field, says", [
    ({}, move(stage="signed"), ValidationFailed, "stage",
     "Must be one of: qualify, proposal, negotiation, won, lost."),
    ({"stage": "won", "status": "won"}, move(stage="proposal"), Conflict, "stage",
     "The opportunity is won; reopen it first."),
    ({"stage": "lost", "status": "lost"}, move(stage="won"), Conflict, "stage",
     "The opportunity is lost; reopen it first."),
    ({}, move(stage="proposal"), Conflict, "stage", "already at stage proposal"),
    ({}, move(stage="lost"), ValidationFailed, "lost_reason", "Say why"),
    ({}, move(stage="won", lost_reason="price"), ValidationFailed, "lost_reason",
     "Only for a move to lost"),
    ({}, move(stage="negotiation", lost_note="too dear"), ValidationFailed, "lost_note",
     "Only for a move to lost"),
    ({}, move(stage="negotiation", lost_to_competitor_id="c1"), ValidationFailed,
     "lost_to_competitor_id", "Only for a move to lost"),
    ({}, move(stage="lost", lost_reason="competitor"), ValidationFailed,
     "lost_to_competitor_id", "Name the competitor"),
    ({}, move(stage="lost", lost_reason="competitor", lost_to_competitor_id="c9"),
     ValidationFailed, "lost_to_competitor_id", "c9 is not linked"),
    ({}, move(stage="lost", lost_reason="price", lost_to_competitor_id="c1"), ValidationFailed,
     "lost_to_competitor_id", "Only when the reason is competitor"),
    ({}, move(stage="won", probability=90), ValidationFailed, "probability",
     "A won deal has probability 100."),
    ({}, move(stage="lost", lost_reason="price", probability=10), ValidationFailed,
     "probability", "A lost deal has probability 0."),
])
def test_a_bad_move_is_refused_naming_the_field(stored, wanted, error, field, says):
    with pytest.raises(error) as raised:
        stages.move(PIPELINE, opportunity(**stored), wanted, "u2", NOW)
    assert set(raised.value.details) == {field}
    assert says in raised.value.details[field][0]


@pytest.mark.parametrize("wanted, probability", [
    (move(stage="negotiation"), 75),
    (move(stage="negotiation", probability=60), 60),
    (move(stage="qualify"), 10),            # back a stage is a move like any other
])
def test_a_move_between_open_stages_sets_the_probability_and_records_who(wanted, probability):
    transition = stages.move(PIPELINE, opportunity(), {**wanted, "note": "call went well"},
                             "u2", NOW)
    assert transition.changes == {"stage": wanted["stage"], "status": "open",
                                  "probability": probability}
    assert transition.entry == {"stage": wanted["stage"], "probability": probability,
                                "entered_at": NOW, "actor_id": "u2", "note": "call went well"}
    assert transition.event_type is None


@pytest.mark.parametrize("probability", [None, 100])
def test_winning_closes_the_deal_and_times_its_cycle(probability):
    transition = stages.move(PIPELINE, opportunity(), move(stage="won", probability=probability),
                             "u2", NOW)
    # created 10 days 1 hour before NOW: 10 x 86400 + 3600 = 867600 seconds
    assert transition.changes == {"stage": "won", "status": "won", "probability": 100,
                                  "closed_at": NOW, "won_at": NOW, "cycle_seconds": 867600}
    assert transition.event_type == "opportunity_won"


def test_losing_to_a_competitor_marks_its_link_selected():
    transition = stages.move(PIPELINE, opportunity(), move(
        stage="lost", lost_reason="competitor", lost_to_competitor_id="c2",
        lost_note="cheaper"), "u2", NOW)
    assert transition.changes == {
        "stage": "lost", "status": "lost", "probability": 0, "closed_at": NOW,
        "lost_reason": "competitor", "lost_note": "cheaper", "lost_to_competitor_id": "c2",
        "competitors": [link("c1"), link("c2", "selected")]}
    assert transition.event_type == "opportunity_lost"


def test_losing_for_another_reason_leaves_the_competitors_alone():
    transition = stages.move(PIPELINE, opportunity(), move(stage="lost", lost_reason="timing"),
                             "u2", NOW)
    assert "competitors" not in transition.changes
    assert transition.changes["lost_to_competitor_id"] is None


# -- reopening --------------------------------------------------------------------------------

def won_deal(**fields):
    return opportunity(**{
        "stage": "won", "status": "won", "probability": 100, "closed_at": CREATED,
        "won_at": CREATED, "cycle_seconds": 5,
        "stage_history": [entry("qualify", 10), entry("negotiation", 75), entry("won", 100)],
        **fields})


def test_a_reopened_deal_returns_to_the_last_open_stage_it_was_at():
    transition = stages.reopen(PIPELINE, won_deal(reopened_count=1),
                               ReopenSchema().load({"note": "customer came back"}), "u3", NOW)
    assert transition.changes == {
        "stage": "negotiation", "status": "open", "probability": 75, "closed_at": None,
        "won_at": None, "cycle_seconds": None, "lost_reason": None, "lost_note": None,
        "lost_to_competitor_id": None, "reopened_count": 2}
    assert transition.entry == {"stage": "negotiation", "probability": 75, "entered_at": NOW,
                                "actor_id": "u3", "note": "customer came back"}
    assert transition.event_type == "opportunity_reopened"


def test_a_reopened_deal_goes_to_the_stage_named():
    transition = stages.reopen(PIPELINE, won_deal(), ReopenSchema().load({"stage": "qualify"}),
                               "u3", NOW)
    assert (transition.changes["stage"], transition.changes["probability"]) == ("qualify", 10)


@pytest.mark.parametrize("history, expected", [
    # a stage the pipeline no longer has is passed over
    ([entry("proposal", 50), entry("retired", 60), entry("lost", 0)], "proposal"),
    ([entry("retired", 60), entry("lost", 0)], "qualify"),
])
def test_reopening_skips_stages_the_pipeline_no_longer_has(history, expected):
    deal = won_deal(stage="lost", status="lost", stage_history=history)
    assert stages.reopen(PIPELINE, deal, ReopenSchema().load({}), "u3",
                         NOW).changes["stage"] == expected


def test_reopening_a_deal_lost_to_a_competitor_puts_it_back_to_competing():
    deal = won_deal(stage="lost", status="lost", lost_to_competitor_id="c2",
                    competitors=[link("c1"), link("c2", "selected")])
    transition = stages.reopen(PIPELINE, deal, ReopenSchema().load({}), "u3", NOW)
    assert transition.changes["competitors"] == [link("c1"), link("c2")]


def test_only_a_closed_deal_reopens():
    with pytest.raises(Conflict) as raised:
        stages.reopen(PIPELINE, opportunity(), ReopenSchema().load({}), "u3", NOW)
    assert "open at stage proposal" in raised.value.details["stage"][0]


@pytest.mark.parametrize("stage", ["won", "lost", "signed"])
def test_a_deal_reopens_only_at_an_open_stage(stage):
    with pytest.raises(ValidationFailed) as raised:
        stages.reopen(PIPELINE, won_deal(), ReopenSchema().load({"stage": stage}), "u3", NOW)
    assert set(raised.value.details) == {"stage"}


# -- changing the facts -----------------------------------------------------------------------

def test_an_open_deal_takes_any_change_and_no_probability_means_the_stages():
    changes = {"amount": Money("5.00", "CNY"), "probability": None, "notes": "x"}
    assert stages.revise(PIPELINE, opportunity(), changes) == {
        "amount": Money("5.00", "CNY"), "probability": 50, "notes": "x"}


@pytest.mark.parametrize("changes, fields", [
    ({"amount": Money("999.00", "CNY")}, {"amount"}),
    ({"probability": 90}, {"probability"}),
    ({"owner_id": "u9", "splits": [{"user_id": "u9", "kind": "revenue",
                                    "percent": Decimal(100)}]}, {"owner_id", "splits"}),
])
def test_a_closed_deal_keeps_the_facts_commission_was_told(changes, fields):
    with pytest.raises(Conflict) as raised:
        stages.revise(PIPELINE, won_deal(), changes)
    assert set(raised.value.details) == fields
    assert "reopen it" in str(raised.value)


def test_a_closed_deal_takes_unchanged_facts_and_other_changes():
    changes = {"amount": Money("1000.0", "CNY"), "probability": None, "owner_id": "u1",
               "next_step": "invoice"}
    assert stages.revise(PIPELINE, won_deal(), changes)["probability"] == 100
