"""Calling the services from a request: borrow a proxy, make one call, give it back."""
from flask import current_app

from .observability import measured_call


def call(service, method, *args):
    """``call("leads", "get_lead", lead_id, scope)``: one RPC with the pool's timeout,
    counted and timed. Remote errors arrive typed (NotFound, Conflict, ...) and the
    problem table maps them."""
    with measured_call(service, method), current_app.extensions["rpc_pool"].proxy() as rpc:
        return getattr(getattr(rpc, service), method)(*args)
