"""Deal registrations in real containers on the real broker: the leads service and the
opportunities service it creates the attributed opportunity in. The clock is the
tests'; timers are run through entrypoint_hook, never waited for."""
from datetime import timedelta

import pytest
from leads_support import EVERYTHING
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from support import stored

from leads import lead_entrypoints, lead_store, registration_entrypoints, registration_store
from opportunities import dependencies as opportunity_dependencies
from opportunities import service as opportunity_service
from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed

HUAWEI_CODE = "914403001922038216"


@pytest.fixture
def service_config(service_config):
    return {**service_config, "REGISTRATION_EXPIRY_SECONDS": "3600",
            "OFFER_EXPIRY_SECONDS": "3600"}


@pytest.fixture
def rclock(clock, monkeypatch):
    """The one clock of both services (the containers run in the test's process)."""
    for module in (registration_entrypoints, registration_store, lead_entrypoints, lead_store,
                   opportunity_service, opportunity_dependencies):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


class ChannelStandIn:
    """Listens to the registration events as commission or a notifier would."""
    name = "channel_stand_in"

    @event_handler("leads", "deal_registration_approved")
    def approved(self, payload):
        return payload

    @event_handler("leads", "deal_registration_rejected")
    def rejected(self, payload):
        return payload

    @event_handler("leads", "deal_registration_expired")
    def expired(self, payload):
        return payload


@pytest.fixture
def listener(container_factory, service_config):
    container = container_factory(ChannelStandIn, service_config)
    container.start()
    return container


def register(proxy, company="华为技术（中国）有限公司", org="p1", user="pu1", tier="gold",
             **fields):
    return proxy.create_registration({
        "company": company, "partner_org_id": org, "partner_user_id": user,
        "partner_tier": tier, "estimated_amount": {"amount": "250000.00", "currency": "CNY"},
        "expected_close_date": "2027-03-31", "region": "华南", **fields})


def submitted(proxy, **fields):
    registration = register(proxy, **fields)
    return proxy.submit_registration(registration["id"], EVERYTHING, registration[
        "partner_user_id"])


def test_a_draft_is_created_edited_and_read_back_in_scope(leads, proxy, rclock):
    created = register(proxy)
    assert created["status"] == "draft" and created["normalised_company"] == "华为技术"
    assert created["history"] == [{"status": "draft", "at": "2026-11-20T08:00:00Z",
                                   "actor_id": "pu1", "note": None}]
    edited = proxy.update_registration(created["id"], {"company": "Acme Ltd", "notes": "n"},
                                       {"partner_user_id": "pu1"}, "pu1")
    assert edited["normalised_company"] == "acme" and edited["revision"] == 1
    assert proxy.get_registration(created["id"], {"partner_org_id": "p1"}) == edited
    with pytest.raises(NotFound):
        proxy.get_registration(created["id"], {"partner_org_id": "p2"})
    with pytest.raises(Forbidden):
        proxy.get_registration(created["id"], None)
    page = proxy.list_registrations({"status": "draft"}, {"partner_org_id": "p1"})
    assert [item["id"] for item in page["items"]] == [created["id"]]
    assert proxy.list_registrations({}, {"partner_org_id": "p2"})["items"] == []


def test_bad_input_names_the_fields(leads, proxy):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_registration({"company": " ", "partner_org_id": "p1",
                                   "partner_user_id": "pu1", "partner_tier": "bronze",
                                   "unified_social_credit_code": "91440300708461136X"})
    assert set(raised.value.details) == {"company", "partner_tier", "unified_social_credit_code"}
    assert stored(leads, "registrations").count_documents({}) == 0


def test_submit_needs_amount_and_close_date_and_a_submitted_one_is_not_editable(
        leads, opportunities, proxy):
    draft = register(proxy, estimated_amount=None, expected_close_date=None)
    with pytest.raises(ValidationFailed) as raised:
        proxy.submit_registration(draft["id"], EVERYTHING, "pu1")
    assert set(raised.value.details) == {"estimated_amount", "expected_close_date"}
    proxy.update_registration(draft["id"], {"estimated_amount": {"amount": "1.00",
                                                                  "currency": "CNY"},
                                            "expected_close_date": "2027-01-31"},
                              EVERYTHING, "pu1")
    done = proxy.submit_registration(draft["id"], EVERYTHING, "pu1")
    assert done["status"] == "submitted" and done["conflicts"] == []
    with pytest.raises(Conflict) as raised:
        proxy.update_registration(draft["id"], {"notes": "x"}, EVERYTHING, "pu1")
    assert "The registration is submitted" in str(raised.value)
    with pytest.raises(Conflict):
        proxy.submit_registration(draft["id"], EVERYTHING, "pu1")


