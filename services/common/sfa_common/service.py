"""What every service class shares: the ``health`` RPC, loading input, timers whose
interval is a setting (the outbox relay), and background work."""
from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import Timer

from .errors import NotFound, ValidationFailed
from .settings import relay_seconds


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


class ConfiguredTimer(Timer):
    """nameko's timer with its interval read from the config when the container starts:
    ``interval_from`` is a function of the config (a settings reader that names the
    setting when it is malformed)."""

    interval_from = None

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = type(self).interval_from(self.container.config)


class OutboxRelayTimer(ConfiguredTimer):
    """Fires every ``OUTBOX_RELAY_SECONDS``: the relay of a service's outbox events."""

    interval_from = staticmethod(relay_seconds)


relay_timer = OutboxRelayTimer.decorator


class Background(DependencyProvider):
    """Runs long work (an import, a recompute) in a thread the container manages, after
    the RPC that started it has answered; the container's stop kills it. ``pending``
    keeps the threads still running, so a test can wait for them instead of sleeping."""

    def setup(self):
        self.pending = {}

    def get_dependency(self, worker_ctx):
        return self.spawn

    def spawn(self, key, function, *args):
        thread = self.container.spawn_managed_thread(
            lambda: function(*args),
            identifier=f"{self.container.service_name}.background.{key}")
        self.pending[key] = thread
        thread.link(lambda _: self.pending.pop(key, None))
        return thread

    def wait_all(self):
        for thread in list(self.pending.values()):
            thread.wait()
