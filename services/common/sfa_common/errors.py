"""Typed remote errors.

A service raises these; nameko serialises them with their arguments and, because
each class is registered with ``deserialize_to_instance``, the caller gets the
same type back (not a bare ``RemoteError``). The gateway maps each type to an HTTP
status in one table.

Each error takes only JSON-safe positional arguments so it survives the trip.
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of every error a service means to tell its caller about."""

    def __init__(self, message, details=None):
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}

    def __str__(self):
        return self.message


@deserialize_to_instance
class NotFound(ServiceError):
    """The record does not exist or lies outside the caller's scope."""


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with the record's state or a unique key."""


@deserialize_to_instance
class ValidationFailed(ServiceError):
    """Bad input. ``details`` maps each field name to a list of messages."""

    @classmethod
    def from_marshmallow(cls, error):
        return cls("The request has invalid fields.", flatten_messages(error.messages))


@deserialize_to_instance
class Forbidden(ServiceError):
    """The call lacks what it needs to be allowed (e.g. a data scope)."""


EXPECTED = (NotFound, Conflict, ValidationFailed, Forbidden)


def flatten_messages(messages, prefix=""):
    """Turn marshmallow's nested messages into ``{"a.b": ["..."]}``."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_messages(value, name))
        else:
            flat[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return flat
