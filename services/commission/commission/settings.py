"""The commission service's own settings, read from the nameko config (config.yml, whose
values come from the environment) and checked once at start-up: a malformed value
stops the service with a ``SettingsError`` that names it."""
from dataclasses import dataclass

from sfa_common.settings import positive_int, relay_seconds

DEFAULT_RECOMPUTE_CHUNK = 25



@dataclass(frozen=True)
class CommissionSettings:
    # COMMISSION_RECOMPUTE_CHUNK: payees a recompute settles between two yields to eventlet
    # (keeps the AMQP heartbeat and the other workers running during a long recompute).
    recompute_chunk: int
    relay_seconds: float        # OUTBOX_RELAY_SECONDS: period_closed events sent again after

    @classmethod
    def from_mapping(cls, mapping):
        return cls(recompute_chunk=positive_int(mapping, "COMMISSION_RECOMPUTE_CHUNK",
                                                DEFAULT_RECOMPUTE_CHUNK),
                   relay_seconds=relay_seconds(mapping))
