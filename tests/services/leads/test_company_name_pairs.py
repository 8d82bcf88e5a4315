"""The conflict check's name decision on the labelled set by class (issue 14), and the
explanation each conflict carries."""
import pytest
from company_name_pairs import CLASSES, HELD_OUT, HELD_OUT_2, PAIRS, TUNING

from leads.conflicts import DEFAULT_THRESHOLD, company_names_conflict, find_conflicts
from sfa_common.company_names import normalise_company_name


def _scores(rows):
    tp = sum(1 for _, a, b, same in rows if same and company_names_conflict(a, b))
    fp = sum(1 for _, a, b, same in rows if not same and company_names_conflict(a, b))
    fn = sum(1 for _, a, b, same in rows if same and not company_names_conflict(a, b))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_the_set_is_big_covers_every_class_and_has_no_repeats():
    assert len(PAIRS) >= 300
    assert len({(a, b) for _, a, b, _ in PAIRS}) == len(PAIRS)
    for name in CLASSES:
        assert sum(1 for row in PAIRS if row[0] == name) >= 7, name


@pytest.mark.parametrize(("rows", "precision_floor", "f1_floor"), [
    (TUNING, 0.98, 0.97), (HELD_OUT, 0.95, 0.95), (HELD_OUT_2, 0.95, 0.90)],
    ids=["tuning", "held-out", "held-out-2"])
def test_each_batch_keeps_its_floors(rows, precision_floor, f1_floor):
    precision, _, f1 = _scores(rows)
    assert precision >= precision_floor and f1 >= f1_floor, (precision, f1)


def _draft(company):
    return {"company": company, "normalised_company": normalise_company_name(company),
            "unified_social_credit_code": None}


def test_a_conflict_explains_itself_and_keeps_its_fields():
    account = {"account_id": "a1", "name": "北京华为技术有限公司",
               "normalised_name": normalise_company_name("北京华为技术有限公司"),
               "open_opportunities": [{"id": "o1", "name": "核心网", "partner_org_id": "p9"}]}
    rival = {"_id": "r1", "company": "華為技術股分有限公司", "partner_org_id": "p2",
             "normalised_company": normalise_company_name("華為技術股分有限公司")}
    found = find_conflicts(_draft("华为技术有限公司上海分公司"), [account], [rival],
                           DEFAULT_THRESHOLD)
    assert [(c["kind"], c["record_id"], c["reasons"], c["score"]) for c in found] == [
        ("customer", "a1", ["same_name"], 1.0), ("opportunity", "o1", ["same_name"], 1.0),
        ("registration", "r1", ["same_name"], 1.0)]
    assert {key for key in found[0]} == {"kind", "record_id", "name", "partner_org_id",
                                         "score", "reasons", "explanation"}
    assert found[0]["explanation"]["folded"] == ["branch", "place"]
    assert found[2]["explanation"]["folded"] == ["traditional", "branch", "legal_form",
                                                 "legal_form_typo"]
    assert "组织形式错字" in found[2]["explanation"]["zh"]


def test_institutions_of_two_cities_are_no_conflict_even_when_their_keys_are_close():
    account = {"account_id": "a1", "name": "北京市第一中级人民法院",
               "normalised_name": normalise_company_name("北京市第一中级人民法院")}
    assert find_conflicts(_draft("上海市第一中级人民法院"), [account], [],
                          DEFAULT_THRESHOLD) == []


def test_the_reviewer_sees_the_explanation_and_a_partner_does_not():
    from sfa_common.contracts.registrations import ConflictSchema, PartnerConflictSchema
    account = {"account_id": "a1", "name": "北京华为技术有限公司",
               "normalised_name": normalise_company_name("北京华为技术有限公司")}
    conflict = find_conflicts(_draft("華為技術有限公司"), [account], [], DEFAULT_THRESHOLD)[0]
    internal = ConflictSchema().dump(conflict)
    assert internal["explanation"]["details"] == {"place": "北京"}
    assert internal["explanation"]["zh"].startswith("名称相同")
    assert "explanation" not in PartnerConflictSchema().dump(conflict)
    # A conflict stored before explanations existed still dumps as it did.
    del conflict["explanation"]
    assert "explanation" not in ConflictSchema().dump(conflict)


def test_candidate_selection_reaches_what_the_decision_would_match():
    # The store only scores names its anchored, indexed search returns: a pair the
    # decision calls one company must be found by it from either side.
    import re

    from leads.conflicts import candidate_prefix
    from sfa_common.company_names import candidate_pattern
    matched = [(a, b) for _, a, b, same in PAIRS if same and company_names_conflict(a, b)]
    found = [(a, b) for a, b in matched
             if re.match(candidate_pattern(candidate_prefix(normalise_company_name(a))),
                         normalise_company_name(b))]
    assert len(found) / len(matched) >= 0.98, set(matched) - set(found)


def test_a_rival_registration_with_a_sound_alike_typo_is_a_candidate():
    import mongomock

    from leads.dependencies import LeadRepository
    db = mongomock.MongoClient().candidates
    db.registrations.insert_many([
        {"company": "腾讯科技有限公司", "normalised_company": "腾讯科技", "status": "submitted",
         "partner_org_id": "p2"},
        {"company": "腾达科技有限公司", "normalised_company": "腾达科技", "status": "submitted",
         "partner_org_id": "p2"}])
    rivals = LeadRepository(db).rival_registrations("腾迅科技", "腾迅", None, "p1", None)
    assert [r["company"] for r in rivals] == ["腾讯科技有限公司"]
    found = find_conflicts(_draft("腾迅科技有限公司"), [], rivals, DEFAULT_THRESHOLD)
    assert [(c["kind"], c["reasons"]) for c in found] == [("registration", ["similar_name"])]
    assert "typo" in found[0]["explanation"]["folded"]
