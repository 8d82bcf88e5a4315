"""The opportunity list's filters (a GET form, no CSRF: it changes nothing) and the
detail page's two POST forms. Field names are the gateway's, so its field errors land
next to the fields; ids are the stable ones the browser tests use. Messages are lazy
and named ``_`` so pybabel extracts them."""
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from ..labels import LOST_REASON_LABELS, STATUS_LABELS, stage_label

LOST = "lost"
COMPETITOR = "competitor"
SEARCH_MAX = 100  # the gateway's limit on a name search

# The gateway's sort names (- for descending) the list offers, the first the default.
SORTS = {
    "expected_close_date": _("Expected close, soonest first"),
    "-expected_close_date": _("Expected close, latest first"),
    "-amount": _("Amount, largest first"),
    "amount": _("Amount, smallest first"),
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "name": _("Name, A to Z"),
    "-name": _("Name, Z to A"),
}
DEFAULT_SORT = next(iter(SORTS))


def choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def blank_to_none(text):
    text = text.strip() if isinstance(text, str) else text
    return text or None


class OpportunityFilterForm(FlaskForm):
    """Built from the query string: ``OpportunityFilterForm(request.args, stages)``."""

    class Meta:
        csrf = False

    status = SelectField(id="filter-status", validate_choice=True, default="", choices=choices(
        [("", _("Any status")), *STATUS_LABELS.items()]))
    stage = SelectField(id="filter-stage", validate_choice=True, default="")
    close_from = DateField(id="filter-close-from", validators=[Optional()],
                           format="%Y-%m-%d")
    close_to = DateField(id="filter-close-to", validators=[Optional()], format="%Y-%m-%d")
    q = StringField(id="filter-q", filters=[blank_to_none],
                    validators=[Length(max=SEARCH_MAX, message=_(
                        "Search for at most %(max)d characters.", max=SEARCH_MAX))])
    sort = SelectField(id="sort", validate_choice=True, default=DEFAULT_SORT,
                       choices=choices(SORTS.items()))
    account_id = HiddenField()  # set by a customer's page: only that customer's deals

    def __init__(self, formdata, stages):
        super().__init__(formdata)
        self.stage.choices = choices([("", _("Any stage")),
                                      *((stage["key"], stage_label(stage["key"]))
                                        for stage in stages)])

    def filters(self):
        """The gateway's query parameters for what was chosen (empty ones left out by
        the client)."""
        return {"status": self.status.data, "stage": self.stage.data,
                "close_from": day(self.close_from.data), "close_to": day(self.close_to.data),
                "q": self.q.data, "sort": self.sort.data, "account_id": self.account_id.data}


def day(value):
    return value.isoformat() if value else None


class StageMoveForm(FlaskForm):
    """Move to another stage. The lost fields count only when the stage is lost (a
    browser without JavaScript shows them for every stage)."""
    stage = SelectField(id="stage", validate_choice=True)
    probability = IntegerField(id="probability", validators=[
        Optional(), NumberRange(min=0, max=100, message=_("Between 0 and 100."))])
    note = TextAreaField(id="stage-note", filters=[blank_to_none], validators=[
        Length(max=1000, message=_("At most %(max)d characters.", max=1000))])
    lost_reason = SelectField(id="lost-reason", validate_choice=True, default="", choices=choices(
        [("", _("Choose a reason")), *LOST_REASON_LABELS.items()]))
    lost_note = TextAreaField(id="lost-note", filters=[blank_to_none], validators=[
        Length(max=1000, message=_("At most %(max)d characters.", max=1000))])
    lost_to_competitor_id = SelectField(id="lost-to-competitor", validate_choice=True,
                                        default="")

    def __init__(self, opportunity, stages, **kwargs):
        super().__init__(**kwargs)
        self.offer(opportunity, stages)

    def offer(self, opportunity, stages):
        """The choices for ``opportunity`` as it is now: every stage but its own, and
        the competitors linked to it."""
        keys = [stage["key"] for stage in stages]
        current = opportunity.get("stage")
        self.stage.choices = choices((key, stage_label(key)) for key in keys if key != current)
        if self.stage.data is None and current in keys[:-1]:  # offer the next stage
            self.stage.data = keys[keys.index(current) + 1]
        self.lost_to_competitor_id.choices = choices([
            ("", _("Choose a competitor")),
            *((linked["competitor_id"], linked.get("name") or linked["competitor_id"])
              for linked in opportunity.get("competitors") or ())])

    def move(self):
        """The gateway's StageMove body: only what was given."""
        move = {"stage": self.stage.data}
        if self.probability.data is not None:
            move["probability"] = self.probability.data
        if self.note.data:
            move["note"] = self.note.data
        if self.stage.data == LOST:
            if self.lost_reason.data:
                move["lost_reason"] = self.lost_reason.data
            if self.lost_note.data:
                move["lost_note"] = self.lost_note.data
            if self.lost_reason.data == COMPETITOR and self.lost_to_competitor_id.data:
                move["lost_to_competitor_id"] = self.lost_to_competitor_id.data
        return move


class NotesForm(FlaskForm):
    """What a partner may change on its opportunity: the next step and the notes."""
    next_step = StringField(id="next-step", filters=[blank_to_none], validators=[
        Length(max=500, message=_("At most %(max)d characters.", max=500))])
    notes = TextAreaField(id="notes", filters=[blank_to_none], validators=[
        Length(max=5000, message=_("At most %(max)d characters.", max=5000))])

    def changes(self):
        """Both fields; an emptied one clears it (None)."""
        return {"next_step": self.next_step.data, "notes": self.notes.data}