def test_submit_finds_the_customer_its_open_deal_and_another_partners_registration(
        leads, opportunities, proxy, opportunities_proxy):
    account = opportunities_proxy.create_account({"name": "华为技术有限公司",
                                                  "partner_org_ids": ["p2"]})
    deal = opportunities_proxy.create_opportunity({
        "name": "Core switches", "account_id": account["id"],
        "amount": {"amount": "10.00", "currency": "CNY"}, "expected_close_date": "2027-01-31",
        "partner_org_id": "p2"}, EVERYTHING, "u1")
    rival = submitted(proxy, company="北京华为技术有限公司", org="p3", user="pu3")
    register(proxy, company="华为技术有限公司", org="p1", user="pu9")   # own org's draft: no
    submitted(proxy, company="华为技术", org="p1", user="pu8")           # own org's: no
    mine = submitted(proxy, company="华为技术（中国）有限公司", org="p1")
    assert [(c["kind"], c["record_id"], c["partner_org_id"], c["reasons"], c["score"])
            for c in mine["conflicts"]] == [
        ("customer", account["id"], None, ["same_name"], 1.0),
        ("opportunity", deal["id"], "p2", ["same_name"], 1.0),
        ("registration", rival["id"], "p3", ["same_name"], 1.0)]
    stored_conflicts = stored(leads, "registrations").find_one(
        {"company": "华为技术（中国）有限公司"})["conflicts"]
    assert len(stored_conflicts) == 3


def test_the_preview_checks_without_storing_and_leaves_the_partners_own_out(
        leads, opportunities, proxy, opportunities_proxy):
    opportunities_proxy.create_account({"name": "Other name",
                                        "unified_social_credit_code": HUAWEI_CODE})
    own = submitted(proxy, company="华为技术", org="p1")
    count = stored(leads, "registrations").count_documents({})
    report = proxy.check_registration_conflicts({"company": "华为技术有限公司",
                                                 "unified_social_credit_code": HUAWEI_CODE,
                                                 "partner_org_id": "p1"})
    assert report["has_conflict"] is True
    assert [(c["kind"], c["reasons"]) for c in report["conflicts"]] == [
        ("customer", ["credit_code"])]
    internal = proxy.check_registration_conflicts({"company": "华为技术有限公司"})
    assert own["id"] in [c["record_id"] for c in internal["conflicts"]]
    assert proxy.check_registration_conflicts({"company": "腾讯"}) == {
        "has_conflict": False, "conflicts": []}
    assert stored(leads, "registrations").count_documents({}) == count
    with pytest.raises(ValidationFailed) as raised:
        proxy.check_registration_conflicts({"company": ""})
    assert set(raised.value.details) == {"company"}


def test_approval_creates_the_attributed_opportunity_and_protects_per_tier(
        leads, opportunities, proxy, opportunities_proxy, listener, rclock):
    registration = submitted(proxy, tier="gold", unified_social_credit_code=HUAWEI_CODE)
    with entrypoint_waiter(listener, "approved") as received:
        approved = proxy.review_registration(registration["id"], {"decision": "approve"},
                                             EVERYTHING, "cm1")
    assert approved["status"] == "approved"
    assert approved["protection_ends_at"] == "2027-02-18T08:00:00Z"   # 90 days for gold
    assert approved["review"] == {"reviewer_id": "cm1", "decision": "approve", "reason": None,
                                  "at": "2026-11-20T08:00:00Z"}
    deal = opportunities_proxy.get_opportunity(approved["opportunity_id"], EVERYTHING)
    assert (deal["partner_org_id"], deal["partner_user_id"], deal["deal_registration_id"],
            deal["owner_id"], deal["amount"], deal["account_id"]) == (
        "p1", "pu1", registration["id"], "cm1", {"amount": "250000.00", "currency": "CNY"},
        approved["account_id"])
    account = opportunities_proxy.get_account(approved["account_id"], {"partner_org_ids": "p1"})
    assert account["unified_social_credit_code"] == HUAWEI_CODE
    payload = received.get()
    assert (payload["registration_id"], payload["opportunity_id"], payload["status"]) == (
        registration["id"], approved["opportunity_id"], "approved")
    assert stored(leads, "registrations").find_one()["outbox"] == []


@pytest.mark.parametrize("tier, days", [("platinum", 120), ("silver", 60), ("registered", 30)])
def test_protection_days_follow_the_tier(leads, opportunities, proxy, rclock, tier, days):
    registration = submitted(proxy, tier=tier)
    approved = proxy.review_registration(registration["id"], {"decision": "approve"},
                                         EVERYTHING, "cm1")
    ends = (rclock.now + timedelta(days=days)).isoformat().replace("+00:00", "Z")
    assert approved["protection_ends_at"] == ends


