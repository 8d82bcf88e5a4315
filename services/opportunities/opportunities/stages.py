"""The sales pipeline and the rules for moving an opportunity through it (pure, no I/O).

The open stages come from the ``OPPORTUNITY_STAGES`` setting ("qualify:10,proposal:50":
key and default probability, in pipeline order); ``won`` (100 %) and ``lost`` (0 %)
always close it. Each rule takes the opportunity as stored and returns a
``Transition``: the fields to set, the stage-history entry and the event to publish.
The caller writes all of it in one conditional update.
"""
import re
from dataclasses import dataclass

from sfa_common.contracts.opportunities import LOST, STAGE_KEY_PATTERN, WON
from sfa_common.errors import Conflict, ValidationFailed

OPEN = "open"
_KEY = re.compile(STAGE_KEY_PATTERN)

# What the won event told commission: a closed deal keeps these until it is reopened.
CLOSED_FACTS = ("amount", "probability", "splits", "products", "owner_id", "partner_org_id")


@dataclass(frozen=True)
class Stage:
    key: str
    kind: str              # open, won or lost
    probability: int       # the default when a deal enters it


@dataclass(frozen=True)
class Pipeline:
    stages: tuple

    @classmethod
    def parse(cls, text):
        """The pipeline a setting names; ``ValueError`` saying what is wrong otherwise."""
        entries = [entry.strip() for entry in (text or "").split(",")]
        if entries == [""]:
            raise ValueError("name at least one open stage as key:probability")
        stages = []
        for entry in entries:
            key, _, probability = (part.strip() for part in entry.partition(":"))
            if not _KEY.match(key):
                raise ValueError(f"stage key {key!r} must be lowercase letters, digits and _, "
                                 f"starting with a letter (at most 40)")
            if key in (WON, LOST) or key in (stage.key for stage in stages):
                raise ValueError(f"stage {key!r} is named twice (won and lost are built in)")
            if not (probability.isascii() and probability.isdigit()
                    and 0 <= int(probability) <= 100):
                raise ValueError(f"stage {key!r} needs a probability from 0 to 100, "
                                 f"got {probability!r}")
            stages.append(Stage(key, OPEN, int(probability)))
        return cls((*stages, Stage(WON, WON, 100), Stage(LOST, LOST, 0)))

    def stage(self, key):
        return next((stage for stage in self.stages if stage.key == key), None)

    @property
    def open_stages(self):
        return tuple(stage for stage in self.stages if stage.kind == OPEN)

    def keys(self, stages=None):
        return ", ".join(stage.key for stage in (stages or self.stages))

    def describe(self):
        return {"stages": [{"key": stage.key, "kind": stage.kind,
                            "probability": stage.probability} for stage in self.stages]}


@dataclass(frozen=True)
class Transition:
    changes: dict                  # fields to set
    entry: dict                    # the stage-history entry
    event_type: str | None = None  # opportunity_won / _lost / _reopened


def opening(pipeline, stage_key, probability):
    """``(stage, probability)`` of a new opportunity: the first open stage unless one is
    named; a closed or unknown stage is refused."""
    if stage_key is None:
        stage = pipeline.open_stages[0]
    else:
        stage = pipeline.stage(stage_key)
        if stage is None or stage.kind != OPEN:
            raise ValidationFailed(f"A new opportunity cannot start at stage {stage_key!r}.", {
                "stage": [f"Must be an open stage: {pipeline.keys(pipeline.open_stages)}."]})
    return stage.key, stage.probability if probability is None else probability


def history_entry(stage, probability, actor_id, now, note=None):
    return {"stage": stage, "probability": probability, "entered_at": now,
            "actor_id": actor_id, "note": note}


def move(pipeline, opportunity, wanted, actor_id, now):
    """Move an open opportunity to ``wanted["stage"]`` (a loaded ``StageMoveSchema``)."""
    current = opportunity["stage"]
    target = pipeline.stage(wanted["stage"])
    if target is None:
        raise ValidationFailed(f"There is no stage {wanted['stage']!r}.", {
            "stage": [f"Must be one of: {pipeline.keys()}."]})
    if opportunity["status"] != OPEN:
        message = f"The opportunity is {current}; reopen it first."
        raise Conflict(message, {"stage": [message]})
    if target.key == current:
        message = f"The opportunity is already at stage {current}."
        raise Conflict(message, {"stage": [message]})
    problems = {**_loss_problems(opportunity, target, wanted),
                **_probability_problems(target, wanted["probability"])}
    if problems:
        raise ValidationFailed("The stage move has invalid fields.", problems)
    probability = target.probability if wanted["probability"] is None else wanted["probability"]
    changes = {"stage": target.key, "status": target.kind, "probability": probability}
    if target.kind == WON:
        changes.update(closed_at=now, won_at=now,
                       cycle_seconds=int((now - opportunity["created_at"]).total_seconds()))
    elif target.kind == LOST:
        chosen = wanted["lost_to_competitor_id"]
        changes.update(closed_at=now, lost_reason=wanted["lost_reason"],
                       lost_note=wanted["lost_note"], lost_to_competitor_id=chosen)
        if chosen is not None:
            changes["competitors"] = _with_status(opportunity["competitors"], chosen, "selected")
    event_type = {WON: "opportunity_won", LOST: "opportunity_lost"}.get(target.kind)
    return Transition(changes, history_entry(target.key, probability, actor_id, now,
                                             wanted["note"]), event_type)


