import mongomock
import pytest

from gateway.authz.policies import build_enforcer


@pytest.fixture
def policy_collection():
    return mongomock.MongoClient().channel_sfa_gateway.policies


@pytest.fixture
def enforcer(policy_collection):
    """A fresh enforcer over the defaults, for tests that change the policy."""
    return build_enforcer(policy_collection)


@pytest.fixture(scope="session")
def default_enforcer():
    """One enforcer over the untouched defaults, shared by the read-only table tests
    (building one per case would dominate their run time)."""
    return build_enforcer(mongomock.MongoClient().channel_sfa_gateway.policies)
