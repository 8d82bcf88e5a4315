"""Competitors on an opportunity (pure, no I/O): linking, re-linking and unlinking.

A deal lost to a competitor keeps that competitor's link as ``selected`` (the
competitor report counts it as the one we lost to) until the deal is reopened.
"""
from sfa_common.contracts.opportunities import LOST
from sfa_common.errors import Conflict, NotFound


def linked(opportunity, competitor_id):
    return any(link["competitor_id"] == competitor_id for link in opportunity["competitors"])


def _lost_to(opportunity, competitor_id):
    return (opportunity["status"] == LOST
            and opportunity.get("lost_to_competitor_id") == competitor_id)


def link(opportunity, competitor, wanted, actor_id, now):
    """The opportunity's links with ``competitor`` linked as ``wanted`` (a loaded
    ``CompetitorLinkSchema``); re-linking changes the status and the note."""
    competitor_id = str(competitor["_id"])
    if _lost_to(opportunity, competitor_id) and wanted["status"] != "selected":
        message = f"The deal was lost to {competitor['name']}; reopen it first."
        raise Conflict(message, {"status": [message]})
    if not linked(opportunity, competitor_id):
        return [*opportunity["competitors"], {
            "competitor_id": competitor_id, "name": competitor["name"],
            "status": wanted["status"], "note": wanted["note"], "linked_at": now,
            "linked_by": actor_id}]
    return [{**existing, "status": wanted["status"], "note": wanted["note"]}
            if existing["competitor_id"] == competitor_id else existing
            for existing in opportunity["competitors"]]


def unlink(opportunity, competitor_id):
    """The opportunity's links without ``competitor_id``."""
    if not linked(opportunity, competitor_id):
        raise NotFound(f"Competitor {competitor_id!r} is not linked to this opportunity.")
    if _lost_to(opportunity, competitor_id):
        message = "The deal was lost to this competitor; reopen it first."
        raise Conflict(message, {"competitor_id": [message]})
    return [existing for existing in opportunity["competitors"]
            if existing["competitor_id"] != competitor_id]
