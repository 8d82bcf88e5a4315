"""The registration conflict check's rules: the labelled company-name pairs (precision
and recall floors) and how conflicts are found and ordered."""
import pytest
from company_pairs import PAIRS, PRECISION_FLOOR, RECALL_FLOOR, evaluate, service_rule

from leads.conflicts import (
    DEFAULT_THRESHOLD,
    candidate_prefix,
    find_conflicts,
    match,
    similarity,
)

HUAWEI_CODE = "914403001922038216"


def test_the_labelled_set_has_enough_pairs_of_both_kinds():
    same = sum(1 for *_, label in PAIRS if label)
    assert len(PAIRS) >= 60 and same >= 25 and len(PAIRS) - same >= 25
    assert len({(a, b) for a, b, _ in PAIRS}) == len(PAIRS)


def test_the_conflict_rule_keeps_its_precision_and_recall_on_the_labelled_pairs():
    precision, recall, wrong = evaluate(service_rule())
    assert precision >= PRECISION_FLOOR, wrong
    assert recall >= RECALL_FLOOR, wrong


@pytest.mark.parametrize("first, second", [
    ("北京银行", "上海银行"), ("北京第二人民医院", "北京第三人民医院"),
    ("ABC Technology Co., Ltd.", "ABD Technology Co., Ltd."), ("京东方科技集团", "京东集团")])
def test_names_that_only_look_alike_are_not_a_conflict(first, second):
    assert not service_rule()(first, second)


def test_similarity_is_symmetric_and_bounded():
    assert similarity("华为技术", "华为技术") == 1.0
    assert similarity("", "华为") == 0.0
    assert similarity("ab", "abc") == similarity("abc", "ab") == pytest.approx(2 / 3)
    assert similarity("a", "a") == 1.0 and similarity("a", "b") == 0.0


def test_a_match_names_its_reasons_and_a_credit_code_scores_one():
    assert match("华为技术", None, "华为技术", None, 0.85).reasons == ("same_name",)
    found = match("acme", HUAWEI_CODE, "other", HUAWEI_CODE, 0.85)
    assert found.reasons == ("credit_code",) and found.score == 1.0
    similar = match("shenzhenmindraybiomedicalelectronics", None,
                    "mindraybiomedicalelectronics", None, 0.85)
    assert similar.reasons == ("similar_name",) and 0.85 <= similar.score < 1
    assert not match("北京银行", None, "上海银行", None, 0.85)
    assert DEFAULT_THRESHOLD == 0.85


def test_candidate_prefix_is_two_chinese_or_three_latin_characters():
    assert candidate_prefix("华为技术") == "华为"
    assert candidate_prefix("microsoft") == "mic"
    assert candidate_prefix("") == ""


def test_find_conflicts_covers_customers_their_open_deals_and_rival_registrations():
    accounts = [
        {"account_id": "a1", "name": "华为技术有限公司", "normalised_name": "华为技术",
         "unified_social_credit_code": None, "partner_org_ids": [],
         "open_opportunities": [{"id": "o1", "name": "Core switches", "stage": "qualify",
                                 "partner_org_id": "p2"}]},
        {"account_id": "a2", "name": "华为终端", "normalised_name": "华为终端",
         "unified_social_credit_code": None, "partner_org_ids": [], "open_opportunities": []},
        {"account_id": "a3", "name": "Other", "normalised_name": "other",
         "unified_social_credit_code": HUAWEI_CODE, "partner_org_ids": [],
         "open_opportunities": []},
    ]
    rivals = [{"_id": "r1", "company": "北京华为技术有限公司", "normalised_company": "华为技术",
               "partner_org_id": "p3", "unified_social_credit_code": None},
              {"_id": "r2", "company": "华夏银行", "normalised_company": "华夏银行",
               "partner_org_id": "p4", "unified_social_credit_code": None}]
    draft = {"normalised_company": "华为技术", "unified_social_credit_code": HUAWEI_CODE}
    found = find_conflicts(draft, accounts, rivals, 0.85)
    assert [(c["kind"], c["record_id"], c["reasons"]) for c in found] == [
        ("customer", "a1", ["same_name"]), ("customer", "a3", ["credit_code"]),
        ("opportunity", "o1", ["same_name"]), ("registration", "r1", ["same_name"])]
    assert found[2]["partner_org_id"] == "p2" and found[3]["partner_org_id"] == "p3"
    assert all(c["score"] == 1.0 for c in found)
    assert find_conflicts({"normalised_company": "x", "unified_social_credit_code": None},
                          accounts, rivals, 0.85) == []
