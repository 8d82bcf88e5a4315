"""Conversion over the real broker with the real opportunities service: the duplicate
check on and off, contact and opportunity, the event, idempotent retries (also after the
opportunities service answered but the lead was not written) and bad input."""
import pytest
from leads_support import EVERYTHING, RELAY_SECONDS, new_lead
from nameko.events import event_handler
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter, replace_dependencies
from support import stored

from leads import lead_store
from leads.service import LeadsService
from sfa_common.errors import Conflict, ValidationFailed

DEAL = {"name": "Core switches", "amount": {"amount": "125000.00", "currency": "CNY"},
        "expected_close_date": "2027-03-31"}


class Listener:
    """Listens to leads' events as another service would."""
    name = "lead_event_listener"

    @event_handler("leads", "lead_converted")
    def converted(self, payload):
        return payload


@pytest.fixture
def listener(container_factory, service_config):
    container = container_factory(Listener, service_config)
    container.start()
    return container


def counts(opportunities):
    return tuple(stored(opportunities, name).count_documents({})
                 for name in ("accounts", "contacts", "opportunities"))


def test_with_the_duplicate_check_on_an_existing_customer_is_linked(
        proxy, opportunities, opportunities_proxy, listener, clock):
    existing = opportunities_proxy.create_account({"name": "华为技术（中国）有限公司"})
    lead = new_lead(proxy, "北京华为技术有限公司", contact_name="张三", phone="13800138000",
                    owner_id="u1", department_id="d1", region="华北")
    with entrypoint_waiter(listener, "converted") as received:
        converted = proxy.convert_lead(lead["id"], {"contact": True, "opportunity": DEAL},
                                       EVERYTHING, "u1")
    conversion = converted["conversion"]
    assert converted["status"] == "converted"
    assert conversion["account_id"] == existing["id"] and conversion["account_created"] is False
    contact = opportunities_proxy.get_contact(conversion["contact_id"], EVERYTHING)
    assert (contact["name"], contact["phone"], contact["account_id"]) == (
        "张三", "13800138000", existing["id"])
    deal = opportunities_proxy.get_opportunity(conversion["opportunity_id"], EVERYTHING)
    assert (deal["account_id"], deal["owner_id"], deal["department_id"], deal["amount"],
            deal["contact_ids"]) == (existing["id"], "u1", "d1", DEAL["amount"], [contact["id"]])
    event = received.get()
    assert event == {
        "event_id": event["event_id"], "occurred_at": "2026-11-20T08:00:00Z",
        "lead_id": lead["id"], "company": "北京华为技术有限公司", "source": "other",
        "owner_id": "u1", "department_id": "d1", "partner_org_id": None,
        "partner_user_id": None, "account_id": existing["id"], "account_created": False,
        "contact_id": contact["id"], "opportunity_id": deal["id"], "converted_by": "u1"}
    assert counts(opportunities) == (1, 1, 1)


def test_with_the_duplicate_check_off_a_new_customer_is_always_created(
        container_factory, service_config, opportunities, opportunities_proxy, clock):
    container = container_factory(LeadsService, {**service_config,
                                                 "LEAD_DUPLICATE_CHECK": "off"})
    container.start()
    opportunities_proxy.create_account({"name": "Acme Ltd"})
    with ServiceRpcProxy("leads", service_config, timeout=10) as proxy:
        lead = new_lead(proxy, "Acme", region="East", industry="IT", partner_org_id="p1",
                        partner_user_id="pu1")
        conversion = proxy.convert_lead(lead["id"], {}, EVERYTHING, "u9")["conversion"]
    assert conversion["account_created"] is True
    assert (conversion["contact_id"], conversion["opportunity_id"]) == (None, None)
    account = opportunities_proxy.get_account(conversion["account_id"], EVERYTHING)
    assert (account["name"], account["region"], account["industry"], account["owner_id"],
            account["partner_org_ids"], account["partner_user_id"]) == (
        "Acme", "East", "IT", "u1", ["p1"], "pu1")
    assert counts(opportunities) == (2, 0, 0)


def test_converting_again_answers_the_same_conversion(proxy, opportunities, clock):
    lead = new_lead(proxy, "Gamma", contact_name="Gil")
    first = proxy.convert_lead(lead["id"], {"contact": True, "opportunity": DEAL},
                               EVERYTHING, "u1")
    clock.advance(hours=1)
    again = proxy.convert_lead(lead["id"], {"contact": True, "opportunity": DEAL},
                               EVERYTHING, "u1")
    assert again == first
    assert counts(opportunities) == (1, 1, 1)


