"""A bounded per-process pool of started ``ClusterRpcProxy`` objects.

A ``ClusterRpcProxy`` is not thread-safe and costs a connection plus a reply queue
to open, so each request thread borrows one, uses it alone, and gives it back.
Every call has a timeout (``RPC_TIMEOUT``); waiting for a free proxy is bounded by
the same timeout; a proxy that timed out or lost its connection is thrown away
rather than reused, since a late reply could otherwise be read as the next call's.

Requests are published with a message TTL equal to the timeout: a request nobody
picked up in time (the service is down) expires in its queue instead of running
later, after the caller was already told 503. And transient (not persisted by the
broker): a request is worth nothing once its caller stopped waiting, and a broker
that restarts drops the caller's connection anyway (503), so writing each one to
disk only cost the broker time (bench/load.py: a fifth to a quarter of its CPU per call).
Unacknowledged requests are still redelivered when a service instance dies, and
publisher confirms (an unroutable request is UnknownService at once) stay on.
"""
import logging
import queue
import socket
import threading
from contextlib import contextmanager

from kombu.exceptions import OperationalError
from nameko.constants import NON_PERSISTENT
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy

from sfa_common import logs

log = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """The broker or the service cannot answer in time."""


# Errors after which a proxy's connection or reply stream cannot be trusted.
TRANSPORT_ERRORS = (RpcTimeout, OperationalError, ConnectionError, OSError, socket.timeout)


class ExpiringClusterProxy:
    """``rpc.<service>.<method>(...)`` like nameko's ClusterProxy, but every request
    carries ``expiration`` (seconds) and is transient. nameko's own ClusterProxy passes no publish
    options through, so this builds the ServiceProxy from the started proxy's worker
    context and reply listener (nameko 2.14.1 internals; the version is pinned)."""

    def __init__(self, holder, expiration):
        self._holder = holder
        self._expiration = expiration
        self._services = {}

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._services:
            self._services[service] = ServiceProxy(
                self._holder._worker_ctx, service, self._holder._reply_listener,
                expiration=self._expiration, delivery_mode=NON_PERSISTENT)
        return self._services[service]


def carry_correlation_id(holder):
    """Put the request's correlation id into the context data of the proxy's calls
    (nameko sends it in every request's headers; the service's workers log it and pass
    it on); a proxy last used for another request must not carry that one's."""
    data = holder._worker_ctx.data
    current = logs.correlation_id()
    if current:
        data["correlation_id"] = current
    else:
        data.pop("correlation_id", None)


class RpcPool:
    def __init__(self, amqp_uri, size, timeout):
        self.config = {"AMQP_URI": amqp_uri}
        self.size = size
        self.timeout = timeout
        self._idle = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False

    def _open(self):
        holder = ClusterRpcProxy(self.config, timeout=self.timeout)
        try:
            holder.start()
            return holder, ExpiringClusterProxy(holder, self.timeout)
        except TRANSPORT_ERRORS as exc:
            raise ServiceUnavailable(f"The message broker is unreachable: {exc}") from exc

    @staticmethod
    def _discard(holder):
        try:
            holder.stop()
        except Exception as exc:  # closing a broken connection may fail any way
            log.debug("discarding a broken RPC proxy: %s", exc)

    @contextmanager
    def proxy(self):
        """Borrow a started proxy: ``with pool.proxy() as rpc: rpc.leads.health()``."""
        if self._closed:
            raise ServiceUnavailable("The RPC pool is closed.")
        if not self._slots.acquire(timeout=self.timeout):
            raise ServiceUnavailable("Every RPC connection is busy; try again.")
        try:
            try:
                holder, proxy = self._idle.get_nowait()
            except queue.Empty:
                holder, proxy = self._open()
            carry_correlation_id(holder)
            try:
                yield proxy
            except UnknownService as exc:
                self._idle.put((holder, proxy))
                raise ServiceUnavailable(f"{exc}: the service is not running.") from exc
            except TRANSPORT_ERRORS as exc:
                self._discard(holder)
                if isinstance(exc, RpcTimeout):
                    raise ServiceUnavailable(
                        f"No answer within {self.timeout:g} s.") from exc
                raise ServiceUnavailable(f"Lost the broker connection: {exc}") from exc
            except BaseException:
                # A remote (application) error: the proxy is still sound.
                self._idle.put((holder, proxy))
                raise
            else:
                self._idle.put((holder, proxy))
        finally:
            self._slots.release()

    def close(self):
        self._closed = True
        while True:
            try:
                holder, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(holder)
