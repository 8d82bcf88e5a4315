"""A small client for the gateway's HTTP API.

Every failure comes out typed, so views never look at status codes:
``GatewayUnavailable`` when the gateway cannot answer (no connection, time-out, 5xx,
a body that is not JSON), ``GatewayRejected`` carrying the problem+json body when it
answers a 4xx. JSON numbers are parsed as ``Decimal``: money never passes through float.
"""
import json
import threading
from decimal import Decimal

import requests

PRODUCTS_PAGE_SIZE = 50


class GatewayError(Exception):
    """Base of everything the client raises."""


class GatewayUnavailable(GatewayError):
    """The gateway did not answer usefully; worth retrying later."""


class GatewayRejected(GatewayError):
    """The gateway answered 4xx. ``problem`` is its problem+json body (RFC 9457):
    type, title, status, detail and, for validation errors, errors {field: [messages]}."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem
        self.title = problem.get("title") or "Error"
        self.detail = problem.get("detail")
        self.errors = problem.get("errors") or {}
        super().__init__(f"{status} {self.title}" + (f": {self.detail}" if self.detail else ""))


def _problem_from(response):
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"title": response.reason or "Error", "detail": response.text[:200] or None}
    return {"type": "about:blank", "status": response.status_code, **body}


class GatewayClient:
    """One per app. ``requests.Session`` is not documented as thread-safe and gunicorn's
    gthread workers serve requests on several threads, so each thread keeps its own
    session (and so its own connection pool)."""

    def __init__(self, base_url, timeout):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Accept"] = "application/json, application/problem+json"
            self._local.session = session
        return session

    def get(self, path, params=None, token=None):
        """GET ``path`` (starting with /api/...) and return the decoded JSON body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.session.get(self.base_url + path, params=params,
                                        headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise GatewayUnavailable(f"the gateway did not answer within {self.timeout}s")
        except requests.RequestException as error:
            raise GatewayUnavailable(f"cannot reach the gateway: {error.__class__.__name__}")
        if response.status_code >= 500:
            raise GatewayUnavailable(f"the gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise GatewayRejected(response.status_code, _problem_from(response))
        try:
            # bytes, not response.text: json detects UTF-8 itself, while requests would
            # guess a charset the gateway's "application/json" does not state.
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise GatewayUnavailable("the gateway answered something that is not JSON")

    def list_products(self, cursor=None, limit=PRODUCTS_PAGE_SIZE, token=None):
        """One page of the catalogue: {"items": [...], "next_cursor": str | None}."""
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = self.get("/api/v1/products", params=params, token=token)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise GatewayUnavailable("the gateway's product page has no items list")
        return page
