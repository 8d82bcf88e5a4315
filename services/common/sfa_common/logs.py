"""Log lines: one JSON object per line on stderr (``LOG_FORMAT=json``, the default) or
plain text (``LOG_FORMAT=text``), at ``LOG_LEVEL`` (INFO). Every line names its
``component`` and, when known, the ``correlation_id`` of the request that caused it.

The correlation id lives in a context variable: a request thread (gunicorn's gthread
workers) or a nameko worker (one greenthread each, and every greenlet has its own
context) binds it for its own work only. The gateway takes it from ``X-Request-ID``;
nameko carries it in the context data key ``correlation_id`` through RPC calls and
events (see ``sfa_common.ops``).
"""
import contextvars
import json
import logging
import os
import re
import sys
from contextlib import contextmanager
from datetime import UTC, datetime

from .settings import SettingsError, text

FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_FORMAT = "json"
DEFAULT_LEVEL = "INFO"
# What a caller may send as a correlation id (X-Request-ID): short, and nothing that
# could break a log line or a header.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")

_correlation_id = contextvars.ContextVar("correlation_id", default=None)


def well_formed(value):
    """``value`` when it may serve as a correlation id, else None."""
    if isinstance(value, str) and WELL_FORMED_ID.match(value):
        return value
    return None


def correlation_id():
    """The correlation id bound in this thread (greenthread), or None."""
    return _correlation_id.get()


def bind_correlation_id(value):
    """Bind ``value`` for the current thread's work; returns the token ``unbind`` takes."""
    return _correlation_id.set(value)


def unbind_correlation_id(token):
    _correlation_id.reset(token)


@contextmanager
def correlated(value):
    """``with correlated("abc"): ...``: log lines inside carry ``value``."""
    token = bind_correlation_id(value)
    try:
        yield
    finally:
        unbind_correlation_id(token)


def log_format(mapping):
    value = (text(mapping, "LOG_FORMAT") or DEFAULT_FORMAT).lower()
    if value not in FORMATS:
        raise SettingsError("LOG_FORMAT", f"expected one of {', '.join(FORMATS)}, got {value!r}")
    return value


def log_level(mapping):
    value = (text(mapping, "LOG_LEVEL") or DEFAULT_LEVEL).upper()
    if value not in LEVELS:
        raise SettingsError("LOG_LEVEL", f"expected one of {', '.join(LEVELS)}, got {value!r}")
    return value


def utc_time(record):
    when = datetime.fromtimestamp(record.created, UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO 8601), level, logger, message,
    component, correlation_id (when known), the fields a caller passed as
    ``extra={"fields": {...}}``, and exc_info as text when there is one."""

    def __init__(self, component):
        super().__init__()
        self.component = component

    def format(self, record):
        entry = {"time": utc_time(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(), "component": self.component}
        current = correlation_id()
        if current:
            entry["correlation_id"] = current
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({key: value for key, value in fields.items() if key not in entry})
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same facts as one readable line, for a developer's terminal."""

    def __init__(self, component):
        super().__init__()
        self.component = component

    def format(self, record):
        current = correlation_id()
        line = (f"{utc_time(record)} {record.levelname} {self.component}"
                f"{f' [{current}]' if current else ''} {record.name}: {record.getMessage()}")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter(component, mapping):
    cls = JsonFormatter if log_format(mapping) == "json" else TextFormatter
    return cls(component)


class ComponentHandler(logging.StreamHandler):
    """The stderr handler this module installs (recognised, so configuring twice
    replaces it rather than printing every line twice)."""


def stderr_handler(component, mapping=None):
    """The handler for ``component``'s log lines, from ``LOG_FORMAT`` and ``LOG_LEVEL``;
    a malformed one raises ``SettingsError`` naming it. Also sets the root logger's level,
    so lines below it cost nothing.

    A ``()`` factory for ``logging.config.dictConfig``, which the services' config.yml
    (``LOGGING``, read by ``nameko run``) and gunicorn's ``logconfig_dict`` use::

        handlers: {console: {"()": sfa_common.logs.stderr_handler, component: leads}}
    """
    mapping = os.environ if mapping is None else mapping
    level = log_level(mapping)
    handler = ComponentHandler(sys.stderr)
    handler.setFormatter(formatter(component, mapping))
    logging.getLogger().setLevel(level)
    return handler


def configure(component, mapping=None):
    """Send the process's log lines (the root logger's) to stderr in the configured
    format, replacing a handler an earlier call (or the dictConfig above) installed."""
    handler = stderr_handler(component, mapping)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ComponentHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    return handler


def gunicorn_logging(component, mapping=None):
    """gunicorn's ``logconfig_dict`` (gunicorn.conf.py): gunicorn's own lines through the
    same handler as the app's; its access log off (the app logs each request with its
    correlation id)."""
    mapping = os.environ if mapping is None else mapping
    log_format(mapping)
    log_level(mapping)   # named now: dictConfig would hide the name in its own error
    return {"version": 1, "disable_existing_loggers": False,
            "handlers": {"console": {"()": "sfa_common.logs.stderr_handler",
                                     "component": component}},
            "root": {"handlers": ["console"]},
            "loggers": {"gunicorn.error": {"handlers": [], "propagate": True},
                        "gunicorn.access": {"handlers": [], "propagate": False}}}
