"""Idempotent creates by ``source_key`` and the look-ups the leads service asks for:
``find_account_by_name`` (conversion's duplicate check) and ``match_accounts`` (the
deal-registration conflict check)."""
import pytest
from opportunities_support import EVERYTHING, new_account, new_opportunity
from support import stored

from sfa_common.errors import ValidationFailed

HUAWEI_CODE = "914403001922038216"


def test_an_account_created_twice_with_one_source_key_is_one_account(opportunities, proxy):
    first = proxy.create_account({"name": "华为技术有限公司", "source_key": "lead:1:account",
                                  "unified_social_credit_code": HUAWEI_CODE})
    again = proxy.create_account({"name": "华为技术有限公司", "source_key": "lead:1:account",
                                  "unified_social_credit_code": HUAWEI_CODE})
    assert again == first
    assert first["source_key"] == "lead:1:account"
    assert stored(opportunities, "accounts").count_documents({}) == 1


def test_the_earlier_record_is_returned_as_it_is_not_changed_by_the_retry(opportunities, proxy):
    first = proxy.create_account({"name": "Acme", "source_key": "k1"})
    again = proxy.create_account({"name": "Acme renamed", "source_key": "k1"})
    assert again["name"] == "Acme" and again["id"] == first["id"]


def test_accounts_without_a_source_key_never_clash(opportunities, proxy):
    proxy.create_account({"name": "Acme"})
    proxy.create_account({"name": "Acme"})
    proxy.create_account({"name": "Acme", "source_key": None})
    assert stored(opportunities, "accounts").count_documents({}) == 3


def test_a_racing_retry_that_reaches_the_unique_index_gets_the_first_record(opportunities):
    # The look-up before the insert saw nothing (both retries ran it at once); the
    # unique partial index stops the second insert and it returns the first record.
    from opportunities.dependencies import OpportunityRepository
    repository = OpportunityRepository(
        next(d for d in opportunities.dependencies if d.attr_name == "store").db)
    first = repository.add_account({"name": "Acme", "normalised_name": "acme",
                                    "unified_social_credit_code": None, "source_key": "k"})
    second = repository.add_account({"name": "Acme", "normalised_name": "acme",
                                     "unified_social_credit_code": None, "source_key": "k"})
    assert second["_id"] == first["_id"]


def test_contacts_and_opportunities_are_idempotent_by_source_key(opportunities, proxy):
    account = new_account(proxy)
    contact = {"account_id": account["id"], "name": "Li Lei", "source_key": "lead:1:contact"}
    assert proxy.create_contact(contact, EVERYTHING) == proxy.create_contact(contact, EVERYTHING)
    first = new_opportunity(proxy, account, source_key="registration:r1")
    again = new_opportunity(proxy, account, source_key="registration:r1", name="Other")
    assert again == first
    assert stored(opportunities, "contacts").count_documents({}) == 1
    assert stored(opportunities, "opportunities").count_documents({}) == 1
    new_opportunity(proxy, account)
    new_opportunity(proxy, account)
    assert stored(opportunities, "opportunities").count_documents({}) == 3


def test_source_key_is_not_a_change_an_update_may_make(proxy):
    account = new_account(proxy, source_key="k")
    with pytest.raises(ValidationFailed) as raised:
        proxy.update_account(account["id"], {"source_key": "other"}, EVERYTHING)
    assert set(raised.value.details) == {"source_key"}


def test_find_account_by_name_matches_the_normalised_name(proxy):
    assert proxy.find_account_by_name("华为技术有限公司") is None
    older = new_account(proxy, name="华为技术有限公司")
    new_account(proxy, name="Huawei")
    new_account(proxy, name="北京华为技术有限公司")  # the same normalised name, younger
    assert proxy.find_account_by_name("华为技术（中国）有限公司")["id"] == older["id"]
    assert proxy.find_account_by_name("华夏银行") is None


def test_match_accounts_returns_candidates_with_their_open_opportunities(proxy):
    huawei = new_account(proxy, name="华为技术有限公司", unified_social_credit_code=HUAWEI_CODE,
                         partner_org_ids=["p1"])
    similar = new_account(proxy, name="华为终端有限公司")
    other_code = new_account(proxy, name="Some other name",
                             unified_social_credit_code="91440300708461136T")
    new_account(proxy, name="腾讯科技有限公司")
    deal = new_opportunity(proxy, huawei, partner_org_id="p1", name="Core switches")
    won = new_opportunity(proxy, huawei, name="Old deal")
    proxy.move_stage(won["id"], {"stage": "won"}, EVERYTHING, "u1")
    found = proxy.match_accounts("北京华为技术有限公司", HUAWEI_CODE, 10)
    by_id = {candidate["account_id"]: candidate for candidate in found}
    assert set(by_id) == {huawei["id"], similar["id"]}
    assert by_id[huawei["id"]] == {
        "account_id": huawei["id"], "name": "华为技术有限公司", "normalised_name": "华为技术",
        "unified_social_credit_code": HUAWEI_CODE, "partner_org_ids": ["p1"],
        "open_opportunities": [{"id": deal["id"], "name": "Core switches",
                                "stage": "qualify", "partner_org_id": "p1"}]}
    by_code = proxy.match_accounts("Unrelated", "91440300708461136T", 10)
    assert [candidate["account_id"] for candidate in by_code] == [other_code["id"]]
    assert len(proxy.match_accounts("华为", None, 1)) == 1
    with pytest.raises(ValidationFailed):
        proxy.match_accounts("华为", None, 0)
