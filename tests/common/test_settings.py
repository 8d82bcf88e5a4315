"""Settings: sane defaults for one machine, and a malformed value stops start-up with a
message that starts with the variable's name."""
import pytest

from sfa_common.settings import (
    DEFAULT_AMQP_URI,
    DEFAULT_MONGO_URI,
    DEFAULT_RPC_TIMEOUT,
    ServiceSettings,
    SettingsError,
    port,
    positive_int,
    redacted,
)


def test_defaults_when_nothing_is_set():
    settings = ServiceSettings.from_mapping({})
    assert settings.amqp_uri == "pyamqp://guest:guest@localhost:5672//"
    assert settings.mongo_uri.startswith("mongomock://")
    assert settings.rpc_timeout == 5.0
    assert (settings.amqp_uri, settings.mongo_uri, settings.rpc_timeout) == (
        DEFAULT_AMQP_URI, DEFAULT_MONGO_URI, DEFAULT_RPC_TIMEOUT)


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", None])
def test_blank_counts_as_unset(blank):
    settings = ServiceSettings.from_mapping(
        {"AMQP_URI": blank, "MONGO_URI": blank, "RPC_TIMEOUT": blank})
    assert settings == ServiceSettings.from_mapping({})


def test_given_values_are_kept_and_trimmed():
    settings = ServiceSettings.from_mapping({
        "AMQP_URI": " amqps://sfa:pw@rabbit.internal:5671/sfa ",
        "MONGO_URI": "mongodb://db1:27017,db2:27017/?replicaSet=rs0",
        "RPC_TIMEOUT": "2.5",
    })
    assert settings.amqp_uri == "amqps://sfa:pw@rabbit.internal:5671/sfa"
    assert settings.mongo_uri == "mongodb://db1:27017,db2:27017/?replicaSet=rs0"
    assert settings.rpc_timeout == 2.5


def test_numbers_from_a_yaml_config_are_accepted():
    # nameko's YAML config hands over ints and floats, not strings.
    assert ServiceSettings.from_mapping({"RPC_TIMEOUT": 7}).rpc_timeout == 7.0
    assert port({"WEB_PORT": 8080}, "WEB_PORT", 8000) == 8080


MALFORMED = [
    # (variable, bad value)
    ("AMQP_URI", "http://guest:guest@localhost:5672//"),   # bad scheme
    ("AMQP_URI", "localhost:5672"),                        # no scheme at all
    ("AMQP_URI", "pyamqp://"),                             # no host
    ("AMQP_URI", "pyamqp:///vhost"),                       # no host, with a path
    ("AMQP_URI", "pyamqp://guest:guest@:5672//"),          # credentials but no host
    ("AMQP_URI", "pyamqp://guest:guest@localhost:port//"),  # port is not a number
    ("AMQP_URI", "pyamqp://guest:guest@localhost:99999//"),  # port out of range
    ("AMQP_URI", "pyamqp://guest:guest@[::1//"),           # does not parse
    ("MONGO_URI", "mysql://localhost:3306/sfa"),           # bad scheme
    ("MONGO_URI", "localhost:27017"),                      # no scheme
    ("MONGO_URI", "mongo://localhost"),                    # near miss
    ("RPC_TIMEOUT", "five"),                               # not a number
    ("RPC_TIMEOUT", "5s"),
    ("RPC_TIMEOUT", "0"),                                  # zero
    ("RPC_TIMEOUT", "0.0"),
    ("RPC_TIMEOUT", "-1"),                                 # negative
    ("RPC_TIMEOUT", "nan"),
    ("RPC_TIMEOUT", "inf"),                                # a timeout that never fires
]


@pytest.mark.parametrize(("name", "value"), MALFORMED)
def test_a_malformed_value_names_its_variable_first(name, value):
    with pytest.raises(SettingsError) as raised:
        ServiceSettings.from_mapping({name: value})
    assert str(raised.value).startswith(f"{name}:")
    assert raised.value.name == name


def test_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize("value", ["0", "-80", "65536", "100000", "http", "80.5", "8080x"])
def test_a_port_out_of_range_or_not_a_whole_number_is_refused(value):
    with pytest.raises(SettingsError) as raised:
        port({"GATEWAY_PORT": value}, "GATEWAY_PORT", 8000)
    assert str(raised.value).startswith("GATEWAY_PORT:")


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("65535", 65535), (" 8443 ", 8443)])
def test_ports_at_the_edges_of_the_range_are_accepted(value, expected):
    assert port({"GATEWAY_PORT": value}, "GATEWAY_PORT", 8000) == expected


def test_a_blank_port_is_the_default():
    assert port({"GATEWAY_PORT": " "}, "GATEWAY_PORT", 8000) == 8000
    assert port({}, "GATEWAY_PORT", 8000) == 8000


def test_positive_int_refuses_zero_and_names_the_variable():
    with pytest.raises(SettingsError, match=r"^POOL_SIZE:"):
        positive_int({"POOL_SIZE": "0"}, "POOL_SIZE", 4)


@pytest.mark.parametrize(("name", "uri"), [
    ("AMQP_URI", "http://sfa:s3cr3t@rabbit:5672//"),
    ("MONGO_URI", "mysql://sfa:s3cr3t@db:3306/sfa"),
])
def test_the_error_message_does_not_leak_the_password(name, uri):
    with pytest.raises(SettingsError) as raised:
        ServiceSettings.from_mapping({name: uri})
    assert "s3cr3t" not in str(raised.value)
    assert "sfa:***@" in str(raised.value)


@pytest.mark.parametrize(("uri", "expected"), [
    ("pyamqp://guest:guest@localhost:5672//", "pyamqp://guest:***@localhost:5672//"),
    ("mongodb://u:p%40ss@a:1,b:2/?replicaSet=rs0", "mongodb://u:***@a:1,b:2/?replicaSet=rs0"),
    ("pyamqp://guest@localhost//", "pyamqp://guest@localhost//"),  # no password to hide
    ("mongomock://localhost", "mongomock://localhost"),
    ("not a uri", "not a uri"),
])
def test_redacted_masks_only_the_password(uri, expected):
    assert redacted(uri) == expected
