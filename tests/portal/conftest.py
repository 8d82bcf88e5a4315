"""Fixtures for the portal: a fake gateway (see fake_gateway.py), flaskr-style
``app`` / ``client`` fixtures pointed at it, and an ``auth`` helper that signs in
through the real sign-in form."""
import socket

import pytest
from fake_gateway import FakeGateway
from portal_actions import CSRF_FIELD, AuthActions

from portal.app import create_app
from portal.settings import NAMES


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The portal reads its settings from the environment: a developer's or CI's own
    PORTAL_ENV, SECRET_KEY, ... must not leak into these tests."""
    for name in (*NAMES, "PORTAL_WORKERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gateway():
    fake = FakeGateway()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def app(gateway):
    """CSRF protection stays on, as in production: tests post the form's real token."""
    return create_app({"PORTAL_ENV": "testing", "GATEWAY_URL": gateway.url,
                       "GATEWAY_TIMEOUT": "2", "SECRET_KEY": "test-secret-key"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_token(client):
    """The CSRF token a page hands the browser (in the language switcher's form)."""

    def token(path="/no-such-page"):  # a 404 page has the layout, and no gateway call
        html = client.get(path).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"{path} has no CSRF token field"
        return match.group(1)

    return token


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def signed_in(auth):
    """The client, signed in as a partner rep."""
    response = auth.sign_in()
    assert response.status_code == 302, response.get_data(as_text=True)
    return auth.client
