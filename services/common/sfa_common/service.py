"""What every service class shares: the ``health`` RPC and loading input."""
from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import ValidationError
from nameko.rpc import rpc

from .errors import NotFound, ValidationFailed


def record_id(value, what):
    """The ObjectId named by ``value``. A malformed id names no record: NotFound,
    exactly as for a missing one, so the answer says nothing more."""
    # ObjectId(None) mints a fresh id and ObjectId(12 bytes) reads raw bytes: neither names
    # a record the caller sent, so only a 24-hex string or an ObjectId is an id here.
    if not isinstance(value, str | ObjectId):
        raise NotFound(f"No {what} {value!r}.")
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"No {what} {value!r}.") from None


def load(schema, payload, **kwargs):
    """Validate ``payload`` with ``schema``; bad input becomes ``ValidationFailed``."""
    if not isinstance(payload, dict):
        raise ValidationFailed("The request body must be an object.",
                               {"_schema": ["Must be an object."]})
    try:
        return schema.load(payload, **kwargs)
    except ValidationError as error:
        raise ValidationFailed.from_marshmallow(error) from None


class HealthMixin:
    """``health`` RPC: the service is consuming and its storage answers.

    Needs the service's storage dependency to be named ``store``.
    """

    @rpc
    def health(self):
        storage = self.store.ping()
        return {"service": self.name, "status": "ok" if storage else "degraded",
                "storage": storage}
