"""Opportunities over AMQP: create, read, change, move, reopen, competitors, lists and
scopes, and bad input answered with a typed error and nothing changed."""
import pytest
from bson import ObjectId
from opportunities_support import EVERYTHING, cny, new_account, new_opportunity
from support import stored

from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed

NO_SUCH_ID = "5f0c0c0c0c0c0c0c0c0c0c0c"


@pytest.fixture
def account(proxy):
    return new_account(proxy, "Acme", owner_id="u1")


def document(container, opportunity):
    return stored(container, "opportunities").find_one({"_id": ObjectId(opportunity["id"])})


def test_a_new_opportunity_opens_at_the_first_stage_with_its_first_history_entry(
        opportunities, proxy, account, clock):
    contact = proxy.create_contact({"account_id": account["id"], "name": "张伟"}, {})
    created = new_opportunity(
        proxy, account, actor="u7", contact_ids=[contact["id"]], amount=cny("12345.60"),
        splits=[{"user_id": "u1", "percent": "70"}, {"user_id": "u2", "percent": "30"}],
        products=[{"sku": "SW-1", "quantity": "2.5", "amount": cny("100.00")}])
    assert (created["stage"], created["status"], created["probability"]) == ("qualify", "open", 10)
    assert created["stage_history"] == [{"stage": "qualify", "probability": 10,
                                         "entered_at": "2026-11-20T08:00:00Z",
                                         "actor_id": "u7", "note": None}]
    assert created["amount"] == cny("12345.60")
    assert created["splits"] == [{"user_id": "u1", "kind": "revenue", "percent": "70"},
                                 {"user_id": "u2", "kind": "revenue", "percent": "30"}]
    assert created["products"][0]["quantity"] == "2.5"
    assert (created["competitors"], created["reopened_count"], created["closed_at"]) == (
        [], 0, None)
    assert proxy.get_opportunity(created["id"], {"owner_id": "u1"}) == created
    stored_document = document(opportunities, created)
    assert stored_document["amount_minor"] == 1234560
    assert stored_document["created_at"] == clock.now


def test_a_new_opportunity_may_start_at_a_named_stage_with_its_own_probability(proxy, account):
    created = new_opportunity(proxy, account, stage="proposal", probability=40)
    assert (created["stage"], created["probability"]) == ("proposal", 40)


@pytest.mark.parametrize("fields, field", [
    ({"stage": "signed"}, "stage"),
    ({"stage": "won"}, "stage"),
    ({"amount": cny("-1.00")}, "amount.amount"),
    ({"amount": cny("1.001")}, "amount.amount"),
    ({"probability": 101}, "probability"),
    ({"account_id": NO_SUCH_ID}, "account_id"),
    ({"account_id": "not-an-id"}, "account_id"),
    ({"splits": [{"user_id": "u1", "percent": "60"}]}, "splits"),
])
def test_a_bad_new_opportunity_names_the_field_and_stores_nothing(
        opportunities, proxy, account, fields, field):
    with pytest.raises(ValidationFailed) as raised:
        new_opportunity(proxy, account, **fields)
    assert field in raised.value.details
    assert stored(opportunities, "opportunities").count_documents({}) == 0


def test_a_contact_of_another_customer_is_refused(opportunities, proxy, account):
    other = new_account(proxy, "Beta")
    theirs = proxy.create_contact({"account_id": other["id"], "name": "李娜"}, {})
    ours = proxy.create_contact({"account_id": account["id"], "name": "王芳"}, {})
    with pytest.raises(ValidationFailed) as raised:
        new_opportunity(proxy, account, contact_ids=[ours["id"], theirs["id"], "nonsense"])
    assert raised.value.details == {"contact_ids": [
        f"{theirs['id']} is not a contact of this customer.",
        "nonsense is not a contact of this customer."]}
    assert stored(opportunities, "opportunities").count_documents({}) == 0
    created = new_opportunity(proxy, account)
    with pytest.raises(ValidationFailed):
        proxy.update_opportunity(created["id"], {"contact_ids": [theirs["id"]]}, {}, "u1")
    assert proxy.get_opportunity(created["id"], {})["contact_ids"] == []


def test_a_customer_outside_the_account_scope_is_no_such_customer(opportunities, proxy, account):
    with pytest.raises(ValidationFailed) as raised:
        new_opportunity(proxy, account, scope={"owner_id": "someone-else"})
    assert raised.value.details == {"account_id": ["No such customer."]}
    with pytest.raises(Forbidden):
        new_opportunity(proxy, account, scope=None)


