"""The service's own settings: defaults, and a malformed one refused at start naming it."""
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from nameko.cli.main import setup_yaml_parser

from opportunities.service import OpportunitiesService
from opportunities.settings import OpportunitySettings
from sfa_common.settings import SettingsError

CONFIG = Path(__file__).resolve().parents[3] / "services" / "opportunities" / "config.yml"


def test_defaults_without_any_setting():
    settings = OpportunitySettings.from_mapping({})
    assert [stage.key for stage in settings.pipeline.stages] == [
        "qualify", "needs_analysis", "proposal", "negotiation", "won", "lost"]
    assert settings.relay_seconds == 5
    rfm = settings.rfm
    assert (rfm.currency, rfm.recency_days, rfm.frequency, rfm.monetary, rfm.window_days) == (
        "CNY", (90, 365), (5, 2), (Decimal(1000000), Decimal(100000)), 730)


def test_config_yml_reads_the_environment_as_written(monkeypatch):
    # "a: 10" would be a YAML mapping and "90,365" survives as text only if taken raw.
    monkeypatch.setenv("OPPORTUNITY_STAGES", "lead: 5, demo:40")
    monkeypatch.setenv("RFM_MONETARY", "500000,50000.5")
    setup_yaml_parser()
    settings = OpportunitySettings.from_mapping(yaml.safe_load(CONFIG.read_text()))
    assert [(stage.key, stage.probability) for stage in settings.pipeline.open_stages] == [
        ("lead", 5), ("demo", 40)]
    assert settings.rfm.monetary == (Decimal(500000), Decimal("50000.5"))
    assert settings.rfm.recency_days == (90, 365)


@pytest.mark.parametrize("name, value", [
    ("OPPORTUNITY_STAGES", "qualify:101"),
    ("OPPORTUNITY_STAGES", "won:100"),
    ("OUTBOX_RELAY_SECONDS", "0"),
    ("OUTBOX_RELAY_SECONDS", "soon"),
    ("RFM_CURRENCY", "yuan"),
    ("RFM_RECENCY_DAYS", "365,90"),      # the recent limit comes first
    ("RFM_RECENCY_DAYS", "90"),
    ("RFM_RECENCY_DAYS", "0,365"),
    ("RFM_FREQUENCY", "2,5"),            # the high threshold comes first
    ("RFM_FREQUENCY", "5,2,1"),
    ("RFM_FREQUENCY", "5.5,2"),
    ("RFM_MONETARY", "100000,100000"),
    ("RFM_MONETARY", "lots,some"),
    ("RFM_MONETARY", "nan,1"),
    ("RFM_WINDOW_DAYS", "-1"),
])
def test_a_malformed_setting_is_refused_naming_it(name, value):
    with pytest.raises(SettingsError) as raised:
        OpportunitySettings.from_mapping({name: value})
    assert raised.value.name == name
    assert str(raised.value).startswith(f"{name}: ")


def test_the_service_refuses_to_start_with_a_malformed_pipeline(container_factory,
                                                                 service_config):
    container = container_factory(OpportunitiesService,
                                  {**service_config, "OPPORTUNITY_STAGES": "Qualify:10"})
    with pytest.raises(SettingsError, match="OPPORTUNITY_STAGES"):
        container.start()
