"""Fixtures of the observability tests: captured log lines, apps served on loopback,
a gateway on the test's own vhost."""
import logging
import socket

import pytest
from identity.identity_support import ADMIN_EMAIL, ADMIN_PASSWORD, CHEAP_HASHER, SECRET
from observability_support import LOGGERS, LogLines, Served

from gateway.app import create_app


@pytest.fixture
def log_lines():
    handler = LogLines()
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name, level in LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def serve():
    served = []

    def start(app):
        served.append(Served(app))
        return served[-1]
    yield start
    for running in served:
        running.stop()


@pytest.fixture
def gateway_app(service_config):
    app = create_app({"TESTING": True, "AMQP_URI": service_config["AMQP_URI"],
                      "RPC_TIMEOUT": "5", "READY_TIMEOUT": "2", "SECRET_KEY": SECRET,
                      "PASSWORD_HASHER": CHEAP_HASHER, "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                      "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield app
    app.extensions["rpc_pool"].close()
    app.extensions["ready_pool"].close()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