def test_moving_through_the_pipeline_to_won(opportunities, proxy, account, clock):
    created = new_opportunity(proxy, account)
    clock.advance(days=2)
    moved = proxy.move_stage(created["id"], {"stage": "proposal", "note": "demo done"},
                             {"owner_id": "u1"}, "u2")
    assert (moved["stage"], moved["probability"]) == ("proposal", 50)
    assert moved["stage_history"][-1] == {"stage": "proposal", "probability": 50,
                                          "entered_at": "2026-11-22T08:00:00Z",
                                          "actor_id": "u2", "note": "demo done"}
    clock.advance(days=1, hours=12)
    won = proxy.move_stage(created["id"], {"stage": "won"}, {}, "u2")
    assert (won["stage"], won["status"], won["probability"]) == ("won", "won", 100)
    assert won["closed_at"] == "2026-11-23T20:00:00Z"
    assert [entry["stage"] for entry in won["stage_history"]] == ["qualify", "proposal", "won"]
    # 3 days 12 hours from creation: 3 x 86400 + 43200 = 302400 seconds
    assert document(opportunities, created)["cycle_seconds"] == 302400


@pytest.mark.parametrize("move, error, field", [
    ({"stage": "signed"}, ValidationFailed, "stage"),
    ({"stage": "qualify"}, Conflict, "stage"),
    ({"stage": "lost"}, ValidationFailed, "lost_reason"),
    ({"stage": "won", "probability": 90}, ValidationFailed, "probability"),
    ({"stage": "proposal", "probability": 101}, ValidationFailed, "probability"),
    ({"stage": "proposal", "colour": "red"}, ValidationFailed, "colour"),
])
def test_a_bad_move_answers_the_typed_error_and_changes_nothing(
        opportunities, proxy, account, move, error, field):
    created = new_opportunity(proxy, account)
    before = document(opportunities, created)
    with pytest.raises(error) as raised:
        proxy.move_stage(created["id"], move, {}, "u2")
    assert field in raised.value.details
    assert document(opportunities, created) == before


def test_a_closed_deal_must_be_reopened_before_it_moves_or_its_amount_changes(
        opportunities, proxy, account):
    created = new_opportunity(proxy, account)
    proxy.move_stage(created["id"], {"stage": "lost", "lost_reason": "price"}, {}, "u1")
    with pytest.raises(Conflict) as raised:
        proxy.move_stage(created["id"], {"stage": "proposal"}, {}, "u1")
    assert raised.value.details == {"stage": ["The opportunity is lost; reopen it first."]}
    before = document(opportunities, created)
    with pytest.raises(Conflict) as raised:
        proxy.update_opportunity(created["id"], {"amount": cny("1.00")}, {}, "u1")
    assert set(raised.value.details) == {"amount"}
    assert document(opportunities, created) == before
    # The facts commission does not use may still change.
    assert proxy.update_opportunity(created["id"], {"notes": "lost on price"}, {},
                                    "u1")["notes"] == "lost on price"


def test_reopening_returns_the_deal_to_its_last_open_stage(opportunities, proxy, account):
    created = new_opportunity(proxy, account)
    proxy.move_stage(created["id"], {"stage": "negotiation"}, {}, "u1")
    proxy.move_stage(created["id"], {"stage": "won"}, {}, "u1")
    reopened = proxy.reopen_opportunity(created["id"], {"note": "PO cancelled"}, {}, "u9")
    assert (reopened["stage"], reopened["status"], reopened["probability"]) == (
        "negotiation", "open", 75)
    assert (reopened["closed_at"], reopened["reopened_count"]) == (None, 1)
    assert reopened["stage_history"][-1]["actor_id"] == "u9"
    assert document(opportunities, created)["won_at"] is None
    with pytest.raises(Conflict) as raised:
        proxy.reopen_opportunity(created["id"], {}, {}, "u9")
    assert "open at stage negotiation" in raised.value.details["stage"][0]


def test_changing_an_open_deals_amount_resorts_it(opportunities, proxy, account):
    created = new_opportunity(proxy, account)
    changed = proxy.update_opportunity(created["id"], {"amount": cny("2.50"), "probability": None},
                                       {"owner_id": "u1"}, "u5")
    assert (changed["amount"], changed["probability"]) == (cny("2.50"), 10)
    stored_document = document(opportunities, created)
    assert (stored_document["amount_minor"], stored_document["updated_by"]) == (250, "u5")


