"""Settings come from the environment once; a bad one stops the start and names itself."""
import os
import runpy
from pathlib import Path
from unittest import mock

import pytest

from portal.app import create_app
from portal.settings import PortalSettings, SettingsError

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "portal" / "gunicorn.conf.py"


def test_defaults():
    settings = PortalSettings.from_mapping({})

    assert settings.env == "development"
    assert settings.gateway_url == "http://127.0.0.1:8000"
    assert settings.gateway_timeout == 5
    assert settings.port == 8001
    assert settings.session_cookie_secure is False
    assert len(settings.secret_key) >= 32


def test_values_from_the_environment():
    settings = PortalSettings.from_mapping({
        "GATEWAY_URL": "https://gateway.internal:9443/sfa/", "GATEWAY_TIMEOUT": "2.5",
        "PORTAL_PORT": "9001", "SECRET_KEY": "s" * 20, "PORTAL_ENV": "Production"})

    assert settings.gateway_url == "https://gateway.internal:9443/sfa"
    assert settings.gateway_timeout == 2.5
    assert settings.port == 9001
    assert settings.secret_key == "s" * 20
    assert settings.env == "production"


def test_create_app_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_URL", "http://gw.example:8123")
    monkeypatch.setenv("GATEWAY_TIMEOUT", "1.5")

    app = create_app()

    assert app.extensions["gateway"].base_url == "http://gw.example:8123"
    assert app.extensions["gateway"].timeout == 1.5


def test_development_draws_a_random_secret_key_when_unset():
    first = PortalSettings.from_mapping({}).secret_key
    second = PortalSettings.from_mapping({}).secret_key

    assert first != second


@pytest.mark.parametrize(("name", "value"), [
    ("GATEWAY_URL", "127.0.0.1:8000"),
    ("GATEWAY_URL", "gateway:8000"),
    ("GATEWAY_URL", "ftp://gateway"),
    ("GATEWAY_URL", "http://"),
    ("GATEWAY_URL", "http://gateway:port"),
    ("GATEWAY_URL", "http://gateway?x=1"),
    ("GATEWAY_TIMEOUT", "five"),
    ("GATEWAY_TIMEOUT", "0"),
    ("GATEWAY_TIMEOUT", "-1"),
    ("GATEWAY_TIMEOUT", "nan"),
    ("GATEWAY_TIMEOUT", "inf"),
    ("PORTAL_PORT", "http"),
    ("PORTAL_PORT", "0"),
    ("PORTAL_PORT", "65536"),
    ("PORTAL_PORT", "80.5"),
    ("PORTAL_ENV", "prod"),
    ("SESSION_COOKIE_SECURE", "sometimes"),
])
def test_a_malformed_setting_is_named_in_the_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        create_app()

    assert str(raised.value).startswith(f"{name}:")
    assert raised.value.name == name


def test_a_malformed_override_is_checked_like_the_environment():
    with pytest.raises(SettingsError, match=r"^GATEWAY_TIMEOUT:"):
        create_app({"GATEWAY_TIMEOUT": "soon"})


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")

    with pytest.raises(SettingsError) as raised:
        create_app()

    assert str(raised.value).startswith("SECRET_KEY:")
    assert "production" in str(raised.value)


def test_production_refuses_a_short_secret_key_without_echoing_it(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "hunter2")

    with pytest.raises(SettingsError, match=r"^SECRET_KEY:") as raised:
        create_app()

    assert "hunter2" not in str(raised.value)


def test_production_with_a_secret_key_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")

    app = create_app()

    assert app.config["SECRET_KEY"] == "a-long-production-secret"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.testing is False


@pytest.mark.parametrize(("env", "secure", "expected"), [
    ("development", None, False),
    ("testing", None, False),
    ("production", None, True),
    ("production", "false", False),  # e.g. behind a proxy that is not yet on HTTPS
    ("development", "true", True),
])
def test_secure_cookie_default_follows_the_environment(env, secure, expected):
    config = {"PORTAL_ENV": env, "SECRET_KEY": "x" * 32}
    if secure is not None:
        config["SESSION_COOKIE_SECURE"] = secure

    assert create_app(config).config["SESSION_COOKIE_SECURE"] is expected


def test_session_cookie_is_httponly_samesite_lax_and_secure_in_production():
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "x" * 32,
                      "GATEWAY_URL": "http://127.0.0.1:9"})

    # Any page with the switcher's CSRF token starts a session.
    cookie = app.test_client().get("/no-such-page").headers["Set-Cookie"]

    assert cookie.startswith("portal_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def load_gunicorn_conf(**env):
    """Run gunicorn.conf.py as gunicorn does, in an environment restored afterwards."""
    with mock.patch.dict(os.environ, env):
        names = runpy.run_path(str(GUNICORN_CONF))
        return names, dict(os.environ)


def test_gunicorn_conf_defaults():
    conf, env = load_gunicorn_conf()

    assert conf["worker_class"] == "gthread"
    assert conf["bind"] == "0.0.0.0:8001"
    assert conf["threads"] == 8
    assert conf["workers"] == 2
    assert conf["accesslog"] is None   # the app logs each request, with its correlation id
    assert conf["logconfig_dict"]["root"]["handlers"] == ["console"]
    assert conf["control_socket_disable"] is True  # the default path is shared per user
    # One key drawn in the master, inherited by every worker.
    assert len(env["SECRET_KEY"]) >= 32


def test_gunicorn_conf_from_the_environment():
    conf, env = load_gunicorn_conf(PORTAL_PORT="9101", PORTAL_WORKERS="5",
                                   SECRET_KEY="kept-as-given")

    assert conf["bind"] == "0.0.0.0:9101"
    assert conf["workers"] == 5
    assert env["SECRET_KEY"] == "kept-as-given"


def test_gunicorn_conf_never_invents_a_production_key():
    conf, env = load_gunicorn_conf(PORTAL_ENV="production")

    assert "SECRET_KEY" not in env  # so create_app refuses to start, naming it


@pytest.mark.parametrize("name", ["PORTAL_PORT", "PORTAL_WORKERS"])
def test_gunicorn_conf_names_a_malformed_setting(name):
    with pytest.raises(SettingsError, match=f"^{name}:"):
        load_gunicorn_conf(**{name: "many"})
