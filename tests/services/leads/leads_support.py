"""Builders the leads service tests share, and the clock they set."""
import base64
from datetime import timedelta

# The relay's timer never fires during a test; tests run it with entrypoint_hook.
RELAY_SECONDS = 3600

# The empty scope: every record (what the "all" grant compiles to).
EVERYTHING = {}


class Clock:
    """The service's notion of now (the container runs in the test's process), moved
    on by the test."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def new_lead(proxy, company="Acme", **fields):
    return proxy.create_lead({"company": company, "owner_id": "u1", **fields})


def background(container):
    """The container's background runner (imports run there)."""
    return next(d for d in container.dependencies if d.attr_name == "background")


def encoded(content):
    return base64.b64encode(content).decode("ascii")
