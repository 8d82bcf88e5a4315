"""Helpers of the observability tests: log lines captured exactly as production formats
them (and parsed back), an app served on a real loopback socket, polling with a deadline."""
import json
import logging
import threading
import time

from werkzeug.serving import make_server

from portal import logs as portal_logs
from sfa_common import logs as service_logs

DEADLINE = 30   # seconds a condition may take before the test fails

# The loggers whose lines the tests read, at the level that shows them: one line per
# HTTP request (gateway, portal; probes at DEBUG) and, at DEBUG, one per entrypoint call
# (services).
LOGGERS = {"gateway.observability": logging.DEBUG, "portal.observability": logging.DEBUG,
           "sfa_common.ops": logging.DEBUG}


class LogLines(logging.Handler):
    """Every record, formatted when it is emitted (in the thread that logs it, where its
    correlation id is bound) by the component's own JSON formatter, and parsed back."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []
        self.formatters = {"portal": portal_logs.JsonFormatter(),
                           "gateway": service_logs.JsonFormatter("gateway"),
                           "sfa_common": service_logs.JsonFormatter("service")}

    def emit(self, record):
        formatter = self.formatters.get(record.name.split(".")[0], self.formatters["sfa_common"])
        self.lines.append(json.loads(formatter.format(record)))

    def with_id(self, correlation_id):
        return [line for line in self.lines if line.get("correlation_id") == correlation_id]


class Served:
    """A WSGI app on 127.0.0.1 (threads: a request may call back into this process)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(DEADLINE)


def until(condition, what):
    """Poll ``condition`` until it holds (its value is returned) or the deadline passes."""
    stop = time.monotonic() + DEADLINE
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > stop:
            raise AssertionError(f"not within {DEADLINE} s: {what}")
        time.sleep(0.05)   # polling a condition, not waiting out a race
