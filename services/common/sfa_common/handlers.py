"""``event_handler``: nameko's event handler, whose failures are retried a few times and
then parked instead of looping forever.

nameko's own handler either acks a failed event (it is lost) or, with
``requeue_on_error``, puts it back at the head of its queue, where a payload that always
fails is redelivered at once, forever, and holds up the events behind it. Here a failed
delivery is published again to the tail of the handler's own queue (through the default
exchange, whose routing key is the queue's name) with ``x-sfa-attempts`` counting the
attempts, and the failed copy is acked. After ``EVENT_MAX_ATTEMPTS`` attempts the event
goes to the durable queue ``parked.<service>.<method>`` instead, which nobody consumes:
it is logged at ERROR and counted, and an operator inspects it (RabbitMQ's management UI
or ``rabbitmqadmin``) and, once the cause is fixed, moves it back to the queue named in
its ``x-sfa-queue`` header.

The original headers go along unchanged: they carry nameko's context data (the call id
stack, the correlation id), so a retry runs under the id of the request that caused the
event. A retry is published, and confirmed by the broker, before the failed copy is
acked; if the publish fails the copy is requeued instead, so an event is never dropped
here (at worst it runs once more, and handlers are idempotent by ``event_id``).
"""
import logging

from kombu import Queue
from kombu.common import maybe_declare
from nameko.amqp.publish import Publisher, get_connection
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.events import EventHandler
from prometheus_client import Counter

from .settings import positive_int

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-sfa-attempts"   # attempts made when parked; the next one's number else
ERROR_HEADER = "x-sfa-error"         # on a parked event: the last attempt's error
QUEUE_HEADER = "x-sfa-queue"         # on a parked event: where to move it back to
DEFAULT_MAX_ATTEMPTS = 5
MAX_ERROR_TEXT = 500

# Served with the other metrics on the ops server's /metrics (sfa_common.ops).
EVENTS_PARKED = Counter("sfa_events_parked", "Events parked after their last failed attempt",
                        ["service", "handler"])


def max_attempts(mapping):
    """``EVENT_MAX_ATTEMPTS``: how many times a failing event is handled before it is
    parked (every service with an event handler)."""
    return positive_int(mapping, "EVENT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


def parking_queue_name(service, method):
    return f"parked.{service}.{method}"


def attempt_of(headers):
    """Which attempt this delivery is: 1 for an event as dispatched."""
    try:
        attempt = int((headers or {}).get(ATTEMPTS_HEADER, 1))
    except (TypeError, ValueError):
        return 1
    return max(attempt, 1)


def _error_text(exc_info):
    kind, error, _ = exc_info
    return f"{kind.__name__}: {error}"[:MAX_ERROR_TEXT]


class RetryingEventHandler(EventHandler):
    """nameko's ``EventHandler`` (same queue, same delivery) with retries and parking."""

    def __init__(self, source_service, event_type, **kwargs):
        if kwargs.pop("requeue_on_error", False):
            raise TypeError("requeue_on_error loops a failing event forever; this handler "
                            "retries it EVENT_MAX_ATTEMPTS times, then parks it")
        super().__init__(source_service, event_type, requeue_on_error=False, **kwargs)
        self.max_attempts = None
        self.parking_queue = None
        self.publisher = None

    def setup(self):
        # Read first: a malformed setting stops the container before anything connects.
        self.max_attempts = max_attempts(self.container.config)
        super().setup()
        config = self.container.config
        ssl = config.get(AMQP_SSL_CONFIG_KEY)
        self.parking_queue = Queue(
            parking_queue_name(self.container.service_name, self.method_name), durable=True)
        # Declared now, so operators see where this handler parks before anything does.
        with get_connection(self.queue_consumer.amqp_uri, ssl) as connection:
            maybe_declare(self.parking_queue, connection.channel())
        self.publisher = Publisher(self.queue_consumer.amqp_uri, ssl=ssl,
                                   login_method=config.get(LOGIN_METHOD_CONFIG_KEY))

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        else:
            self._after_failure(message, worker_ctx, exc_info)
        return result, exc_info

    def _after_failure(self, message, worker_ctx, exc_info):
        attempt = attempt_of(message.headers)
        parked = attempt >= self.max_attempts
        headers = dict(message.headers or {})
        if parked:
            headers.update({ATTEMPTS_HEADER: attempt, ERROR_HEADER: _error_text(exc_info),
                            QUEUE_HEADER: self.queue.name})
        else:
            headers[ATTEMPTS_HEADER] = attempt + 1
        target = self.parking_queue if parked else self.queue
        try:
            # The body as it arrived (content type given: kombu does not serialise again).
            self.publisher.publish(
                message.body, exchange="", routing_key=target.name, headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                declare=[target] if parked else [])
        except Exception:
            log.warning("could not re-publish a failed %s event for %s; it goes back on "
                        "its queue", self.event_type, self.method_name, exc_info=True)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)
        service, handler = self.container.service_name, self.method_name
        # The worker's log lines carry its correlation id already (sfa_common.ops binds
        # it); naming it here keeps it on this line in a service without Ops too.
        fields = {"service": service, "handler": handler, "attempt": attempt,
                  "queue": target.name,
                  "correlation_id": worker_ctx.context_data.get("correlation_id")}
        if parked:
            log.error("parked a %s.%s event in %s after %d attempts of %s.%s: %s",
                      self.source_service, self.event_type, target.name, attempt, service,
                      handler, headers[ERROR_HEADER], extra={"fields": fields})
            EVENTS_PARKED.labels(service, handler).inc()
        else:
            log.warning("attempt %d of %d of %s.%s on a %s.%s event failed; retrying",
                        attempt, self.max_attempts, service, handler, self.source_service,
                        self.event_type, extra={"fields": fields})


event_handler = RetryingEventHandler.decorator
