"""Quotes in a real container on the real broker, with the real opportunities service:
created from an opportunity and priced by the engine, edited as a draft, submitted
against the author's discount threshold, approved, sent, accepted (the opportunity is
won once, ``quote_accepted`` dispatched), revised into versions, expired by the timer,
scoped, and printed as a PDF with Chinese text."""
import base64
import io
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from support import stored

from opportunities.service import OpportunitiesService
from quotes import quote_entrypoints, quote_store
from quotes import service as quotes_service
from quotes.service import QuotesService
from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed

EVERYTHING = {}
REP = {"user_id": "u1", "roles": ["sales_rep"]}
MANAGER = {"user_id": "m1", "roles": ["sales_manager"]}


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


class Listener:
    name = "quote_event_listener"

    @event_handler("quotes", "quote_accepted")
    def accepted(self, payload):
        return payload


@pytest.fixture
def service_config(service_config):
    # The timers never fire by themselves during a test; tests run them with a hook.
    return {**service_config, "OUTBOX_RELAY_SECONDS": "3600", "QUOTE_EXPIRY_SECONDS": "3600"}


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    for module in (quote_entrypoints, quote_store, quotes_service):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


@pytest.fixture
def quotes(start_service, clock):
    return start_service(QuotesService)


@pytest.fixture
def opportunities(start_service):
    return start_service(OpportunitiesService)


@pytest.fixture
def proxy(quotes, opportunities, service_config):
    with ServiceRpcProxy("quotes", service_config, timeout=10) as proxy:
        yield proxy


@pytest.fixture
def deals(opportunities, service_config):
    with ServiceRpcProxy("opportunities", service_config, timeout=10) as proxy:
        yield proxy


@pytest.fixture
def listener(container_factory, service_config):
    container = container_factory(Listener, service_config)
    container.start()
    return container


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def catalogue(proxy):
    server = proxy.create_product({"sku": "SRV-1", "name": "华为服务器 2288H", "unit": "台",
                                   "category": "hardware/servers", "list_price": cny("1299.00"),
                                   "cost": cny("900.00")})
    switch = proxy.create_product({"sku": "SW-1", "name": "Core switch",
                                   "category": "network", "list_price": cny("459.90")})
    return {"server": server, "switch": switch}


@pytest.fixture
def deal(deals):
    account = deals.create_account({"name": "北京某某科技有限公司", "owner_id": "u1"})
    return deals.create_opportunity(
        {"name": "Data centre", "account_id": account["id"], "amount": cny("1000.00"),
         "expected_close_date": "2026-12-31", "owner_id": "u1", "department_id": "d1",
         "partner_org_id": "p1", "partner_user_id": "pu1"}, EVERYTHING, "u1")


def new_quote(proxy, deal, catalogue, author=REP, **fields):
    payload = {"opportunity_id": deal["id"],
               "lines": [{"product_id": catalogue["server"]["id"], "quantity": "10",
                          "line_discount_percent": "5"},
                         {"sku": "SW-1", "quantity": "3", "line_discount_percent": "0"}],
               **fields}
    return proxy.create_quote(payload, EVERYTHING, author)


def test_a_quote_is_created_from_the_opportunity_and_priced(proxy, deal, catalogue):
    quote = new_quote(proxy, deal, catalogue, quote_discount_percent="2.5")
    assert (quote["number"], quote["version"], quote["status"]) == ("Q-202611-0001", 1, "draft")
    assert {name: quote[name] for name in (
        "opportunity_id", "account_id", "account_name", "owner_id", "department_id",
        "partner_org_id", "partner_user_id", "currency")} == {
        "opportunity_id": deal["id"], "account_id": deal["account_id"],
        "account_name": "北京某某科技有限公司", "owner_id": "u1", "department_id": "d1",
        "partner_org_id": "p1", "partner_user_id": "pu1", "currency": "CNY"}
    server, switch = quote["lines"]
    assert (server["sku"], server["name"], server["unit_price"], server["net"]) == (
        "SRV-1", "华为服务器 2288H", cny("1299.00"), cny("12340.50"))
    assert (switch["product_id"], switch["net"]) == (catalogue["switch"]["id"], cny("1379.70"))
    assert server["trace"]   # the engine's trace is kept on the line
    # subtotal 13720.20; discount 2.5 % = 343.005 -> 343.01; net 13377.19;
    # tax 13 % = 1739.0347 -> 1739.03; total 15116.22
    assert quote["totals"] == {"subtotal": cny("13720.20"), "discount": cny("343.01"),
                               "net": cny("13377.19"), "tax": cny("1739.03"),
                               "total": cny("15116.22")}
    assert (quote["tax_rate_percent"], quote["valid_until"]) == ("13", "2026-12-20")
    assert proxy.get_quote(quote["id"], EVERYTHING) == quote
    second = new_quote(proxy, deal, catalogue)
    assert second["number"] == "Q-202611-0002"


