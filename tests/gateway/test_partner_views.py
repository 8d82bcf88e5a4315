"""The partner field views on their own (no service, no request): what a partner's reply
is cut down to and which input fields a partner's schemas refuse."""
import pytest
from marshmallow import ValidationError

from gateway.views import (
    PartnerAccountCreateSchema,
    PartnerAccountPageSchema,
    PartnerAccountUpdateSchema,
    PartnerOpportunityChangeSchema,
    PartnerOpportunityCreateSchema,
    PartnerOpportunityQuerySchema,
    PartnerReportQuerySchema,
    project,
    shown_fields,
)
from sfa_common.contracts.opportunities import PartnerAccountSchema, PartnerOpportunitySchema

ACCOUNT = {"id": "65f000000000000000000001", "created_at": "2026-01-02T03:04:05Z",
           "updated_at": "2026-01-02T03:04:05Z", "name": "华辰科技", "normalised_name": "华辰科技",
           "unified_social_credit_code": None, "industry": "制造业", "region": None,
           "segment": "smb", "owner_id": "u1", "department_id": "d1", "team_member_ids": ["u2"],
           "partner_org_ids": ["org-a", "org-b"], "partner_user_id": "p1"}
PARTNER_ACCOUNT = {key: ACCOUNT[key] for key in (
    "id", "created_at", "updated_at", "name", "unified_social_credit_code", "industry",
    "region", "segment", "partner_user_id")}

OPPORTUNITY = {
    "id": "65f000000000000000000002", "name": "服务器扩容", "account_id": ACCOUNT["id"],
    "amount": {"amount": "1200.00", "currency": "CNY"}, "probability": 25,
    "stage": "needs_analysis", "status": "open", "owner_id": "u1", "department_id": "d1",
    "team_member_ids": ["u2"], "partner_org_id": "org-a", "partner_user_id": "p1",
    "splits": [{"user_id": "u1", "kind": "revenue", "percent": "100"}],
    "sales_method": "direct", "reopened_count": 0, "lost_to_competitor_id": None,
    "stage_history": [{"stage": "qualify", "probability": 10, "actor_id": "u1", "note": None,
                       "entered_at": "2026-01-02T03:04:05Z"}],
    "competitors": [{"competitor_id": "c1", "name": "对手", "status": "competing", "note": None,
                     "linked_at": "2026-01-02T03:04:05Z"}],
}


def test_a_partner_sees_a_customer_without_its_internal_fields():
    assert project(PartnerAccountSchema, ACCOUNT) == PARTNER_ACCOUNT


def test_a_page_is_cut_down_item_by_item():
    page = {"items": [ACCOUNT, ACCOUNT], "next_cursor": "abc"}
    assert project(PartnerAccountPageSchema, page) == {
        "items": [PARTNER_ACCOUNT, PARTNER_ACCOUNT], "next_cursor": "abc"}


def test_a_partner_sees_an_opportunity_without_owner_team_splits_or_department():
    seen = project(PartnerOpportunitySchema, OPPORTUNITY)
    for internal in ("owner_id", "department_id", "team_member_ids", "splits", "sales_method",
                     "partner_org_id", "reopened_count", "lost_to_competitor_id"):
        assert internal not in seen
    assert seen["amount"] == OPPORTUNITY["amount"]
    assert seen["stage_history"] == OPPORTUNITY["stage_history"]
    assert seen["competitors"] == OPPORTUNITY["competitors"]
    # Fields the reply lacks stay absent rather than appear as null.
    assert "closed_at" not in seen


def test_nested_records_are_cut_down_too():
    history = [{**OPPORTUNITY["stage_history"][0], "internal_remark": "x"}]
    seen = project(PartnerOpportunitySchema, {**OPPORTUNITY, "stage_history": history})
    assert seen["stage_history"] == OPPORTUNITY["stage_history"]


def test_shown_fields_of_a_page_are_its_items_fields():
    assert sorted(shown_fields(PartnerAccountPageSchema)) == sorted(PARTNER_ACCOUNT)


@pytest.mark.parametrize("schema, data, refused", [
    (PartnerAccountCreateSchema, {"name": "甲", "owner_id": "u1"}, "owner_id"),
    (PartnerAccountCreateSchema, {"name": "甲", "team_member_ids": []}, "team_member_ids"),
    (PartnerAccountUpdateSchema, {"partner_org_ids": ["org-b"]}, "partner_org_ids"),
    (PartnerAccountUpdateSchema, {"unified_social_credit_code": None},
     "unified_social_credit_code"),
    (PartnerOpportunityCreateSchema, {"splits": []}, "splits"),
    (PartnerOpportunityCreateSchema, {"department_id": "d1"}, "department_id"),
    (PartnerOpportunityChangeSchema, {"amount": {"amount": "1.00", "currency": "CNY"}},
     "amount"),
    (PartnerOpportunityChangeSchema, {"probability": 50}, "probability"),
    (PartnerOpportunityQuerySchema, {"owner_id": "u1"}, "owner_id"),
    (PartnerReportQuerySchema, {"owner_id": "u1"}, "owner_id"),
])
def test_a_partner_schema_refuses_what_a_partner_may_not_send(schema, data, refused):
    with pytest.raises(ValidationError) as raised:
        schema().load(data)
    assert raised.value.messages[refused] == ["Not a field a partner may send."]


def test_what_a_partner_may_send_loads():
    assert PartnerAccountUpdateSchema().load({"industry": "零售", "segment": "smb"}) == {
        "industry": "零售", "segment": "smb"}
    assert PartnerOpportunityChangeSchema().load({"next_step": "报价"}) == {"next_step": "报价"}
    assert PartnerOpportunityQuerySchema().load({"partner_user_id": "p1"})["partner_user_id"] \
        == "p1"
