"""Every /api/v1 route needs a bearer token, so each test client here signs in as an
admin the gateway bootstraps at start-up (BOOTSTRAP_ADMIN_*). The client class is
swapped for the whole of tests/gateway, so an app a test builds itself with
create_app(...) gets a signed-in client too. Anonymous behaviour is tested in
tests/identity; ``people`` gives the tests here users, partners and their tokens."""
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from identity.identity_support import Gateway

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


class Driver(Gateway):
    """The identity tests' driver (users, departments, partner organisations and their
    users, tokens) over a gateway whose admin is the one bootstrapped here."""

    @property
    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.token(ADMIN_EMAIL, ADMIN_PASSWORD)
        return self._admin_token


@pytest.fixture
def gw(gateway_app):
    return Driver(gateway_app)


class People:
    """Who the customer and opportunity tests act as, each with their own token:
    ``rep1`` (sales rep in department "华东销售"), ``rep2`` (sales rep, no department),
    ``ops`` (sales ops), ``nobody`` (an internal user without roles); ``pa1``/``pa2``
    (partner reps of organisation A), ``aa`` (A's partner admin), ``pb`` (partner admin
    of organisation B)."""

    INTERNAL = {"rep1": ("sales_rep",), "rep2": ("sales_rep",), "ops": ("sales_ops",),
                "nobody": ()}
    PARTNERS = {"pa1": ("a", "partner_rep"), "pa2": ("a", "partner_rep"),
                "aa": ("a", "partner_admin"), "pb": ("b", "partner_admin")}

    def __init__(self, driver):
        self.driver = driver
        self.department = driver.created("/departments", {"name": "华东销售"})["id"]
        self.orgs = {"a": driver.org("渠道甲")["id"], "b": driver.org("渠道乙")["id"]}
        self.ids, self.tokens = {}, {}
        for name, roles in self.INTERNAL.items():
            email = f"{name}@internal.example"
            extra = {"main_department_id": self.department} if name == "rep1" else {}
            self.ids[name] = driver.user(email, roles, **extra)["id"]
            self.tokens[name] = driver.token(email)
        for name, (org, role) in self.PARTNERS.items():
            user, self.tokens[name] = driver.partner(self.orgs[org], f"{name}@{org}.example",
                                                     role)
            self.ids[name] = user["id"]
        self.tokens["admin"] = driver.admin_token

    def call(self, who, method, path, **kwargs):
        return self.driver.call(method, path, self.tokens[who], **kwargs)

    def created(self, who, path, body):
        answer = self.call(who, "POST", path, json=body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()


@pytest.fixture
def people(gw):
    return People(gw)
