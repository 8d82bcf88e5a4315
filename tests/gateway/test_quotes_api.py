"""Quotes through the gateway: made from an opportunity the caller may quote on, the
author stamped with their roles (whose discount limit decides the approval), approval
by the author's manager, sales ops or an admin (never the author, never a partner),
sending, acceptance winning the deal, revision, the PDF; and a partner's quote request
under its tier, in the partner view. The quotes, opportunities and leads services are
real containers on the real broker."""
import pytest
from identity.identity_support import assert_problem
from support import stored

from leads.service import LeadsService
from opportunities.service import OpportunitiesService
from quotes.service import QuotesService

PATH = "/api/v1/quotes"
INTERNAL_FIELDS = {"owner_id", "department_id", "team_member_ids", "author", "price_list_id",
                   "source_key"}


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def services(start_service):
    return (start_service(QuotesService), start_service(OpportunitiesService),
            start_service(LeadsService))


@pytest.fixture
def boss(people, gw):
    """rep1's manager (a sales manager)."""
    user = gw.user("boss@internal.example", ("sales_manager",))
    changed = gw.admin("PATCH", f"/users/{people.ids['rep1']}", json={"manager_id": user["id"]})
    assert changed.status_code == 200, changed.get_json()
    people.ids["boss"], people.tokens["boss"] = user["id"], gw.token("boss@internal.example")
    return "boss"


@pytest.fixture
def server(services, people):
    return people.created("ops", "/api/v1/products", {
        "sku": "SRV-9", "name": "机架服务器", "category": "hardware/servers",
        "list_price": cny("1000.00"), "cost": cny("600.00")})


@pytest.fixture
def gold_list(services, people):
    gold = people.created("ops", "/api/v1/price-lists", {
        "name": "金牌价", "currency": "CNY", "partner_tiers": ["gold"]})
    people.created("ops", f"/api/v1/price-lists/{gold['id']}/rules", {
        "applies_to": {"kind": "all"}, "kind": "formula",
        "formula": {"base": "list_price", "discount_percent": "20", "min_margin_percent": "50"}})
    return gold


