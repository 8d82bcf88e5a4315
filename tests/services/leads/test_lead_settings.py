"""The leads' settings: defaults, on/off, and a malformed value named at start-up."""
import pytest

from leads.settings import LeadSettings
from sfa_common.settings import SettingsError


def test_defaults():
    assert LeadSettings.from_mapping({}) == LeadSettings(
        duplicate_check=True, relay_seconds=5.0, import_chunk=200)


@pytest.mark.parametrize(("raw", "wanted"), [("on", True), ("off", False), (True, True),
                                             (False, False), ("0", False)])
def test_the_duplicate_check_is_on_or_off(raw, wanted):
    assert LeadSettings.from_mapping({"LEAD_DUPLICATE_CHECK": raw}).duplicate_check is wanted


@pytest.mark.parametrize(("name", "raw"), [("LEAD_DUPLICATE_CHECK", "maybe"),
                                           ("LEAD_IMPORT_CHUNK", "0"),
                                           ("OUTBOX_RELAY_SECONDS", "soon")])
def test_a_malformed_setting_is_named(name, raw):
    with pytest.raises(SettingsError, match=name):
        LeadSettings.from_mapping({name: raw})
