"""A fresh gateway per test: its own embedded identity store, no broker."""
import pytest
from identity_support import Gateway, make_app


@pytest.fixture
def app():
    app = make_app()
    yield app
    app.extensions["rpc_pool"].close()
    app.extensions["ready_pool"].close()


@pytest.fixture
def gw(app):
    return Gateway(app)