def test_competitors_link_relink_lose_to_and_unlink(opportunities, proxy, account):
    cisco = proxy.create_competitor({"name": "Cisco Systems, Inc."})
    h3c = proxy.create_competitor({"name": "新华三技术有限公司"})
    created = new_opportunity(proxy, account)
    proxy.link_competitor(created["id"], cisco["id"], {"note": "incumbent"}, {}, "u1")
    linked = proxy.link_competitor(created["id"], h3c["id"], {}, {}, "u1")
    assert [(link["name"], link["status"]) for link in linked["competitors"]] == [
        ("Cisco Systems, Inc.", "competing"), ("新华三技术有限公司", "competing")]
    relinked = proxy.link_competitor(created["id"], h3c["id"], {"status": "eliminated"}, {}, "u1")
    assert [link["status"] for link in relinked["competitors"]] == ["competing", "eliminated"]
    lost = proxy.move_stage(created["id"], {
        "stage": "lost", "lost_reason": "competitor", "lost_to_competitor_id": cisco["id"]},
        {}, "u1")
    assert lost["lost_to_competitor_id"] == cisco["id"]
    assert [link["status"] for link in lost["competitors"]] == ["selected", "eliminated"]
    with pytest.raises(Conflict):
        proxy.unlink_competitor(created["id"], cisco["id"], {}, "u1")
    unlinked = proxy.unlink_competitor(created["id"], h3c["id"], {}, "u1")
    assert [link["competitor_id"] for link in unlinked["competitors"]] == [cisco["id"]]
    with pytest.raises(NotFound):
        proxy.unlink_competitor(created["id"], h3c["id"], {}, "u1")


def test_linking_an_unknown_competitor_names_it_and_changes_nothing(opportunities, proxy, account):
    created = new_opportunity(proxy, account)
    before = document(opportunities, created)
    for competitor_id in (NO_SUCH_ID, "not-an-id"):
        with pytest.raises(ValidationFailed) as raised:
            proxy.link_competitor(created["id"], competitor_id, {}, {}, "u1")
        assert set(raised.value.details) == {"competitor_id"}
    assert document(opportunities, created) == before


