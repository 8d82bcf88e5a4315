"""Each service's RPC contract as marshmallow schemas, shared by the service (which
loads with them) and the gateway (which validates HTTP input and documents the API with them)."""