def test_approving_again_or_after_a_lost_write_creates_nothing_twice(
        leads, opportunities, proxy, opportunities_proxy):
    opportunities_proxy.create_account({"name": "华为技术有限公司"})   # linked by name
    registration = submitted(proxy)
    # An earlier attempt created the opportunity, then failed before the write.
    earlier = opportunities_proxy.create_opportunity({
        "name": "x", "account_id": opportunities_proxy.find_account_by_name("华为技术")["id"],
        "amount": {"amount": "1.00", "currency": "CNY"}, "expected_close_date": "2027-01-31",
        "source_key": f"registration:{registration['id']}"}, EVERYTHING, "cm1")
    first = proxy.review_registration(registration["id"], {"decision": "approve"},
                                      EVERYTHING, "cm1")
    again = proxy.review_registration(registration["id"], {"decision": "approve"},
                                      EVERYTHING, "cm1")
    assert first == again and first["opportunity_id"] == earlier["id"]
    assert stored(opportunities, "opportunities").count_documents({}) == 1
    assert stored(opportunities, "accounts").count_documents({}) == 1
    with pytest.raises(Conflict) as raised:
        proxy.review_registration(registration["id"], {"decision": "reject", "reason": "x"},
                                  EVERYTHING, "cm1")
    assert "The registration is approved" in str(raised.value)


def test_reject_needs_a_reason_and_return_lets_the_partner_resubmit(
        leads, opportunities, proxy, listener):
    registration = submitted(proxy)
    with pytest.raises(ValidationFailed) as raised:
        proxy.review_registration(registration["id"], {"decision": "reject"}, EVERYTHING, "cm1")
    assert set(raised.value.details) == {"reason"}
    returned = proxy.review_registration(registration["id"], {"decision": "return",
                                                              "reason": "Which site?"},
                                         EVERYTHING, "cm1")
    assert returned["status"] == "returned" and returned["history"][-1]["note"] == "Which site?"
    proxy.update_registration(registration["id"], {"notes": "Shenzhen HQ"}, EVERYTHING, "pu1")
    resubmitted = proxy.submit_registration(registration["id"], EVERYTHING, "pu1")
    assert [entry["status"] for entry in resubmitted["history"]] == [
        "draft", "submitted", "returned", "submitted"]
    with entrypoint_waiter(listener, "rejected") as received:
        rejected = proxy.review_registration(registration["id"], {"decision": "reject",
                                                                  "reason": "Duplicate"},
                                             EVERYTHING, "cm1")
    assert rejected["status"] == "rejected" and rejected["opportunity_id"] is None
    assert received.get()["reason"] == "Duplicate"
    assert stored(opportunities, "opportunities").count_documents({}) == 0


def test_extension_and_expiry_by_the_timer_with_a_moved_clock(
        leads, opportunities, proxy, listener, rclock):
    registration = submitted(proxy, tier="registered")                 # 30 days
    with pytest.raises(Conflict):
        proxy.extend_registration(registration["id"], 10, EVERYTHING, "cm1")
    proxy.review_registration(registration["id"], {"decision": "approve"}, EVERYTHING, "cm1")
    with pytest.raises(ValidationFailed) as raised:
        proxy.extend_registration(registration["id"], 0, EVERYTHING, "cm1")
    assert set(raised.value.details) == {"days"}
    extended = proxy.extend_registration(registration["id"], 10, EVERYTHING, "cm1")
    assert extended["protection_ends_at"] == "2026-12-30T08:00:00Z"
    assert extended["extensions"] == [{"by": "cm1", "days": 10, "at": "2026-11-20T08:00:00Z"}]
    rclock.advance(days=39, hours=23)
    with entrypoint_hook(leads, "expire_registrations") as expire:
        assert expire() == 0
    rclock.advance(hours=1)
    with entrypoint_waiter(listener, "expired") as received, \
            entrypoint_hook(leads, "expire_registrations") as expire:
        assert expire() == 1
    assert received.get()["registration_id"] == registration["id"]
    assert proxy.get_registration(registration["id"], EVERYTHING)["status"] == "expired"
    with entrypoint_hook(leads, "expire_registrations") as expire:
        assert expire() == 0


def test_a_won_attributed_opportunity_converts_the_registration_once(
        leads, opportunities, proxy, opportunities_proxy):
    registration = submitted(proxy)
    approved = proxy.review_registration(registration["id"], {"decision": "approve"},
                                         EVERYTHING, "cm1")
    with entrypoint_waiter(leads, "registration_won") as handled:
        opportunities_proxy.move_stage(approved["opportunity_id"], {"stage": "won"},
                                       EVERYTHING, "cm1")
    assert handled.get() == registration["id"]
    converted = proxy.get_registration(registration["id"], EVERYTHING)
    assert converted["status"] == "converted"
    assert converted["history"][-1]["note"] == f"opportunity {approved['opportunity_id']} won"
    # A redelivered event finds it converted and changes nothing.
    with entrypoint_hook(leads, "registration_won") as won:
        assert won({"deal_registration_id": registration["id"],
                    "opportunity_id": approved["opportunity_id"]}) is None
        assert won({"deal_registration_id": None}) is None
    assert proxy.get_registration(registration["id"], EVERYTHING)["revision"] == \
        converted["revision"]