def test_a_deal_outside_the_scope_is_not_found_for_every_call(proxy, account):
    created = new_opportunity(proxy, account, owner_id="u1")
    cisco = proxy.create_competitor({"name": "Cisco"})
    outside = {"owner_id": "u2"}
    calls = [
        lambda scope: proxy.get_opportunity(created["id"], scope),
        lambda scope: proxy.update_opportunity(created["id"], {"notes": "x"}, scope, "u2"),
        lambda scope: proxy.move_stage(created["id"], {"stage": "proposal"}, scope, "u2"),
        lambda scope: proxy.reopen_opportunity(created["id"], {}, scope, "u2"),
        lambda scope: proxy.link_competitor(created["id"], cisco["id"], {}, scope, "u2"),
        lambda scope: proxy.unlink_competitor(created["id"], cisco["id"], scope, "u2"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call(outside)
        with pytest.raises(Forbidden):
            call(None)
    with pytest.raises(Forbidden):
        proxy.list_opportunities({}, None)
    assert proxy.get_opportunity(created["id"], {"owner_id": "u1"})["stage_history"][-1][
        "stage"] == "qualify"


def test_the_pipeline_lists_its_stages(proxy):
    assert proxy.get_pipeline() == {"stages": [
        {"key": "qualify", "kind": "open", "probability": 10},
        {"key": "needs_analysis", "kind": "open", "probability": 25},
        {"key": "proposal", "kind": "open", "probability": 50},
        {"key": "negotiation", "kind": "open", "probability": 75},
        {"key": "won", "kind": "won", "probability": 100},
        {"key": "lost", "kind": "lost", "probability": 0}]}


# -- lists ----------------------------------------------------------------------------------

def every_page(proxy, query, scope=None):
    pages, cursor = [], None
    while True:
        page = proxy.list_opportunities({**query, "cursor": cursor}, scope or {})
        pages.append([item["name"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("sort", ["amount", "-amount", "expected_close_date", "probability"])
def test_paging_with_equal_sort_values_neither_skips_nor_repeats(proxy, account, sort):
    for number in range(7):
        new_opportunity(proxy, account, name=f"deal {number}")
    pages = every_page(proxy, {"sort": sort, "limit": 3})
    assert [len(page) for page in pages] == [3, 3, 1]
    names = [name for page in pages for name in page]
    assert sorted(names) == [f"deal {number}" for number in range(7)]
    # Equal values fall back to the id order, which is the creation order here.
    expected = [f"deal {number}" for number in range(7)]
    assert names == (expected[::-1] if sort.startswith("-") else expected)


def test_lists_sort_by_amount_and_filter(proxy, account, clock):
    new_opportunity(proxy, account, name="Big switches", amount=cny("90000.00"),
                    expected_close_date="2027-01-15")
    small = new_opportunity(proxy, account, name="Small router", amount=cny("900.00"),
                            expected_close_date="2026-12-01")
    new_opportunity(proxy, account, name="Medium firewall", amount=cny("9000.00"),
                    expected_close_date="2026-12-31", owner_id="u2")
    proxy.move_stage(small["id"], {"stage": "won"}, {}, "u1")
    assert every_page(proxy, {"sort": "-amount"}) == [
        ["Big switches", "Medium firewall", "Small router"]]
    assert every_page(proxy, {"status": "open", "sort": "amount"}) == [
        ["Medium firewall", "Big switches"]]
    assert every_page(proxy, {"stage": "won"}) == [["Small router"]]
    assert every_page(proxy, {"close_from": "2026-12-01", "close_to": "2026-12-31",
                              "sort": "expected_close_date"}) == [
        ["Small router", "Medium firewall"]]
    assert every_page(proxy, {"q": "SWITCH"}) == [["Big switches"]]
    assert every_page(proxy, {"q": "."}) == [[]]      # a regex character is just a character
    assert every_page(proxy, {"sort": "name"}, {"owner_id": "u2"}) == [["Medium firewall"]]
    assert every_page(proxy, {"account_id": account["id"], "owner_id": "u1", "sort": "name"}) == [
        ["Big switches", "Small router"]]


@pytest.mark.parametrize("query, field", [
    ({"sort": "colour"}, "sort"),
    ({"status": "pending"}, "status"),
    ({"limit": 0}, "limit"),
    ({"cursor": "not a cursor!"}, "cursor"),
    ({"close_from": "2026-13-01"}, "close_from"),
    ({"colour": "red"}, "colour"),
])
def test_a_malformed_list_query_names_the_field(proxy, query, field):
    with pytest.raises(ValidationFailed) as raised:
        proxy.list_opportunities(query, {})
    assert set(raised.value.details) == {field}


def test_a_cursor_from_another_sort_is_refused(proxy, account):
    for number in range(3):
        new_opportunity(proxy, account, name=f"deal {number}")
    cursor = proxy.list_opportunities({"sort": "amount", "limit": 1}, {})["next_cursor"]
    assert proxy.list_opportunities({"sort": "amount", "limit": 1, "cursor": cursor},
                                    {})["items"][0]["name"] == "deal 1"
    with pytest.raises(ValidationFailed) as raised:
        proxy.list_opportunities({"sort": "name", "cursor": cursor}, {})
    assert set(raised.value.details) == {"cursor"}


def test_a_deal_carries_its_customers_name_which_follows_a_rename(proxy):
    account = new_account(proxy, "Acme Trading")
    other = new_account(proxy, "Beta Foods")
    deal = new_opportunity(proxy, account)
    bystander = new_opportunity(proxy, other)
    assert deal["account_name"] == "Acme Trading"
    proxy.update_account(account["id"], {"name": "Acme Holdings"}, EVERYTHING)
    assert proxy.get_opportunity(deal["id"], EVERYTHING)["account_name"] == "Acme Holdings"
    assert proxy.get_opportunity(bystander["id"], EVERYTHING)["account_name"] == "Beta Foods"


def test_the_partner_a_deal_is_attributed_to_serves_its_customer_from_then_on(proxy):
    account = new_account(proxy, "Acme", partner_org_ids=["p1"])
    contact = proxy.create_contact({"account_id": account["id"], "name": "张伟"}, EVERYTHING)
    partner_p2 = {"partner_org_ids": "p2"}
    with pytest.raises(NotFound):
        proxy.get_account(account["id"], partner_p2)
    deal = new_opportunity(proxy, account, partner_org_id="p2")
    assert proxy.get_account(account["id"], partner_p2)["partner_org_ids"] == ["p1", "p2"]
    assert proxy.get_contact(contact["id"], partner_p2)["id"] == contact["id"]
    proxy.update_opportunity(deal["id"], {"partner_org_id": "p3"}, EVERYTHING, "u1")
    assert proxy.get_account(account["id"], EVERYTHING)["partner_org_ids"] == ["p1", "p2", "p3"]
    # Attributing again to a partner already serving it adds nothing.
    new_opportunity(proxy, account, partner_org_id="p1")
    assert proxy.get_account(account["id"], EVERYTHING)["partner_org_ids"] == ["p1", "p2", "p3"]
