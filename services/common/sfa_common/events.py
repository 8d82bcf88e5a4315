"""Domain event payloads: every event carries ``event_id`` and ``occurred_at``.

Handlers are idempotent by ``event_id`` (delivery is at-least-once), so the id is
minted once, where the fact happens, and never on redelivery.
"""
import uuid
from datetime import UTC, timedelta

from .clock import utcnow


def stamp(payload, *, occurred_at=None, event_id=None):
    """Return a copy of ``payload`` with a fresh ``event_id`` and an ISO UTC ``occurred_at``."""
    if "event_id" in payload or "occurred_at" in payload:
        raise ValueError("payload already carries event_id/occurred_at")
    when = occurred_at or utcnow()
    if when.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return {
        **payload,
        "event_id": event_id or uuid.uuid4().hex,
        "occurred_at": when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


# -- the outbox --------------------------------------------------------------------------
# A write that makes an event happen also pushes the stamped event onto its document's
# ``outbox`` (one update, so the fact and its event are stored together); the service
# dispatches it after the write and pulls it by ``event_id``. Whatever is still there
# after the relay interval (the dispatch failed, the worker died) a timer sends again,
# ids unchanged: delivery is at-least-once and listeners deduplicate by ``event_id``.

def outbox_entry(event_type, payload, queued_at):
    """The outbox entry of a stamped ``payload``."""
    return {"event_id": payload["event_id"], "event_type": event_type, "payload": payload,
            "queued_at": queued_at}


def overdue_cutoff(now, relay_seconds):
    """Entries queued at or before this are overdue: their write's own dispatch had its
    chance."""
    return now - timedelta(seconds=relay_seconds)
