"""Stored company-name keys are recomputed after a rule change (scripts/rekey_company_names.py)."""
import mongomock
from pymongo import ASCENDING, IndexModel

from sfa_common.company_names import normalise_company_name
from sfa_common.company_rekey import rekey


def test_old_keys_are_rewritten_once_and_unique_clashes_are_reported():
    db = mongomock.MongoClient().rekey
    db.competitors.create_indexes([IndexModel([("normalised_name", ASCENDING)], unique=True)])
    db.competitors.insert_many([
        {"_id": 1, "name": "華為技術有限公司上海分公司", "normalised_name": "華為技術有限公司上海"},
        {"_id": 2, "name": "华为技术有限公司", "normalised_name": "华为技术"},  # current
        {"_id": 3, "name": "腾讯科技有限公司", "normalised_name": "old"},
    ])
    done = rekey(db.competitors, "name", "normalised_name", batch_size=2)
    assert (done.seen, done.changed, done.refused) == (3, 1, [1])  # 1 is now 2's key
    assert db.competitors.find_one({"_id": 3})["normalised_name"] == "腾讯科技"
    assert db.competitors.find_one({"_id": 1})["normalised_name"] == "華為技術有限公司上海"

    db.leads.insert_many([{"company": "北京华为技术有限公司", "normalised_company": "x"},
                          {"company": "上海市第１人民医院", "normalised_company": "y"}])
    assert rekey(db.leads, "company", "normalised_company").changed == 2
    assert rekey(db.leads, "company", "normalised_company").changed == 0  # idempotent
    assert sorted(d["normalised_company"] for d in db.leads.find()) == sorted(
        normalise_company_name(n) for n in ("北京华为技术有限公司", "上海市第１人民医院"))
