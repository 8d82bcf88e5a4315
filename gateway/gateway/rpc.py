"""A bounded per-process pool of started ``ClusterRpcProxy`` objects.

A ``ClusterRpcProxy`` is not thread-safe and costs a connection plus a reply queue
to open, so each request thread borrows one, uses it alone, and gives it back.
Every call has a timeout (``RPC_TIMEOUT``); waiting for a free proxy is bounded by
the same timeout; a proxy that timed out or lost its connection is thrown away
rather than reused, since a late reply could otherwise be read as the next call's.
"""
import queue
import socket
import threading
from contextlib import contextmanager

from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy


class ServiceUnavailable(Exception):
    """The broker or the service cannot answer in time."""

    def __init__(self, message, service=None):
        super().__init__(message)
        self.service = service


# Errors after which a proxy's connection or reply stream cannot be trusted.
TRANSPORT_ERRORS = (RpcTimeout, OperationalError, ConnectionError, OSError, socket.timeout)


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
            return holder, holder.start()
        except TRANSPORT_ERRORS as exc:
            raise ServiceUnavailable(f"The message broker is unreachable: {exc}") from exc

    @staticmethod
    def _discard(holder):
        try:
            holder.stop()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail any way
            pass

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
            try:
                yield proxy
            except UnknownService as exc:
                self._idle.put((holder, proxy))
                raise ServiceUnavailable(f"{exc}: the service is not running.", str(exc)) from exc
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
