"""Does a record satisfy a compiled scope? The gateway's own answer, in memory.

A create is checked before it reaches a service (the new record, as the gateway
stamped it, must fall inside the subject's create scope), and a commission preview
asks whether a payee's statement lines would be readable. Both need MongoDB's
meaning of the scope filter on one record, without a database.

Only the shapes ``compile_filter`` produces are understood: the empty filter, a
field's equality with a scalar, ``$in`` over scalars, and ``$and`` / ``$or`` over
such filters (several fields in one object are an implicit AND). Anything else is a
bug upstream and raises ``UnsupportedFilter``, so the check fails closed rather than
guessing. The semantics are MongoDB's for these shapes:
- a field holding a list matches when any of its elements matches (``partner_org_ids``,
  ``team_member_ids``);
- a missing field equals only ``None``; ``$in`` matches a missing field only when
  ``None`` is among its values;
- values compare by type as BSON does: the string ``"1"`` is not the number 1, and
  ``True`` is not 1;
- ``$in: []`` matches nothing (``MATCH_NOTHING``).
"""
from collections.abc import Mapping

_SCALARS = (str, int, bool, type(None))


class UnsupportedFilter(ValueError):
    """A filter shape the scope compiler never produces."""


def matches(scope, record):
    """True when ``record`` (a plain dict) is selected by the compiled ``scope``."""
    if not isinstance(scope, Mapping):
        raise UnsupportedFilter(f"a filter must be an object, got {type(scope).__name__}")
    return all(_clause(key, condition, record) for key, condition in scope.items())


def _clause(key, condition, record):
    if key == "$and":
        return all(matches(part, record) for part in _parts(key, condition))
    if key == "$or":
        return any(matches(part, record) for part in _parts(key, condition))
    if key.startswith("$") or "." in key:
        raise UnsupportedFilter(f"{key!r} is not a field or operator the compiler writes")
    value = record.get(key)
    if isinstance(condition, Mapping):
        if list(condition) != ["$in"] or not isinstance(condition["$in"], list):
            raise UnsupportedFilter(f"{key!r}: only $in over a list is understood")
        return any(_equal(value, wanted) for wanted in map(_scalar, condition["$in"]))
    return _equal(value, _scalar(condition))


def _parts(operator, condition):
    if not isinstance(condition, list) or not condition:
        raise UnsupportedFilter(f"{operator} needs a non-empty list of filters")
    return condition


def _scalar(value):
    if not isinstance(value, _SCALARS):
        raise UnsupportedFilter(f"only strings, numbers, booleans and null are compared, "
                                f"got {type(value).__name__}")
    return value


def _equal(stored, wanted):
    if isinstance(stored, list):
        return any(_same(element, wanted) for element in stored)
    return _same(stored, wanted)


def _same(stored, wanted):
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(stored, str) or isinstance(wanted, str):
        return isinstance(stored, str) and isinstance(wanted, str) and stored == wanted
    return stored == wanted
