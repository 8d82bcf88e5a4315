"""Log lines and the ops settings: the JSON and text shapes every component writes, and
a malformed OPS_PORT, LOG_FORMAT or LOG_LEVEL that stops a component at start-up with a
message naming the setting (the real commands of the Procfile, for the processes)."""
import json
import logging
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from identity.identity_support import make_app

from opportunities.service import OpportunitiesService
from portal import logs as portal_logs
from portal.app import create_app as create_portal
from portal.settings import SettingsError as PortalSettingsError
from sfa_common import logs as service_logs
from sfa_common.ops import ops_port
from sfa_common.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]


def record(message="deal %s won", args=("D-1",), exc_info=None, **extra):
    made = logging.LogRecord("sfa.test", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


@pytest.mark.parametrize("logs", [service_logs, portal_logs], ids=["services", "portal"])
def test_a_json_line_names_time_level_logger_component_and_correlation_id(logs):
    formatter = logs.JsonFormatter("leads")
    plain = json.loads(formatter.format(record()))
    assert plain.keys() == {"time", "level", "logger", "message", "component"}
    assert plain["time"].endswith("Z") and plain["time"][10] == "T"
    assert (plain["level"], plain["logger"], plain["message"], plain["component"]) == (
        "WARNING", "sfa.test", "deal D-1 won", "leads")

    token = logs.bind_correlation_id("req-42")
    try:
        error = ValueError("boom")
        line = json.loads(formatter.format(record(
            exc_info=(ValueError, error, None), fields={"route": "/x", "message": "ignored"})))
    finally:
        logs.unbind_correlation_id(token)
    assert line["correlation_id"] == "req-42"
    assert line["route"] == "/x" and line["message"] == "deal D-1 won"
    assert "ValueError: boom" in line["exc_info"]
    assert "correlation_id" not in json.loads(formatter.format(record()))


@pytest.mark.parametrize("logs", [service_logs, portal_logs], ids=["services", "portal"])
def test_a_text_line_is_one_readable_line(logs):
    token = logs.bind_correlation_id("req-42")
    try:
        line = logs.TextFormatter("quotes").format(record())
    finally:
        logs.unbind_correlation_id(token)
    assert line.endswith(" WARNING quotes [req-42] sfa.test: deal D-1 won")


def test_configuring_twice_keeps_one_handler_at_the_level_set():
    root = logging.getLogger()
    level = root.level
    try:
        service_logs.configure("leads", {"LOG_LEVEL": "warning", "LOG_FORMAT": "text"})
        handler = service_logs.configure("leads", {"LOG_LEVEL": "DEBUG"})
        ours = [h for h in root.handlers if isinstance(h, service_logs.ComponentHandler)]
        assert ours == [handler]
        assert isinstance(handler.formatter, service_logs.JsonFormatter)
        assert root.level == logging.DEBUG
    finally:
        for h in [h for h in root.handlers if isinstance(h, service_logs.ComponentHandler)]:
            root.removeHandler(h)
        root.setLevel(level)


@pytest.mark.parametrize(("name", "raw"), [
    ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD"), ("LOG_LEVEL", "5")])
def test_a_malformed_log_setting_is_named(name, raw):
    check = service_logs.log_format if name == "LOG_FORMAT" else service_logs.log_level
    with pytest.raises(SettingsError, match=f"^{name}: "):
        check({name: raw})
    check = portal_logs.log_format if name == "LOG_FORMAT" else portal_logs.log_level
    with pytest.raises(PortalSettingsError, match=f"^{name}: "):
        check({name: raw})


def test_the_log_settings_have_defaults():
    assert service_logs.log_format({}) == "json" and service_logs.log_level({}) == "INFO"
    assert service_logs.log_format({"LOG_FORMAT": " Text "}) == "text"
    assert service_logs.log_level({"LOG_LEVEL": "debug"}) == "DEBUG"


@pytest.mark.parametrize("raw", ["abc", "-1", "65536", "9100.5"])
def test_a_malformed_ops_port_is_named(raw):
    with pytest.raises(SettingsError, match="^OPS_PORT: "):
        ops_port({"OPS_PORT": raw})


def test_ops_port_unset_or_empty_means_no_ops_server():
    assert ops_port({}) is None and ops_port({"OPS_PORT": " "}) is None
    assert ops_port({"OPS_PORT": "0"}) == 0 and ops_port({"OPS_PORT": 9101}) == 9101


def test_a_container_with_a_malformed_ops_port_does_not_start(container_factory, service_config):
    container = container_factory(OpportunitiesService, {**service_config, "OPS_PORT": "ops"})
    with pytest.raises(SettingsError, match="^OPS_PORT: "):
        container.start()


def test_the_gateway_and_the_portal_refuse_malformed_log_settings():
    with pytest.raises(SettingsError, match="^LOG_LEVEL: "):
        make_app(LOG_LEVEL="LOUD")
    with pytest.raises(PortalSettingsError, match="^LOG_FORMAT: "):
        create_portal({"PORTAL_ENV": "testing", "LOG_FORMAT": "xml"})


# -- the processes, started as the Procfile starts them ------------------------------------

def procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("component", "name", "raw"), [
    ("opportunities", "OPS_PORT", "ops"),
    ("opportunities", "LOG_LEVEL", "LOUD"),
    ("gateway", "LOG_FORMAT", "xml"),
    ("portal", "LOG_LEVEL", "LOUD"),
])
def test_a_component_refuses_to_start_naming_the_setting(component, name, raw):
    # No broker is reached: each fails while reading its settings, before connecting.
    env = {**os.environ, "AMQP_URI": "pyamqp://guest:guest@127.0.0.1:1//",
           "GATEWAY_PORT": str(free_port()), "PORTAL_PORT": str(free_port()),
           "GATEWAY_HOST": "127.0.0.1", "PORTAL_WORKERS": "1", name: raw}
    finished = subprocess.run(["bash", "-c", procfile()[component]], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode != 0
    assert f"SettingsError: {name}: " in finished.stderr, finished.stderr[-2000:]


def test_gunicorn_writes_its_own_lines_as_json(tmp_path):
    env = {**os.environ, "PORTAL_PORT": str(free_port()), "PORTAL_WORKERS": "1",
           "GATEWAY_URL": "http://127.0.0.1:1"}
    env.pop("LOG_FORMAT", None)
    portal = subprocess.Popen(["bash", "-c", procfile()["portal"]], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, portal.kill)   # a silent gunicorn must not hang the test
    watchdog.start()
    try:
        for line in portal.stderr:   # ends when gunicorn does
            if "Listening at" in line:
                break
        entry = json.loads(line)
    finally:
        watchdog.cancel()
        portal.terminate()
        portal.wait(timeout=30)
        portal.stderr.close()
    assert entry["component"] == "portal" and entry["logger"] == "gunicorn.error"
    assert entry["level"] == "INFO" and entry["message"].startswith("Listening at")
