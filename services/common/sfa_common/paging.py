"""Keyset (cursor) paging over one sort field plus ``_id``.

One page is one query (``find(query AND after-cursor).sort(field, _id).limit(n + 1)``),
and a page never skips or repeats a record because others were added in between, as
offset paging would. Sort fields must never be null (a null does not compare with
``$gt``), so the records a list sorts by always carry them.

A cursor is opaque to callers: the URL-safe base64 of JSON ``[sort, value, id]``, valid
only under the sort it was issued for. Values are datetimes, integers or strings;
money sorts by an integer key (the embedded engine cannot compare Decimal128).
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING

KINDS = ("datetime", "int", "str")
MAX_CURSOR = 600


class CursorError(ValueError):
    """Not a cursor issued for this sort."""


@dataclass(frozen=True)
class Sort:
    """``"-amount"``: the public name, the stored field and the kind of its values."""
    text: str
    field: str
    kind: str
    descending: bool

    def key(self):
        direction = DESCENDING if self.descending else ASCENDING
        return [(self.field, direction), ("_id", direction)]


def parse_sort(text, allowed):
    """``allowed`` maps public names to ``(stored field, kind)``; ``-`` sorts descending."""
    if not isinstance(text, str):
        raise ValueError("not a sort")
    name = text[1:] if text.startswith("-") else text
    if name not in allowed:
        raise ValueError(f"not one of {', '.join(sorted(allowed))} (prefix - for descending)")
    field, kind = allowed[name]
    if kind not in KINDS:
        raise ValueError(f"unknown sort kind {kind!r}")
    return Sort(text, field, kind, text.startswith("-"))


def encode_cursor(sort, record):
    """The cursor of the page after ``record`` (the last of this page)."""
    value = record[sort.field]
    if sort.kind == "datetime":
        value = value.astimezone(UTC).isoformat()
    payload = json.dumps([sort.text, value, str(record["_id"])], ensure_ascii=False,
                         separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor, sort):
    """``(value, ObjectId)`` from a cursor issued under ``sort``; ``CursorError`` otherwise."""
    if not isinstance(cursor, str) or not cursor.isascii() or len(cursor) > MAX_CURSOR:
        raise CursorError("not a cursor")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        sort_text, value, record_id = json.loads(raw.decode())
        record_id = ObjectId(record_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, InvalidId):
        raise CursorError("not a cursor") from None
    if sort_text != sort.text:
        raise CursorError("issued for another sort")
    return _value(value, sort.kind), record_id


def _value(value, kind):
    if kind == "datetime":
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise CursorError("not a cursor")
        return parsed.astimezone(UTC)
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        raise CursorError("not a cursor")
    if kind == "str" and not isinstance(value, str):
        raise CursorError("not a cursor")
    return value


def after(sort, value, record_id):
    """The filter for records that come after ``(value, record_id)`` in ``sort`` order."""
    beyond = "$lt" if sort.descending else "$gt"
    return {"$or": [{sort.field: {beyond: value}},
                    {sort.field: value, "_id": {beyond: record_id}}]}


def fetch_page(collection, query, sort, cursor=None, limit=50, projection=None):
    """``(records, next_cursor)``: up to ``limit`` records matching ``query`` after
    ``cursor`` in ``sort`` order; ``next_cursor`` is None on the last page."""
    if cursor is not None:
        query = {"$and": [query, after(sort, *decode_cursor(cursor, sort))]}
    records = list(collection.find(query, projection).sort(sort.key()).limit(limit + 1))
    if len(records) <= limit:
        return records, None
    records = records[:limit]
    return records, encode_cursor(sort, records[-1])
