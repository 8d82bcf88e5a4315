"""The portal's log lines, in the same shape as every other component's
(``sfa_common.logs``, which the portal does not install: it deploys without the service
stack): one JSON object per line on stderr (``LOG_FORMAT=json``, the default) or plain
text (``LOG_FORMAT=text``), at ``LOG_LEVEL`` (INFO), naming the ``component`` and the
request's ``correlation_id`` (the X-Request-ID the portal also sends the gateway).
tests/observability checks that both modules write the same fields.
"""
import contextvars
import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

from .settings import SettingsError, _text

COMPONENT = "portal"
FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")

_correlation_id = contextvars.ContextVar("portal_correlation_id", default=None)


def well_formed(value):
    """``value`` when it may serve as a correlation id, else None."""
    if isinstance(value, str) and WELL_FORMED_ID.match(value):
        return value
    return None


def correlation_id():
    return _correlation_id.get()


def bind_correlation_id(value):
    return _correlation_id.set(value)


def unbind_correlation_id(token):
    _correlation_id.reset(token)


def log_format(mapping):
    value = (_text(mapping, "LOG_FORMAT") or "json").lower()
    if value not in FORMATS:
        raise SettingsError("LOG_FORMAT", f"expected one of {', '.join(FORMATS)}, got {value!r}")
    return value


def log_level(mapping):
    value = (_text(mapping, "LOG_LEVEL") or "INFO").upper()
    if value not in LEVELS:
        raise SettingsError("LOG_LEVEL", f"expected one of {', '.join(LEVELS)}, got {value!r}")
    return value


def utc_time(record):
    when = datetime.fromtimestamp(record.created, UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, component, correlation_id (when known), the
    ``extra={"fields": {...}}`` of the call, exc_info as text when there is one."""

    def __init__(self, component=COMPONENT):
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
    def __init__(self, component=COMPONENT):
        super().__init__()
        self.component = component

    def format(self, record):
        current = correlation_id()
        line = (f"{utc_time(record)} {record.levelname} {self.component}"
                f"{f' [{current}]' if current else ''} {record.name}: {record.getMessage()}")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class ComponentHandler(logging.StreamHandler):
    """The stderr handler this module installs (configuring twice replaces it)."""


def stderr_handler(component=COMPONENT, mapping=None):
    """The handler from ``LOG_FORMAT`` and ``LOG_LEVEL`` (a malformed one raises
    ``SettingsError`` naming it); sets the root logger's level too. A ``()`` factory for
    gunicorn's ``logconfig_dict``."""
    mapping = os.environ if mapping is None else mapping
    level = log_level(mapping)
    handler = ComponentHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(component) if log_format(mapping) == "json"
                         else TextFormatter(component))
    logging.getLogger().setLevel(level)
    return handler


def configure(mapping=None):
    """The process's log lines to stderr in the configured format."""
    handler = stderr_handler(COMPONENT, mapping)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ComponentHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    return handler


def gunicorn_logging(mapping=None):
    """gunicorn's ``logconfig_dict``: its own lines through the same handler; its access
    log off (the app logs each request with its correlation id)."""
    mapping = os.environ if mapping is None else mapping
    log_format(mapping)
    log_level(mapping)   # named now: dictConfig would hide the name in its own error
    return {"version": 1, "disable_existing_loggers": False,
            "handlers": {"console": {"()": "portal.logs.stderr_handler"}},
            "root": {"handlers": ["console"]},
            "loggers": {"gunicorn.error": {"handlers": [], "propagate": True},
                        "gunicorn.access": {"handlers": [], "propagate": False}}}
