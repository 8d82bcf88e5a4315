"""Competitors on an opportunity (pure): link, re-link, unlink."""
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from opportunities import competitors
from sfa_common.contracts.opportunities import CompetitorLinkSchema
from sfa_common.errors import Conflict, NotFound

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CISCO = {"_id": ObjectId("5f0c0c0c0c0c0c0c0c0c0c01"), "name": "Cisco"}
CISCO_ID = str(CISCO["_id"])
CISCO_LINK = {"competitor_id": CISCO_ID, "name": "Cisco", "status": "competing",
              "note": None, "linked_at": NOW, "linked_by": "u1"}
OTHER_LINK = {**CISCO_LINK, "competitor_id": "h3c", "name": "H3C"}


def deal(links, **fields):
    return {"status": "open", "lost_to_competitor_id": None, "competitors": links, **fields}


def wanted(**fields):
    return CompetitorLinkSchema().load(fields)


def test_linking_adds_the_competitor_with_its_catalogue_name():
    links = competitors.link(deal([OTHER_LINK]), CISCO, wanted(note="incumbent"), "u1", NOW)
    assert links == [OTHER_LINK, {**CISCO_LINK, "note": "incumbent"}]


def test_re_linking_changes_status_and_note_and_keeps_when_it_was_linked():
    earlier = {**CISCO_LINK, "linked_at": datetime(2026, 1, 1, tzinfo=UTC)}
    links = competitors.link(deal([earlier, OTHER_LINK]), CISCO,
                             wanted(status="eliminated", note="out on price"), "u2", NOW)
    assert links == [{**earlier, "status": "eliminated", "note": "out on price"}, OTHER_LINK]


def test_the_competitor_a_deal_was_lost_to_stays_selected_until_reopened():
    lost = deal([{**CISCO_LINK, "status": "selected"}], status="lost",
                lost_to_competitor_id=CISCO_ID)
    with pytest.raises(Conflict) as raised:
        competitors.link(lost, CISCO, wanted(status="competing"), "u1", NOW)
    assert set(raised.value.details) == {"status"}
    with pytest.raises(Conflict):
        competitors.unlink(lost, CISCO_ID)
    # Its note may still change.
    assert competitors.link(lost, CISCO, wanted(status="selected", note="won on price"), "u1",
                            NOW)[0]["note"] == "won on price"


def test_unlinking_removes_only_that_competitor():
    assert competitors.unlink(deal([CISCO_LINK, OTHER_LINK]), CISCO_ID) == [OTHER_LINK]


def test_unlinking_a_competitor_that_is_not_linked_is_not_found():
    with pytest.raises(NotFound):
        competitors.unlink(deal([OTHER_LINK]), CISCO_ID)
