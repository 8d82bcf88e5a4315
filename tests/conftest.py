"""Shared fixtures. eventlet must patch the standard library before nameko, kombu or
pymongo open a socket, so it happens here, first (nameko's plugin no longer does it)."""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (must run before the imports below)

import pytest  # noqa: E402

EMBEDDED_MONGO = "mongomock://localhost"


@pytest.fixture
def service_config(rabbit_config):
    """nameko config for a service container on a fresh vhost of the real broker."""
    return {**rabbit_config, "MONGO_URI": EMBEDDED_MONGO, "RPC_TIMEOUT": "5"}


@pytest.fixture
def start_service(container_factory, service_config):
    """``start_service(LeadsService)``: a started container on the test's own vhost."""
    def start(service_cls):
        container = container_factory(service_cls, service_config)
        container.start()
        return container
    return start


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory):
    """One embedded MongoDB-compatible server for the test run, on a free port with its
    data in a temporary directory; tests that share it use databases of their own."""
    from embedded_server import EmbeddedServer
    root = tmp_path_factory.mktemp("mongo")
    server = EmbeddedServer(root / "data", root / "server.log").start()
    yield server
    server.remove()
