import pytest

from gateway.app import create_app


@pytest.fixture
def gateway_app(service_config):
    app = create_app({"TESTING": True, "AMQP_URI": service_config["AMQP_URI"],
                      "RPC_TIMEOUT": "2", "READY_TIMEOUT": "1"})
    yield app
    app.extensions["rpc_pool"].close()
    app.extensions["ready_pool"].close()


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()
