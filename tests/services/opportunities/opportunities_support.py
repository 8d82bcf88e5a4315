"""Builders the opportunities service tests share (customers, opportunities, money)
and the clock they set."""
from datetime import timedelta

# The relay's timer never fires during a test; tests run it with entrypoint_hook.
RELAY_SECONDS = 3600


class Clock:
    """The service's notion of now (the container runs in the test's process), moved
    on by the test: won_at, created_at, recency and the relay's cut-off follow it."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def new_account(proxy, name="Acme", **fields):
    return proxy.create_account({"name": name, **fields})


# The empty scope: every record (what the "all" grant compiles to).
EVERYTHING = {}


def new_opportunity(proxy, account, actor="u1", scope=EVERYTHING, **fields):
    payload = {"name": "Core switches", "account_id": account["id"], "amount": cny("1000.00"),
               "expected_close_date": "2026-12-31", "owner_id": "u1", **fields}
    return proxy.create_opportunity(payload, scope, actor)
