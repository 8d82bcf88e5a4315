"""events.stamp: every event payload carries a fresh event_id and an ISO UTC occurred_at."""
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sfa_common.events import stamp

PAYLOAD = {"lead_id": "65a1b2c3d4e5f60718293a4b", "customer_id": "c1", "lines": [1, 2]}


def parse_occurred_at(text):
    assert text.endswith("Z")
    return datetime.fromisoformat(text[:-1] + "+00:00")


def test_stamp_adds_an_event_id_and_an_occurred_at_and_keeps_the_payload():
    before = datetime.now(UTC) - timedelta(seconds=1)
    stamped = stamp(PAYLOAD)
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert set(stamped) == set(PAYLOAD) | {"event_id", "occurred_at"}
    assert {k: stamped[k] for k in PAYLOAD} == PAYLOAD
    assert uuid.UUID(hex=stamped["event_id"])  # a real id, not a placeholder
    assert before <= parse_occurred_at(stamped["occurred_at"]) <= after


def test_each_call_mints_a_new_event_id():
    ids = {stamp(PAYLOAD)["event_id"] for _ in range(500)}
    assert len(ids) == 500


def test_occurred_at_is_converted_to_utc_with_z():
    beijing = datetime(2026, 1, 31, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    stamped = stamp(PAYLOAD, occurred_at=beijing)
    assert stamped["occurred_at"] == "2026-01-31T01:30:00Z"
    assert parse_occurred_at(stamped["occurred_at"]) == beijing


def test_a_given_event_id_is_kept():
    # A relay re-sending an outbox entry keeps the id it minted at write time.
    assert stamp(PAYLOAD, event_id="evt-1")["event_id"] == "evt-1"


def test_a_naive_occurred_at_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        stamp(PAYLOAD, occurred_at=datetime(2026, 1, 31, 9, 30))


@pytest.mark.parametrize("already", [{"event_id": "e1"}, {"occurred_at": "2026-01-31T01:30:00Z"},
                                     {"event_id": "e1", "occurred_at": "2026-01-31T01:30:00Z"}])
def test_a_payload_already_stamped_is_refused(already):
    with pytest.raises(ValueError, match="already"):
        stamp({**PAYLOAD, **already})


def test_stamp_does_not_mutate_its_input():
    payload = {"lead_id": "l1", "lines": [1, 2]}
    snapshot = {"lead_id": "l1", "lines": [1, 2]}
    stamped = stamp(payload)
    assert payload == snapshot
    assert stamped is not payload
    stamp(payload)  # stamping the same input twice is fine: it was never marked
