"""Leads over the real broker: create with the duplicate warning, follow-ups and the
overdue list, state transitions, voided leads hidden, listing and scope."""
from datetime import timedelta

import pytest
from bson import ObjectId
from leads_support import EVERYTHING, iso, new_lead
from support import stored

from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed


def test_a_duplicate_by_phone_email_or_company_is_a_warning_not_a_refusal(leads, proxy,
                                                                           clock):
    first = new_lead(proxy, "北京华为技术有限公司", phone="+86 10 1234 5678")
    second = new_lead(proxy, "Acme", email="Sales@Acme.example")
    assert first["duplicates"] == [] and second["duplicates"] == []
    third = new_lead(proxy, "华为技术（中国）有限公司", phone="+861012345678",
                     email="sales@acme.example")
    assert third["status"] == "unprocessed"
    assert third["duplicates"] == [
        {"lead_id": first["id"], "matched_on": ["phone", "company"]},
        {"lead_id": second["id"], "matched_on": ["email"]}]
    proxy.void_lead(first["id"], EVERYTHING, "u1")
    fourth = new_lead(proxy, "Huawei", phone="+86 10 1234 5678")
    assert fourth["duplicates"] == [{"lead_id": third["id"], "matched_on": ["phone"]}]
    assert stored(leads, "leads").count_documents({}) == 4


def test_a_follow_up_starts_following_up_and_sets_the_next_date(proxy, clock):
    lead = new_lead(proxy)
    due = clock.now + timedelta(days=2)
    followed = proxy.add_follow_up(lead["id"], {"channel": "phone", "note": "Called",
                                                "next_follow_up_at": iso(due)}, EVERYTHING, "u1")
    assert followed["status"] == "following_up"
    assert followed["next_follow_up_at"] == iso(due)
    assert followed["follow_ups"] == [{"at": iso(clock.now), "channel": "phone",
                                       "note": "Called", "next_follow_up_at": iso(due),
                                       "actor_id": "u1"}]
    again = proxy.add_follow_up(lead["id"], {"channel": "visit", "at": "2026-11-19T10:00:00Z"},
                                EVERYTHING, "u2")
    assert again["next_follow_up_at"] is None and len(again["follow_ups"]) == 2
    with pytest.raises(ValidationFailed) as raised:
        proxy.add_follow_up(lead["id"], {"channel": "fax"}, EVERYTHING, "u1")
    assert list(raised.value.details) == ["channel"]


def test_overdue_lists_open_leads_whose_follow_up_date_passed(proxy, clock):
    soon, later, invalid, fresh = (new_lead(proxy, name) for name in ("A", "B", "C", "D"))
    for lead, days in ((soon, 1), (later, 5), (invalid, 1)):
        due = iso(clock.now + timedelta(days=days))
        proxy.add_follow_up(lead["id"], {"channel": "email", "next_follow_up_at": due},
                            EVERYTHING, "u1")
    proxy.mark_invalid(invalid["id"], "No budget", EVERYTHING, "u1")
    clock.advance(days=2)
    page = proxy.list_leads({"overdue": True}, EVERYTHING)
    assert [lead["id"] for lead in page["items"]] == [soon["id"]]
    clock.advance(days=10)
    page = proxy.list_leads({"overdue": True, "sort": "company"}, EVERYTHING)
    assert [lead["company"] for lead in page["items"]] == ["A", "B"]
    assert fresh["next_follow_up_at"] is None


def test_transitions_and_their_conflicts_name_the_state(proxy, clock):
    lead = new_lead(proxy)
    with pytest.raises(ValidationFailed) as raised:
        proxy.mark_invalid(lead["id"], " ", EVERYTHING, "u1")
    assert list(raised.value.details) == ["reason"]
    invalid = proxy.mark_invalid(lead["id"], "Unreachable", EVERYTHING, "u1")
    assert (invalid["status"], invalid["invalid_reason"]) == ("invalid", "Unreachable")
    with pytest.raises(Conflict) as raised:
        proxy.add_follow_up(lead["id"], {"channel": "phone"}, EVERYTHING, "u1")
    assert raised.value.message.startswith("The lead is invalid;")
    assert proxy.revive_lead(lead["id"], EVERYTHING, "u1")["status"] == "following_up"
    with pytest.raises(Conflict, match="The lead is following_up;"):
        proxy.revive_lead(lead["id"], EVERYTHING, "u1")