def win_from_quote(pipeline, opportunity, wanted, actor_id, now):
    """Win an open opportunity with an accepted quote (``wanted``: a loaded
    ``WinFromQuoteSchema``): its amount becomes the quote's total and its products the
    quote's lines. The caller answers a deal already won by this quote unchanged."""
    if opportunity["status"] != OPEN:
        message = (f"The opportunity is {opportunity['stage']}; an accepted quote wins only "
                   f"an open one (reopen it first).")
        raise Conflict(message, {"stage": [message]})
    if wanted["amount"].currency != opportunity["amount"].currency:
        message = f"The opportunity is in {opportunity['amount'].currency}."
        raise ValidationFailed("The quote is in another currency.", {"amount": [message]})
    won = pipeline.stage(WON)
    changes = {"stage": won.key, "status": won.kind, "probability": won.probability,
               "amount": wanted["amount"], "products": wanted["products"],
               "won_by_quote": {"quote_id": wanted["quote_id"], "won_at": now},
               "closed_at": now, "won_at": now,
               "cycle_seconds": int((now - opportunity["created_at"]).total_seconds())}
    return Transition(changes, history_entry(won.key, won.probability, actor_id, now,
                                             f"quote {wanted['quote_id']} accepted"),
                      "opportunity_won")


def won_by_quote(opportunity, quote_id):
    """Won now, and by this quote: the win the quote made is the current one (a deal
    reopened and won again by hand was not)."""
    mark = opportunity.get("won_by_quote") or {}
    return (opportunity["status"] == WON and mark.get("quote_id") == quote_id
            and mark.get("won_at") == opportunity.get("won_at"))


def _loss_problems(opportunity, target, wanted):
    """Field errors about why the deal was lost: required for lost, refused otherwise."""
    if target.kind != LOST:
        return {name: ["Only for a move to lost."]
                for name in ("lost_reason", "lost_note", "lost_to_competitor_id")
                if wanted[name] is not None}
    reason, chosen = wanted["lost_reason"], wanted["lost_to_competitor_id"]
    if reason is None:
        return {"lost_reason": ["Say why the deal was lost."]}
    if reason != "competitor":
        if chosen is not None:
            return {"lost_to_competitor_id": ["Only when the reason is competitor."]}
        return {}
    if chosen is None:
        return {"lost_to_competitor_id": ["Name the competitor the customer chose."]}
    if chosen not in (link["competitor_id"] for link in opportunity["competitors"]):
        return {"lost_to_competitor_id": [
            f"{chosen} is not linked to this opportunity; link it first."]}
    return {}


def _probability_problems(target, probability):
    if probability is None or target.kind == OPEN or probability == target.probability:
        return {}
    return {"probability": [f"A {target.key} deal has probability {target.probability}."]}


def _with_status(links, competitor_id, status):
    return [{**link, "status": status} if link["competitor_id"] == competitor_id else link
            for link in links]


def reopen(pipeline, opportunity, wanted, actor_id, now):
    """Reopen a won or lost opportunity (``wanted``: a loaded ``ReopenSchema``) at the
    named open stage or, by default, the last open stage it was at."""
    current = opportunity["stage"]
    if opportunity["status"] == OPEN:
        message = f"The opportunity is open at stage {current}; only a won or lost one reopens."
        raise Conflict(message, {"stage": [message]})
    if wanted["stage"] is None:
        target = _last_open_stage(pipeline, opportunity["stage_history"])
    else:
        target = pipeline.stage(wanted["stage"])
        if target is None or target.kind != OPEN:
            raise ValidationFailed(f"An opportunity cannot reopen at {wanted['stage']!r}.", {
                "stage": [f"Must be an open stage: {pipeline.keys(pipeline.open_stages)}."]})
    changes = {"stage": target.key, "status": OPEN, "probability": target.probability,
               "closed_at": None, "won_at": None, "cycle_seconds": None,
               "lost_reason": None, "lost_note": None, "lost_to_competitor_id": None,
               "reopened_count": opportunity["reopened_count"] + 1}
    chosen = opportunity.get("lost_to_competitor_id")
    if chosen is not None:
        changes["competitors"] = _with_status(opportunity["competitors"], chosen, "competing")
    return Transition(changes, history_entry(target.key, target.probability, actor_id, now,
                                             wanted["note"]), "opportunity_reopened")


def _last_open_stage(pipeline, history):
    """The last open stage in the history that the pipeline still has, else its first."""
    for entry in reversed(history):
        stage = pipeline.stage(entry["stage"])
        if stage is not None and stage.kind == OPEN:
            return stage
    return pipeline.open_stages[0]


def revise(pipeline, opportunity, changes):
    """``changes`` (a loaded ``OpportunityUpdateSchema``) as they apply: a probability of
    None is the stage's default. A closed deal refuses a change to the facts its event
    told commission (``CLOSED_FACTS``); a value sent unchanged is not a change."""
    if "probability" in changes and changes["probability"] is None:
        stage = pipeline.stage(opportunity["stage"])
        default = opportunity["probability"] if stage is None else stage.probability
        changes = {**changes, "probability": default}
    if opportunity["status"] == OPEN:
        return changes
    changed = [name for name in CLOSED_FACTS
               if name in changes and changes[name] != opportunity.get(name)]
    if changed:
        message = f"The opportunity is {opportunity['stage']}; reopen it before changing " \
                  f"{', '.join(changed)}."
        raise Conflict(message, {name: [message] for name in changed})
    return changes