def answer(people, who, method, path, status=200, **kwargs):
    reply = people.call(who, method, path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    return reply.get_json()


def opportunity_of(people, who):
    account = people.created(who, "/api/v1/accounts", {"name": f"{who} 的客户"})
    return people.created(who, "/api/v1/opportunities", {
        "name": f"{who} 的商机", "account_id": account["id"], "amount": cny("100000.00"),
        "expected_close_date": "2026-12-31"})


def lines(product, quantity="2", discount="0"):
    return [{"product_id": product["id"], "quantity": quantity,
             "line_discount_percent": discount}]


def test_a_rep_quotes_their_opportunity_and_the_author_carries_their_roles(
        people, server):
    deal = opportunity_of(people, "rep1")
    body = {"opportunity_id": deal["id"], "lines": lines(server)}
    quote = people.created("rep1", PATH, body)
    assert (quote["status"], quote["version"], quote["opportunity_id"], quote["owner_id"]) == \
        ("draft", 1, deal["id"], people.ids["rep1"])
    assert quote["author"]["user_id"] == people.ids["rep1"]
    assert quote["author"]["roles"] == ["sales_rep"]
    assert quote["totals"]["total"] == cny("2260.00")          # 2 x 1000 + 13% tax
    assert answer(people, "rep1", "GET", f"{PATH}/{quote['id']}") == quote
    assert [item["id"] for item in answer(people, "rep1", "GET", PATH)["items"]] == [quote["id"]]
    for who in ("rep2", "pa1", "pb"):
        assert_problem(people.call(who, "GET", f"{PATH}/{quote['id']}"), 404)
        assert answer(people, who, "GET", PATH)["items"] == []
        # Not a deal they may quote on: 400 naming it.
        assert_problem(people.call(who, "POST", PATH, json=body), 400, "opportunity_id")
    assert_problem(people.call("nobody", "POST", PATH, json=body), 403)
    assert_problem(people.call("rep1", "POST", PATH, json={**body, "source_key": "x"}), 400,
                   "source_key")
    assert_problem(people.call("rep1", "POST", PATH, json={**body, "lines": [
        {"product_id": server["id"], "quantity": "0"}]}), 400, "lines.0.quantity")


def test_an_idempotency_key_makes_a_retried_create_answer_the_same_quote(people, server):
    deal = opportunity_of(people, "rep1")
    body = {"opportunity_id": deal["id"], "lines": lines(server)}
    headers = {"Idempotency-Key": "create-quote-1"}
    first = answer(people, "rep1", "POST", PATH, 201, json=body, headers=headers)
    again = people.call("rep1", "POST", PATH, json=body, headers=headers)
    assert again.get_json()["id"] == first["id"]
    assert answer(people, "rep1", "GET", f"{PATH}?opportunity_id={deal['id']}")["items"] == \
        [first]
    assert_problem(people.call("rep1", "POST", PATH, json=body,
                               headers={"Idempotency-Key": " "}), 400, "Idempotency-Key")


def test_a_discount_above_the_authors_limit_waits_for_the_manager(people, server, boss):
    deal = opportunity_of(people, "rep1")
    quote = people.created("rep1", PATH, {"opportunity_id": deal["id"],
                                          "lines": lines(server, discount="15")})
    path = f"{PATH}/{quote['id']}"
    submitted = answer(people, "rep1", "POST", f"{path}/submit")
    assert submitted["status"] == "pending_approval"      # a rep's limit is 10%
    for who in ("rep1", "rep2"):     # the author and an outsider hold no approval on it
        assert_problem(people.call(who, "POST", f"{path}/approve"), 404)
    assert_problem(people.call(boss, "POST", f"{path}/reject", json={}), 400, "reason")
    rejected = answer(people, boss, "POST", f"{path}/reject", json={"reason": "折扣太大"})
    assert (rejected["status"], rejected["approval"]["reason"]) == ("draft", "折扣太大")
    answer(people, "rep1", "PATCH", path, json={"lines": lines(server, discount="12")})
    assert answer(people, "rep1", "POST", f"{path}/submit")["status"] == "pending_approval"
    approved = answer(people, boss, "POST", f"{path}/approve")
    assert (approved["status"], approved["approval"]["decided_by"]) == \
        ("approved", people.ids["boss"])
    assert_problem(people.call(boss, "POST", f"{path}/approve"), 409)
    assert_problem(people.call("rep1", "PATCH", path, json={"notes": "晚了"}), 409)


def test_nobody_approves_their_own_quote(people, server):
    deal = opportunity_of(people, "rep1")
    quote = people.created("admin", PATH, {"opportunity_id": deal["id"],
                                           "quote_discount_percent": "30",
                                           "lines": lines(server)})
    assert quote["author"] == {"user_id": quote["author"]["user_id"], "roles": ["admin"],
                               "partner_org_id": None, "partner_tier": None}
    path = f"{PATH}/{quote['id']}"
    assert answer(people, "admin", "POST", f"{path}/submit")["status"] == "pending_approval"
    assert_problem(people.call("admin", "POST", f"{path}/approve"), 403)
    assert answer(people, "ops", "POST", f"{path}/approve")["status"] == "approved"


def test_send_accept_wins_the_deal_and_the_pdf(people, server, services):
    deal = opportunity_of(people, "rep1")
    quote = people.created("rep1", PATH, {"opportunity_id": deal["id"],
                                          "lines": lines(server, quantity="3")})
    path = f"{PATH}/{quote['id']}"
    assert_problem(people.call("rep1", "POST", f"{path}/send"), 409)
    assert answer(people, "rep1", "POST", f"{path}/submit")["status"] == "approved"
    assert answer(people, "rep1", "POST", f"{path}/send")["status"] == "sent"
    accepted = answer(people, "rep1", "POST", f"{path}/accept")
    assert accepted["status"] == "accepted"
    won = answer(people, "rep1", "GET", f"/api/v1/opportunities/{deal['id']}")
    assert (won["status"], won["amount"]) == ("won", accepted["totals"]["total"])
    assert answer(people, "rep1", "POST", f"{path}/accept")["id"] == quote["id"]
    assert_problem(people.call("rep1", "POST", f"{path}/decline"), 409)

    pdf = people.call("rep1", "GET", f"{path}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert_problem(people.call("rep2", "GET", f"{path}/pdf"), 404)


def test_revising_makes_the_next_draft_version(people, server):
    deal = opportunity_of(people, "rep1")
    quote = people.created("rep1", PATH, {"opportunity_id": deal["id"], "lines": lines(server)})
    path = f"{PATH}/{quote['id']}"
    answer(people, "rep1", "POST", f"{path}/submit")
    answer(people, "rep1", "POST", f"{path}/send")
    assert answer(people, "rep1", "POST", f"{path}/decline")["status"] == "rejected"
    revised = answer(people, "rep1", "POST", f"{path}/revise", 201)
    assert (revised["number"], revised["version"], revised["status"]) == \
        (quote["number"], 2, "draft")
    assert answer(people, "rep1", "GET", path)["status"] == "superseded"
    assert_problem(people.call("rep1", "PATCH", path, json={"notes": "旧版"}), 409)
    assert [item["version"] for item in answer(people, "rep1", "GET", PATH)["items"]] == [2]
    every = answer(people, "rep1", "GET", f"{PATH}?latest_only=false")["items"]
    assert sorted(item["version"] for item in every) == [1, 2]


def test_a_partner_requests_a_quote_under_its_tier_in_the_partner_view(
        people, server, gold_list, services):
    deal = opportunity_of(people, "pa1")
    body = {"opportunity_id": deal["id"], "lines": lines(server)}
    assert_problem(people.call("pa1", "POST", PATH, json={
        **body, "price_list_id": gold_list["id"]}), 400, "price_list_id")
    quote = people.created("pa1", PATH, body)
    assert not INTERNAL_FIELDS & set(quote), quote
    [line] = quote["lines"]
    # Gold: 20% off the list price, but at least 50% over cost (600 -> 900).
    assert line["unit_price"] == cny("900.00")
    assert line["trace"]["price_list"] == {"name": "金牌价"}
    assert [step["step"] for step in line["trace"]["steps"]] == \
        ["discount", "adjustment", "minor_unit"]
    assert "cost" not in str(line["trace"]) and "600" not in str(line["trace"])
    stored_quote = stored(services[0], "quotes").find_one({})
    assert stored_quote["author"]["partner_tier"] == "gold"
    assert stored_quote["author"]["roles"] == ["partner_rep"]

    path = f"{PATH}/{quote['id']}"
    assert answer(people, "pa1", "GET", path) == quote
    assert answer(people, "aa", "GET", path)["id"] == quote["id"]
    for who in ("pa2", "pb", "rep2"):
        assert_problem(people.call(who, "GET", path), 404)
    inside = answer(people, "admin", "GET", path)
    assert inside["author"]["user_id"] == people.ids["pa1"]
    assert inside["lines"][0]["trace"]["steps"][1]["step"] == "margin_floor"

    changed = answer(people, "pa1", "PATCH", path, json={"lines": lines(server, discount="6")})
    assert changed["lines"][0]["line_discount_percent"] == "6"
    assert_problem(people.call("pa1", "PATCH", path, json={"price_list_id": gold_list["id"]}),
                   400, "price_list_id")
    assert answer(people, "pa1", "POST", f"{path}/submit")["status"] == "pending_approval"
    for step in ("approve", "send", "accept", "decline", "revise"):
        assert_problem(people.call("pa1", "POST", f"{path}/{step}"), 403)
    assert_problem(people.call("aa", "POST", f"{path}/reject", json={"reason": "x"}), 403)
    assert answer(people, "admin", "POST", f"{path}/approve")["status"] == "approved"
    pdf = people.call("pa1", "GET", f"{path}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
