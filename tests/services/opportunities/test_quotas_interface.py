"""Quotas over AMQP: unique per payee and period, scoped, and each with its attainment
from the deals won, computed once per page."""
from datetime import UTC, datetime

import pytest
from opportunities_support import cny, new_account, new_opportunity

from opportunities.dependencies import OpportunityRepository
from sfa_common.errors import Conflict, Forbidden, NotFound, ValidationFailed


@pytest.fixture
def won_deals(proxy, clock):
    """u1 3000.00 CNY (partner p1) won 5 Nov; u2 1000.00 CNY split 50/50 with u1 won
    6 Nov; u2 40.00 USD won 7 Nov; u1 800.00 CNY won 1 Dec; an open u1 deal."""
    account = new_account(proxy)

    def won(day, **fields):
        deal = new_opportunity(proxy, account, **fields)
        clock.now = day
        proxy.move_stage(deal["id"], {"stage": "won"}, {}, "u1")

    won(datetime(2026, 11, 5, tzinfo=UTC), amount=cny("3000.00"), partner_org_id="p1")
    won(datetime(2026, 11, 6, tzinfo=UTC), owner_id="u2", amount=cny("1000.00"),
        splits=[{"user_id": "u2", "percent": "50"}, {"user_id": "u1", "percent": "50"}])
    won(datetime(2026, 11, 7, tzinfo=UTC), owner_id="u2",
        amount={"amount": "40.00", "currency": "USD"})
    won(datetime(2026, 12, 1, tzinfo=UTC), amount=cny("800.00"))
    new_opportunity(proxy, account, amount=cny("99999.00"))


def quota(proxy, period, target, **payee):
    return proxy.create_quota({"period": period, "target": target, **payee})


def test_attainment_counts_revenue_shares_won_in_the_period_and_currency(proxy, won_deals):
    # u1 in November: 3000.00 + 50 % of 1000.00 = 3500.00 of 10000.00 = 35.0 %
    # (the USD deal and the December one do not count)
    created = quota(proxy, "2026-11", cny("10000.00"), owner_id="u1", department_id="d1")
    assert created["attainment"] == {"won": cny("3500.00"), "won_count": 2, "percent": "35.0"}
    assert (created["period"], created["owner_id"], created["target"]) == (
        "2026-11", "u1", cny("10000.00"))
    assert proxy.get_quota(created["id"], {"owner_id": "u1"}) == created
    # p1 in November: its 3000.00 deal of 6000.00 = 50.0 %
    assert quota(proxy, "2026-11", cny("6000.00"), partner_org_id="p1")["attainment"] == {
        "won": cny("3000.00"), "won_count": 1, "percent": "50.0"}
    # u2 in November, in USD: 40.00 of 100.00 = 40.0 % (its CNY share does not count)
    assert quota(proxy, "2026-11", {"amount": "100.00", "currency": "USD"},
                 owner_id="u2")["attainment"] == {
        "won": {"amount": "40.00", "currency": "USD"}, "won_count": 1, "percent": "40.0"}
    # u1 in December: 800.00 of 0 -> no percentage
    assert quota(proxy, "2026-12", cny("0"), owner_id="u1")["attainment"] == {
        "won": cny("800.00"), "won_count": 1, "percent": None}


def test_a_second_quota_for_the_same_payee_and_period_is_a_conflict(opportunities, proxy):
    quota(proxy, "2026-11", cny("1.00"), owner_id="u1")
    quota(proxy, "2026-12", cny("1.00"), owner_id="u1")
    quota(proxy, "2026-11", cny("1.00"), partner_org_id="u1")
    with pytest.raises(Conflict) as raised:
        quota(proxy, "2026-11", cny("2.00"), owner_id="u1")
    assert set(raised.value.details) == {"period"}


@pytest.mark.parametrize("payload, field", [
    ({"period": "2026-13", "target": cny("1.00"), "owner_id": "u1"}, "period"),
    ({"period": "2026-11", "target": cny("-1.00"), "owner_id": "u1"}, "target.amount"),
    ({"period": "2026-11", "target": cny("1.00"), "owner_id": "u1", "partner_org_id": "p1"},
     "owner_id"),
    ({"period": "2026-11", "target": cny("1.00")}, "owner_id"),
])
def test_a_bad_quota_names_the_field(proxy, payload, field):
    with pytest.raises(ValidationFailed) as raised:
        proxy.create_quota(payload)
    assert field in raised.value.details
    assert proxy.list_quotas({}, {})["items"] == []


def test_a_quota_outside_the_scope_is_not_found_and_its_target_changes_inside(proxy, won_deals):
    created = quota(proxy, "2026-11", cny("10000.00"), owner_id="u1")
    for call in (lambda scope: proxy.get_quota(created["id"], scope),
                 lambda scope: proxy.update_quota(created["id"], {"target": cny("1.00")}, scope)):
        with pytest.raises(NotFound):
            call({"owner_id": "u2"})
        with pytest.raises(Forbidden):
            call(None)
    changed = proxy.update_quota(created["id"], {"target": cny("7000.00")}, {"owner_id": "u1"})
    # 3500.00 of 7000.00 = 50.0 %
    assert (changed["target"], changed["attainment"]["percent"]) == (cny("7000.00"), "50.0")
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_quota(created["id"], {"period": "2026-12"}, {})
    assert set(raised.value.details) == {"period", "target"}


def test_a_page_of_quotas_is_attained_with_one_query(proxy, won_deals, monkeypatch):
    quota(proxy, "2026-11", cny("10000.00"), owner_id="u1")
    quota(proxy, "2026-11", cny("6000.00"), partner_org_id="p1")
    quota(proxy, "2026-12", cny("1000.00"), owner_id="u1")
    quota(proxy, "2026-11", cny("1000.00"), owner_id="u2")
    queries = []
    won_deals_for = OpportunityRepository.won_deals_for

    def counted(store, quotas):
        queries.append(len(quotas))
        return won_deals_for(store, quotas)

    monkeypatch.setattr(OpportunityRepository, "won_deals_for", counted)
    page = proxy.list_quotas({"period": "2026-11", "sort": "created_at"}, {})
    assert queries == [3]
    assert [(item["owner_id"], item["partner_org_id"], item["attainment"]["won"]["amount"])
            for item in page["items"]] == [("u1", None, "3500.00"), (None, "p1", "3000.00"),
                                           ("u2", None, "500.00")]
    mine = proxy.list_quotas({"sort": "period"}, {"owner_id": "u1"})
    assert [(item["period"], item["attainment"]["percent"]) for item in mine["items"]] == [
        ("2026-11", "35.0"), ("2026-12", "80.0")]
    assert proxy.list_quotas({"partner_org_id": "p1"}, {})["items"][0]["target"] == cny("6000.00")
    with pytest.raises(Forbidden):
        proxy.list_quotas({}, None)
