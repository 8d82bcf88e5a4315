"""Domain event payloads: every event carries ``event_id`` and ``occurred_at``.

Handlers are idempotent by ``event_id`` (delivery is at-least-once), so the id is
minted once, where the fact happens, and never on redelivery.
"""
import uuid
from datetime import UTC

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
