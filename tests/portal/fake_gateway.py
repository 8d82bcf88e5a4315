"""A real (tiny) gateway on 127.0.0.1, serving canned JSON from a background thread.

tests/conftest.py monkey-patches the standard library with eventlet, so its thread is
a green thread; the portal's requests and this server yield to each other on socket
I/O, which is all they need."""
import json
import threading
import time

from flask import Flask, Response, request
from werkzeug.serving import make_server

PROBLEM_JSON = "application/problem+json"


def product(sku, name, amount, currency="CNY", **fields):
    return {"id": f"id-{sku}", "sku": sku, "name": name, "category": "Hardware",
            "unit": "pcs", "list_price": {"amount": amount, "currency": currency},
            "active": True, **fields}


class FakeGateway:
    """Serves GET /api/v1/products from ``pages`` (cursor -> raw JSON text, None for the
    first page) and records each request's query. ``failure`` = (status, body, mimetype)
    answers every request with that instead; ``delay`` seconds stall every answer."""

    def __init__(self):
        self.pages = {None: json.dumps({"items": [], "next_cursor": None})}
        self.failure = None
        self.delay = 0
        self.queries = []
        self.headers = []
        app = Flask("fake_gateway")
        app.add_url_rule("/api/v1/products", view_func=self._products)
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def serve(self, page, cursor=None):
        """Answer ``cursor``'s page with ``page``: a dict, or raw JSON text."""
        self.pages[cursor] = page if isinstance(page, str) else json.dumps(page)

    def _products(self):
        self.queries.append(request.args.to_dict(flat=False))
        self.headers.append(dict(request.headers))
        if self.delay:
            time.sleep(self.delay)
        if self.failure:
            status, body, mimetype = self.failure
            return Response(body, status=status, mimetype=mimetype)
        cursor = request.args.get("cursor")
        if cursor not in self.pages:
            body = json.dumps({"type": "about:blank", "title": "Bad request", "status": 400,
                               "detail": "Unknown cursor.", "errors": {"cursor": ["bad"]}})
            return Response(body, status=400, mimetype=PROBLEM_JSON)
        return Response(self.pages[cursor], mimetype="application/json")

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
