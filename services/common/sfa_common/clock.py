"""The one way to read the time: UTC-aware, at the millisecond precision BSON keeps,
so a timestamp returned at creation equals the one read back from storage."""
from datetime import UTC, datetime


def utcnow():
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
