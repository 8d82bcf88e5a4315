"""Every /api/v1 route needs a bearer token, so each test client here signs in as an
admin the gateway bootstraps at start-up (BOOTSTRAP_ADMIN_*). The client class is
swapped for the whole of tests/gateway, so an app a test builds itself with
create_app(...) gets a signed-in client too. Anonymous and per-role behaviour is
tested in tests/identity."""
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from gateway.app import create_app

ADMIN_EMAIL = "admin@gateway-tests.example"
ADMIN_PASSWORD = "gateway tests admin"


class SignedInClient(FlaskClient):
    """A test client whose every request carries the bootstrapped admin's token."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answer = self.post("/api/v1/auth/sign-in",
                           json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert answer.status_code == 200, answer.get_json()
        self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {answer.get_json()['access_token']}"


@pytest.fixture(autouse=True)
def signed_in_clients(monkeypatch):
    monkeypatch.setenv("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setattr(Flask, "test_client_class", SignedInClient)


@pytest.fixture
def gateway_app(service_config):
    app = create_app({"TESTING": True, "AMQP_URI": service_config["AMQP_URI"],
                      "RPC_TIMEOUT": "2", "READY_TIMEOUT": "1",
                      # argon2id still, at a test's cost
                      "PASSWORD_HASHER": PasswordHasher(time_cost=1, memory_cost=1024,
                                                        parallelism=1)})
    yield app
    app.extensions["rpc_pool"].close()
    app.extensions["ready_pool"].close()


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()
