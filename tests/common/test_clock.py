"""clock.utcnow: aware UTC at the millisecond precision BSON keeps."""
from datetime import UTC, datetime, timedelta

import bson
import mongomock
from bson.codec_options import CodecOptions

from sfa_common.clock import utcnow
from sfa_common.mongo import CODEC_OPTIONS


def test_utcnow_is_aware_utc_and_now():
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    now = utcnow()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_utcnow_has_millisecond_precision():
    for _ in range(200):
        assert utcnow().microsecond % 1000 == 0


def test_utcnow_equals_itself_after_a_bson_round_trip():
    for _ in range(200):
        now = utcnow()
        back = bson.decode(bson.encode({"at": now}), CodecOptions(tz_aware=True))["at"]
        assert back == now


def test_utcnow_equals_itself_after_the_embedded_engine():
    collection = mongomock.MongoClient(tz_aware=True).get_database(
        "t", codec_options=CODEC_OPTIONS).events
    now = utcnow()
    inserted = collection.insert_one({"at": now}).inserted_id
    back = collection.find_one({"_id": inserted})["at"]
    assert back == now
    assert back.utcoffset() == timedelta(0)
