"""Identity settings fail at start-up naming the variable; the first admin is
bootstrapped once; a development secret is shared through the database."""
import pytest
from identity_support import CHEAP_HASHER, Gateway, make_app

from gateway.identity.bootstrap import bootstrap_admin
from gateway.identity.service import Identity
from gateway.settings import GatewaySettings
from sfa_common.settings import SettingsError

LONG_SECRET = "x" * 32


def test_defaults():
    settings = GatewaySettings.from_mapping({})
    assert (settings.env, settings.secret_key, settings.token_ttl) == ("development", None,
                                                                       8 * 3600)
    assert settings.department_scope_includes_subdepartments is True
    assert (settings.sign_in_account_limit, settings.sign_in_ip_limit,
            settings.sign_in_window) == (5, 20, 900)
    assert settings.trusted_proxy_hops == 0
    assert settings.bootstrap_admin_email is None


@pytest.mark.parametrize("mapping, name", [
    ({"GATEWAY_ENV": "production"}, "SECRET_KEY"),
    ({"GATEWAY_ENV": "production", "SECRET_KEY": "tiny-secret"}, "SECRET_KEY"),
    ({"SECRET_KEY": "tiny-secret"}, "SECRET_KEY"),
    ({"GATEWAY_ENV": "staging"}, "GATEWAY_ENV"),
    ({"TOKEN_TTL": "0"}, "TOKEN_TTL"),
    ({"TOKEN_TTL": "an hour"}, "TOKEN_TTL"),
    ({"INVITATION_TTL": "-1"}, "INVITATION_TTL"),
    ({"DEPARTMENT_SCOPE_INCLUDES_SUBDEPARTMENTS": "sometimes"},
     "DEPARTMENT_SCOPE_INCLUDES_SUBDEPARTMENTS"),
    ({"SIGN_IN_ACCOUNT_LIMIT": "0"}, "SIGN_IN_ACCOUNT_LIMIT"),
    ({"SIGN_IN_IP_LIMIT": "x"}, "SIGN_IN_IP_LIMIT"),
    ({"SIGN_IN_WINDOW": "-5"}, "SIGN_IN_WINDOW"),
    ({"TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS"),
    ({"BOOTSTRAP_ADMIN_EMAIL": "root@example.com"}, "BOOTSTRAP_ADMIN_PASSWORD"),
    ({"BOOTSTRAP_ADMIN_PASSWORD": "long enough password"}, "BOOTSTRAP_ADMIN_EMAIL"),
    ({"BOOTSTRAP_ADMIN_EMAIL": "root", "BOOTSTRAP_ADMIN_PASSWORD": "long enough password"},
     "BOOTSTRAP_ADMIN_EMAIL"),
    ({"BOOTSTRAP_ADMIN_EMAIL": "root@example.com", "BOOTSTRAP_ADMIN_PASSWORD": "tiny-secret"},
     "BOOTSTRAP_ADMIN_PASSWORD"),
])
def test_a_bad_setting_stops_start_up_naming_it(mapping, name):
    with pytest.raises(SettingsError) as raised:
        GatewaySettings.from_mapping(mapping)
    assert raised.value.name == name
    assert str(raised.value).startswith(f"{name}: ")
    assert "tiny-secret" not in str(raised.value)  # a secret is never echoed


def test_production_with_a_long_secret_starts():
    settings = GatewaySettings.from_mapping({"GATEWAY_ENV": "production",
                                             "SECRET_KEY": LONG_SECRET,
                                             "DEPARTMENT_SCOPE_INCLUDES_SUBDEPARTMENTS": "off"})
    assert settings.secret_key == LONG_SECRET
    assert settings.department_scope_includes_subdepartments is False


def test_create_app_refuses_production_without_a_secret():
    with pytest.raises(SettingsError, match="^SECRET_KEY: "):
        make_app(GATEWAY_ENV="production", SECRET_KEY="")


def test_the_development_secret_is_one_per_database(gw):
    settings = GatewaySettings.from_mapping({})
    first = Identity(gw.store, settings, hasher=CHEAP_HASHER)
    second = Identity(gw.store, settings, hasher=CHEAP_HASHER)
    assert first.tokens.key == second.tokens.key
    assert first.tokens.key != gw.identity.tokens.key  # this app was given SECRET_KEY


def test_the_bootstrap_admin_is_created_once(gw):
    admins = {"roles": "admin"}
    assert gw.db.users.count_documents(admins) == 1
    settings = GatewaySettings.from_mapping({"BOOTSTRAP_ADMIN_EMAIL": "second@example.com",
                                             "BOOTSTRAP_ADMIN_PASSWORD": "another password"})
    assert bootstrap_admin(gw.identity, settings) is None  # an admin exists already
    assert gw.db.users.count_documents(admins) == 1


def test_bootstrapping_again_after_the_admin_was_disabled_creates_a_new_one_or_says_why(gw):
    user = gw.user("second@identity.example", roles=["admin"])
    gw.db.users.update_many({}, {"$set": {"active": False}})
    taken = GatewaySettings.from_mapping({"BOOTSTRAP_ADMIN_EMAIL": user["email"],
                                          "BOOTSTRAP_ADMIN_PASSWORD": "another password"})
    with pytest.raises(SettingsError, match="^BOOTSTRAP_ADMIN_EMAIL: "):
        bootstrap_admin(gw.identity, taken)
    fresh = GatewaySettings.from_mapping({"BOOTSTRAP_ADMIN_EMAIL": "third@identity.example",
                                          "BOOTSTRAP_ADMIN_PASSWORD": "another password"})
    assert bootstrap_admin(gw.identity, fresh)["roles"] == ["admin"]
    assert gw.sign_in("third@identity.example", "another password").status_code == 200


def test_no_bootstrap_without_the_variables():
    gw = Gateway(make_app(BOOTSTRAP_ADMIN_EMAIL="", BOOTSTRAP_ADMIN_PASSWORD=""))
    assert gw.db.users.count_documents({}) == 0


def test_indexes_are_created_at_start_up(gw):
    users = gw.db.users.index_information()
    assert any(index["key"] == [("email", 1)] and index.get("unique")
               for index in users.values())
    revoked = gw.db.revoked_tokens.index_information()
    assert any(index.get("expireAfterSeconds") == 0 for index in revoked.values())
    assert any(index["key"] == [("email", 1)] and index.get("unique")
               for index in gw.db.partner_users.index_information().values())
