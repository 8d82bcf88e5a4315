"""Fixtures of the reliability tests (helpers: ``reliability_support``)."""
import pytest
from reliability_support import Instances, WireMongo


@pytest.fixture
def mongo_wire():
    server = WireMongo()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def instances(rabbit_config, mongo_wire, tmp_path):
    running = Instances(rabbit_config["AMQP_URI"], mongo_wire, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()
