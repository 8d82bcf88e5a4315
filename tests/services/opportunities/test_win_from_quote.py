"""``win_from_quote``: an accepted quote wins an open deal with its total and products
(the usual won event), idempotently; a deal won by something else or lost refuses."""
import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_waiter
from opportunities_support import EVERYTHING, cny, new_account, new_opportunity
from support import stored

from sfa_common.errors import Conflict, NotFound, ValidationFailed

PRODUCTS = [{"product_id": "p1", "sku": "SRV-1", "category": "hardware/servers",
             "quantity": "10", "amount": cny("12340.50")}]


class CommissionStandIn:
    name = "commission_stand_in"

    @event_handler("opportunities", "opportunity_won")
    def won(self, payload):
        return payload


@pytest.fixture
def listener(container_factory, service_config):
    container = container_factory(CommissionStandIn, service_config)
    container.start()
    return container


@pytest.fixture
def deal(proxy):
    return new_opportunity(proxy, new_account(proxy))


def test_an_open_deal_is_won_with_the_quotes_total_and_products(proxy, listener, deal, clock):
    clock.advance(days=3)
    with entrypoint_waiter(listener, "won") as received:
        won = proxy.win_from_quote(deal["id"], "q1", cny("15503.83"), PRODUCTS, "u1")
    assert (won["stage"], won["status"], won["probability"]) == ("won", "won", 100)
    assert won["amount"] == cny("15503.83")
    assert won["products"] == PRODUCTS
    assert won["stage_history"][-1]["note"] == "quote q1 accepted"
    event = received.get()
    assert (event["amount"], event["products"], event["stage"]) == (
        cny("15503.83"), PRODUCTS, "won")


def test_won_again_by_the_same_quote_answers_it_unchanged(proxy, opportunities, deal):
    won = proxy.win_from_quote(deal["id"], "q1", cny("100.00"), PRODUCTS, "u1")
    again = proxy.win_from_quote(deal["id"], "q1", cny("100.00"), PRODUCTS, "u1")
    assert again == won
    assert stored(opportunities, "opportunities").find_one()["revision"] == 1


def test_won_by_something_else_or_lost_is_a_conflict(proxy, deal):
    proxy.win_from_quote(deal["id"], "q1", cny("100.00"), [], "u1")
    with pytest.raises(Conflict) as raised:
        proxy.win_from_quote(deal["id"], "q2", cny("100.00"), [], "u1")
    assert "won" in str(raised.value)
    # Reopened and won by hand: that win is not the quote's.
    proxy.reopen_opportunity(deal["id"], {}, EVERYTHING, "u1")
    proxy.move_stage(deal["id"], {"stage": "won"}, EVERYTHING, "u1")
    with pytest.raises(Conflict):
        proxy.win_from_quote(deal["id"], "q1", cny("100.00"), [], "u1")
    lost = new_opportunity(proxy, new_account(proxy, "Other"))
    proxy.move_stage(lost["id"], {"stage": "lost", "lost_reason": "price"}, EVERYTHING, "u1")
    with pytest.raises(Conflict) as raised:
        proxy.win_from_quote(lost["id"], "q3", cny("100.00"), [], "u1")
    assert "lost" in str(raised.value)


def test_bad_input_names_the_field_and_changes_nothing(proxy, deal):
    with pytest.raises(ValidationFailed) as raised:
        proxy.win_from_quote(deal["id"], "q1", cny("-1.00"), [{"sku": "X"}], "u1")
    assert set(raised.value.details) == {"amount.amount", "products.0.quantity",
                                         "products.0.amount"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.win_from_quote(deal["id"], "q1", cny("1.005"), [], "u1")
    assert set(raised.value.details) == {"amount"}
    with pytest.raises(ValidationFailed) as raised:
        proxy.win_from_quote(deal["id"], "q1", {"amount": "1.00", "currency": "USD"}, [], "u1")
    assert set(raised.value.details) == {"amount"}
    with pytest.raises(NotFound):
        proxy.win_from_quote("5f0c0c0c0c0c0c0c0c0c0c0c", "q1", cny("1.00"), [], "u1")
    assert proxy.get_opportunity(deal["id"], EVERYTHING)["status"] == "open"