def test_a_voided_lead_is_hidden_until_restored_to_its_old_state(proxy, clock):
    lead = new_lead(proxy)
    proxy.add_follow_up(lead["id"], {"channel": "phone"}, EVERYTHING, "u1")
    voided = proxy.void_lead(lead["id"], EVERYTHING, "u1")
    assert (voided["status"], voided["voided_from"]) == ("voided", "following_up")
    with pytest.raises(NotFound):
        proxy.get_lead(lead["id"], EVERYTHING)
    with pytest.raises(NotFound):
        proxy.void_lead(lead["id"], EVERYTHING, "u1")
    assert proxy.list_leads({}, EVERYTHING)["items"] == []
    assert proxy.list_leads({"status": "voided"}, EVERYTHING)["items"] == []
    assert [item["id"] for item in proxy.list_leads({"include_voided": True},
                                                    EVERYTHING)["items"]] == [lead["id"]]
    assert proxy.get_lead(lead["id"], EVERYTHING, True)["status"] == "voided"
    restored = proxy.restore_lead(lead["id"], EVERYTHING, "admin")
    assert (restored["status"], restored["voided_from"]) == ("following_up", None)
    with pytest.raises(Conflict, match="The lead is following_up;"):
        proxy.restore_lead(lead["id"], EVERYTHING, "admin")


def test_update_changes_facts_and_refreshes_the_duplicate_keys(leads, proxy, clock):
    lead = new_lead(proxy, phone="12345678")
    changed = proxy.update_lead(lead["id"], {"company": "Beta Co., Ltd.", "phone": None},
                                EVERYTHING, "u2")
    assert (changed["company"], changed["normalised_company"], changed["phone"]) == (
        "Beta Co., Ltd.", "beta", None)
    document = stored(leads, "leads").find_one({"_id": ObjectId(lead["id"])})
    assert document["phone_key"] is None and document["updated_by"] == "u2"
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_lead(lead["id"], {"owner_id": "me"}, EVERYTHING, "u2")
    assert list(raised.value.details) == ["owner_id"]


def test_list_filters_pages_and_applies_the_scope(proxy, clock):
    for number in range(5):
        clock.advance(minutes=1)
        new_lead(proxy, f"Company {number}", owner_id="u1" if number % 2 else "u2",
                 region="East" if number < 3 else "West", source="web")
    first = proxy.list_leads({"limit": 2}, {"owner_id": "u2"})
    assert [lead["company"] for lead in first["items"]] == ["Company 4", "Company 2"]
    second = proxy.list_leads({"limit": 2, "cursor": first["next_cursor"]}, {"owner_id": "u2"})
    assert [lead["company"] for lead in second["items"]] == ["Company 0"]
    assert second["next_cursor"] is None
    east = proxy.list_leads({"region": "East", "sort": "created_at"}, EVERYTHING)
    assert [lead["company"] for lead in east["items"]] == ["Company 0", "Company 1", "Company 2"]
    assert len(proxy.list_leads({"q": "company 3"}, EVERYTHING)["items"]) == 1
    for query, field in (({"sort": "phone"}, "sort"), ({"colour": "red"}, "colour")):
        with pytest.raises(ValidationFailed) as raised:
            proxy.list_leads(query, EVERYTHING)
        assert list(raised.value.details) == [field]
    with pytest.raises(Forbidden):
        proxy.list_leads({}, None)


def test_every_change_outside_the_scope_is_not_found(proxy, clock):
    lead = new_lead(proxy, owner_id="u1")
    elsewhere = {"owner_id": "u2"}
    calls = [
        lambda: proxy.get_lead(lead["id"], elsewhere),
        lambda: proxy.update_lead(lead["id"], {"notes": "x"}, elsewhere, "u2"),
        lambda: proxy.add_follow_up(lead["id"], {"channel": "phone"}, elsewhere, "u2"),
        lambda: proxy.mark_invalid(lead["id"], "x", elsewhere, "u2"),
        lambda: proxy.void_lead(lead["id"], elsewhere, "u2"),
        lambda: proxy.assign_lead(lead["id"], "u2", None, elsewhere, "u2"),
        lambda: proxy.auto_assign(lead["id"], elsewhere, "u2"),
        lambda: proxy.convert_lead(lead["id"], {}, elsewhere, "u2"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert proxy.get_lead(lead["id"], {"owner_id": "u1"})["status"] == "unprocessed"
