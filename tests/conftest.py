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
