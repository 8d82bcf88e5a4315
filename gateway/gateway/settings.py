"""Gateway settings, read once from the environment at start-up."""
import os
from dataclasses import dataclass

from sfa_common import settings as checks

SERVICES = ("leads", "opportunities", "quotes", "commission")


@dataclass(frozen=True)
class GatewaySettings:
    amqp_uri: str
    mongo_uri: str
    rpc_timeout: float      # every RPC call, and waiting for a free proxy
    rpc_pool_size: int      # started proxies per process (>= request threads)
    ready_timeout: float    # each service's `health` answer for /readyz

    @classmethod
    def from_mapping(cls, mapping=None):
        mapping = os.environ if mapping is None else mapping
        return cls(
            amqp_uri=checks.amqp_uri(mapping),
            mongo_uri=checks.mongo_uri(mapping),
            rpc_timeout=checks.positive_float(mapping, "RPC_TIMEOUT", checks.DEFAULT_RPC_TIMEOUT),
            rpc_pool_size=checks.positive_int(mapping, "RPC_POOL_SIZE", 16),
            ready_timeout=checks.positive_float(mapping, "READY_TIMEOUT", 2.0),
        )