def test_a_retry_after_the_records_were_made_but_the_lead_not_written_creates_nothing_twice(
        proxy, opportunities, monkeypatch, clock):
    lead = new_lead(proxy, "Delta", contact_name="Dee")
    real_change = lead_store.LeadStore.change_lead

    def crash(self, *args, **kwargs):
        raise RuntimeError("the worker died before writing the lead")

    monkeypatch.setattr(lead_store.LeadStore, "change_lead", crash)
    with pytest.raises(RemoteError):
        proxy.convert_lead(lead["id"], {"contact": {"title": "CTO"}, "opportunity": DEAL},
                           EVERYTHING, "u1")
    assert counts(opportunities) == (1, 1, 1)
    assert proxy.get_lead(lead["id"], EVERYTHING)["status"] == "unprocessed"
    monkeypatch.setattr(lead_store.LeadStore, "change_lead", real_change)
    converted = proxy.convert_lead(lead["id"], {"contact": {"title": "CTO"},
                                                "opportunity": DEAL}, EVERYTHING, "u1")
    assert converted["status"] == "converted"
    assert converted["conversion"]["account_created"] is True   # made by the first attempt
    assert counts(opportunities) == (1, 1, 1)


def test_bad_conversions_name_the_field_and_create_nothing(proxy, opportunities, clock):
    lead = new_lead(proxy, "Epsilon")
    cases = [
        ({"contact": True}, "contact.name"),
        ({"contact": 3}, "contact"),
        ({"opportunity": {**DEAL, "amount": {"amount": "-1", "currency": "CNY"}}},
         "opportunity.amount.amount"),
        ({"account": {"account_id": "0" * 24}}, "account.account_id"),
        ({"colour": "red"}, "colour"),
    ]
    for conversion, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            proxy.convert_lead(lead["id"], conversion, EVERYTHING, "u1")
        assert field in raised.value.details, (conversion, raised.value.details)
    assert counts(opportunities) == (0, 0, 0)
    with pytest.raises(ValidationFailed) as raised:   # the opportunities service's own check
        proxy.convert_lead(lead["id"], {"opportunity": {**DEAL, "stage": "nowhere"}},
                           EVERYTHING, "u1")
    assert any(name.startswith("opportunity.") for name in raised.value.details)


def test_an_invalid_lead_is_revived_before_it_converts(proxy, opportunities, clock):
    lead = new_lead(proxy, "Zeta")
    proxy.mark_invalid(lead["id"], "No interest", EVERYTHING, "u1")
    with pytest.raises(Conflict, match="The lead is invalid;"):
        proxy.convert_lead(lead["id"], {}, EVERYTHING, "u1")
    proxy.revive_lead(lead["id"], EVERYTHING, "u1")
    assert proxy.convert_lead(lead["id"], {}, EVERYTHING, "u1")["status"] == "converted"
    with pytest.raises(Conflict, match="The lead is converted;"):
        proxy.mark_invalid(lead["id"], "too late", EVERYTHING, "u1")


@pytest.fixture
def failing_once(container_factory, service_config):
    """The leads service with a dispatcher whose first dispatch fails (the broker was
    away); later ones publish on the real broker."""
    publish = event_dispatcher(service_config)
    sent = []

    def dispatch(event_type, payload):
        sent.append((event_type, payload["event_id"]))
        if len(sent) == 1:
            raise ConnectionError("broker unreachable")
        publish("leads", event_type, payload)

    container = container_factory(LeadsService, service_config)
    replace_dependencies(container, dispatch=dispatch)
    container.start()
    container.sent = sent
    return container


def relay(container):
    with entrypoint_hook(container, "relay_outbox") as relay_outbox:
        return relay_outbox()


def test_an_event_whose_dispatch_failed_is_sent_again_by_the_relay(
        failing_once, service_config, opportunities, listener, clock):
    with ServiceRpcProxy("leads", service_config, timeout=10) as proxy:
        lead = new_lead(proxy, "Eta")
        # The conversion stands although the dispatch failed; the event waits.
        assert proxy.convert_lead(lead["id"], {}, EVERYTHING, "u1")["status"] == "converted"
    [queued] = stored(failing_once, "leads").find_one({"company": "Eta"})["outbox"]
    assert queued["event_type"] == "lead_converted"
    clock.advance(seconds=RELAY_SECONDS - 1)
    assert relay(failing_once) == 0
    clock.advance(seconds=1)
    with entrypoint_waiter(listener, "converted") as received:
        assert relay(failing_once) == 1
    assert received.get()["event_id"] == queued["event_id"]
    assert stored(failing_once, "leads").find_one({"company": "Eta"})["outbox"] == []
    assert relay(failing_once) == 0