def test_lines_are_priced_under_the_named_price_list(proxy, deal, catalogue):
    price_list = proxy.create_price_list({"name": "Projects", "currency": "CNY"})
    proxy.add_price_rule(price_list["id"], {"applies_to": {"kind": "category",
                                                           "category": "hardware"},
                                            "kind": "percent_discount", "percent": "10"})
    quote = new_quote(proxy, deal, catalogue, price_list_id=price_list["id"],
                      tax_rate_percent="0")
    server, switch = quote["lines"]
    assert (server["unit_price"], server["list_price"]) == (cny("1169.10"), cny("1299.00"))
    assert server["net"] == cny("11106.45")     # 11691 x 0.95
    assert switch["unit_price"] == cny("459.90")
    assert quote["totals"]["total"] == cny("12486.15")


def test_bad_input_names_the_field_and_stores_nothing(proxy, quotes, deal, catalogue):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_quote({"opportunity_id": deal["id"],
                            "lines": [{"sku": "SRV-1", "quantity": "0"}]}, EVERYTHING, REP)
    assert set(raised.value.details) == {"lines.0.quantity"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_quote({"opportunity_id": deal["id"],
                            "lines": [{"sku": "SRV-1", "quantity": "1"},
                                      {"sku": "NOPE-1", "quantity": "1"}]}, EVERYTHING, REP)
    assert set(raised.value.details) == {"lines.1.sku"}
    with pytest.raises(ValidationFailed) as raised:   # outside the caller's deal scope
        proxy.create_quote({"opportunity_id": deal["id"]}, {"owner_id": "someone-else"}, REP)
    assert set(raised.value.details) == {"opportunity_id"}
    with pytest.raises(ValidationFailed) as raised:
        new_quote(proxy, deal, catalogue, quote_discount_percent="101",
                  valid_until="2026-11-19")
    assert set(raised.value.details) == {"quote_discount_percent"}
    with pytest.raises(ValidationFailed) as raised:
        new_quote(proxy, deal, catalogue, valid_until="2026-11-19")
    assert set(raised.value.details) == {"valid_until"}
    assert stored(quotes, "quotes").count_documents({}) == 0


def test_a_create_retried_with_its_source_key_answers_the_same_quote(proxy, quotes, deal,
                                                                       catalogue):
    first = new_quote(proxy, deal, catalogue, source_key="idem-1")
    again = new_quote(proxy, deal, catalogue, source_key="idem-1")
    assert again == first
    assert stored(quotes, "quotes").count_documents({}) == 1


def test_only_a_draft_is_edited_and_an_edit_prices_again(proxy, deal, catalogue):
    quote = new_quote(proxy, deal, catalogue)
    edited = proxy.update_quote(quote["id"], {"lines": [{"sku": "SW-1", "quantity": "2"}],
                                              "tax_rate_percent": "6"}, EVERYTHING, REP)
    assert [line["sku"] for line in edited["lines"]] == ["SW-1"]
    assert edited["totals"]["total"] == cny("974.99")   # 919.80 + 6 % (55.188 -> 55.19)
    submitted = proxy.submit_quote(quote["id"], EVERYTHING, REP)
    assert submitted["status"] == "approved"
    with pytest.raises(Conflict) as raised:
        proxy.update_quote(quote["id"], {"notes": "late"}, EVERYTHING, REP)
    assert "approved" in str(raised.value) and set(raised.value.details) == {"status"}


def test_a_discount_above_the_authors_threshold_waits_for_approval(proxy, deal, catalogue):
    quote = new_quote(proxy, deal, catalogue, quote_discount_percent="12")
    pending = proxy.submit_quote(quote["id"], EVERYTHING, REP)
    assert pending["status"] == "pending_approval"
    assert pending["approval"]["required"] is True
    assert (pending["approval"]["max_discount_percent"],
            pending["approval"]["threshold_percent"]) == ("12", "10")
    with pytest.raises(Conflict):
        proxy.send_quote(quote["id"], EVERYTHING, REP)
    rejected = proxy.reject_quote(quote["id"], {"reason": "12 % is too much"}, EVERYTHING,
                                  MANAGER)
    assert rejected["status"] == "draft"
    assert rejected["approval"]["reason"] == "12 % is too much"
    proxy.update_quote(quote["id"], {"quote_discount_percent": "15"}, EVERYTHING, REP)
    proxy.submit_quote(quote["id"], EVERYTHING, REP)
    approved = proxy.approve_quote(quote["id"], EVERYTHING, MANAGER)
    assert approved["status"] == "approved"
    assert approved["approval"]["decided_by"] == "m1"
    assert [entry["status"] for entry in approved["history"]] == [
        "draft", "pending_approval", "draft", "pending_approval", "approved"]
    # A manager's own quote at 15 % needs nobody.
    own = new_quote(proxy, deal, catalogue, author=MANAGER, quote_discount_percent="15")
    assert proxy.submit_quote(own["id"], EVERYTHING, MANAGER)["status"] == "approved"


def sent_quote(proxy, deal, catalogue, **fields):
    quote = new_quote(proxy, deal, catalogue, **fields)
    proxy.submit_quote(quote["id"], EVERYTHING, REP)
    return proxy.send_quote(quote["id"], EVERYTHING, REP)


def test_acceptance_wins_the_opportunity_once_and_dispatches_quote_accepted(
        proxy, deals, deal, catalogue, listener, quotes):
    quote = sent_quote(proxy, deal, catalogue)
    assert quote["status"] == "sent" and quote["sent_at"] == "2026-11-20T08:00:00Z"
    with entrypoint_waiter(listener, "accepted") as received:
        accepted = proxy.accept_quote(quote["id"], EVERYTHING, REP)
    assert accepted["status"] == "accepted"
    won = deals.get_opportunity(deal["id"], EVERYTHING)
    assert (won["stage"], won["status"], won["amount"]) == ("won", "won",
                                                            quote["totals"]["total"])
    assert [(product["sku"], product["quantity"], product["amount"])
            for product in won["products"]] == [("SRV-1", "10", cny("12340.50")),
                                                ("SW-1", "3", cny("1379.70"))]
    event = received.get()
    assert event == {
        "event_id": event["event_id"], "occurred_at": "2026-11-20T08:00:00Z",
        "quote_id": quote["id"], "number": quote["number"], "version": 1,
        "opportunity_id": deal["id"], "account_id": deal["account_id"], "owner_id": "u1",
        "department_id": "d1", "partner_org_id": "p1", "partner_user_id": "pu1",
        "lines": [{"sku": "SRV-1", "category": "hardware/servers", "quantity": "10",
                   "net": cny("12340.50")},
                  {"sku": "SW-1", "category": "network", "quantity": "3",
                   "net": cny("1379.70")}],
        "totals": quote["totals"], "accepted_by": "u1"}
    assert stored(quotes, "quotes").find_one({"status": "accepted"})["outbox"] == []
    # Accepting again answers the accepted quote; the deal is not won twice.
    assert proxy.accept_quote(quote["id"], EVERYTHING, REP) == accepted
    assert len(deals.get_opportunity(deal["id"], EVERYTHING)["stage_history"]) == \
        len(won["stage_history"])


def test_acceptance_retried_after_the_deal_was_won_by_it_completes(proxy, deals, deal,
                                                                   catalogue):
    quote = sent_quote(proxy, deal, catalogue)
    # The first attempt won the deal and then failed before writing the quote.
    deals.win_from_quote(deal["id"], quote["id"], quote["totals"]["total"], [], "u1")
    history = deals.get_opportunity(deal["id"], EVERYTHING)["stage_history"]
    assert proxy.accept_quote(quote["id"], EVERYTHING, REP)["status"] == "accepted"
    assert deals.get_opportunity(deal["id"], EVERYTHING)["stage_history"] == history


def test_a_lost_deal_cannot_be_won_by_a_quote(proxy, deals, deal, catalogue):
    quote = sent_quote(proxy, deal, catalogue)
    deals.move_stage(deal["id"], {"stage": "lost", "lost_reason": "price"}, EVERYTHING, "u1")
    with pytest.raises(Conflict):
        proxy.accept_quote(quote["id"], EVERYTHING, REP)
    assert proxy.get_quote(quote["id"], EVERYTHING)["status"] == "sent"


def test_a_declined_quote_is_revised_into_version_two(proxy, deal, catalogue):
    quote = sent_quote(proxy, deal, catalogue)
    assert proxy.decline_quote(quote["id"], EVERYTHING, REP)["status"] == "rejected"
    second = proxy.revise_quote(quote["id"], EVERYTHING, REP)
    assert (second["number"], second["version"], second["status"]) == (
        quote["number"], 2, "draft")
    assert second["previous_version_id"] == quote["id"] and second["id"] != quote["id"]
    assert second["lines"] == quote["lines"] and second["totals"] == quote["totals"]
    first = proxy.get_quote(quote["id"], EVERYTHING)
    assert (first["status"], first["superseded_by"]) == ("superseded", second["id"])
    with pytest.raises(Conflict):
        proxy.update_quote(quote["id"], {"notes": "x"}, EVERYTHING, REP)
    # Revising the old version again answers the version that replaced it.
    assert proxy.revise_quote(quote["id"], EVERYTHING, REP)["id"] == second["id"]
    with pytest.raises(Conflict):
        proxy.revise_quote(second["id"], EVERYTHING, REP)    # a draft is edited, not revised
    latest = proxy.list_quotes({"number": quote["number"]}, EVERYTHING)["items"]
    assert [(item["version"], item["status"]) for item in latest] == [(2, "draft")]
    every = proxy.list_quotes({"number": quote["number"], "latest_only": False,
                               "sort": "created_at"}, EVERYTHING)["items"]
    assert [item["version"] for item in every] == [1, 2]


def test_the_timer_expires_sent_quotes_past_valid_until(proxy, quotes, deal, catalogue,
                                                        clock):
    quote = sent_quote(proxy, deal, catalogue, valid_until="2026-11-25")
    clock.advance(days=5, hours=15)      # 2026-11-25 23:00: still valid that day
    with entrypoint_hook(quotes, "expire_quotes") as expire:
        assert expire() == 0
    clock.advance(hours=1)
    with entrypoint_hook(quotes, "expire_quotes") as expire:
        assert expire() == 1
    expired = proxy.get_quote(quote["id"], EVERYTHING)
    assert expired["status"] == "expired"
    with pytest.raises(Conflict):
        proxy.accept_quote(quote["id"], EVERYTHING, REP)
    revised = proxy.revise_quote(quote["id"], EVERYTHING, REP)
    assert (revised["version"], revised["valid_until"]) == (2, "2026-12-26")


def test_a_quote_outside_the_scope_is_not_found(proxy, deal, catalogue):
    quote = new_quote(proxy, deal, catalogue)
    assert proxy.get_quote(quote["id"], {"partner_org_id": "p1"})["id"] == quote["id"]
    for call in (lambda: proxy.get_quote(quote["id"], {"partner_org_id": "p2"}),
                 lambda: proxy.submit_quote(quote["id"], {"owner_id": "u2"}, REP),
                 lambda: proxy.get_quote_pdf(quote["id"], {"owner_id": "u2"}),
                 lambda: proxy.get_quote("not-an-id", EVERYTHING)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Forbidden):
        proxy.get_quote(quote["id"], None)
    assert proxy.list_quotes({}, {"partner_org_id": "p2"})["items"] == []


def test_the_pdf_has_the_total_and_the_chinese_product_name(proxy, deal, catalogue):
    quote = new_quote(proxy, deal, catalogue, notes="含税价 <含安装>")
    answer = proxy.get_quote_pdf(quote["id"], EVERYTHING)
    assert (answer["file_name"], answer["content_type"]) == ("Q-202611-0001-v1.pdf",
                                                             "application/pdf")
    content = base64.b64decode(answer["content_base64"])
    assert content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    # 13720.20 + 13 % tax (1783.626 -> 1783.63)
    assert quote["totals"]["total"] == cny("15503.83") and "15,503.83 CNY" in text
    assert "华为服务器 2288H" in text
    assert "北京某某科技有限公司" in text and "2026-12-20" in text
