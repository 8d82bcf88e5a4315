"""A real (tiny) gateway on 127.0.0.1, from a background thread: the products catalogue
from canned JSON, identity (sign-in, sign-out, me, invitations, the partner admin's
user list) and the partner's customers, contacts and opportunities (fake_sales.py) kept
in memory, as the gateway's contract describes them. Every request is
recorded in ``calls``, so a test can assert what the portal sent.

tests/conftest.py monkey-patches the standard library with eventlet, so its thread is
a green thread; the portal's requests and this server yield to each other on socket
I/O, which is all they need."""
import itertools
import json
import threading
import time
from dataclasses import dataclass, field

from fake_channel import ChannelRecords
from fake_commission import CommissionRecords
from fake_http import PROBLEM_JSON, answer, problem
from fake_quotes import QuoteRecords
from fake_sales import SalesRecords
from flask import Flask, Response, request
from werkzeug.serving import make_server

__all__ = ["PROBLEM_JSON", "FakeGateway", "problem", "product"]
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "admin@reseller.example"
REP_EMAIL = "rep@reseller.example"
INVITED_EMAIL = "invited@reseller.example"
STAFF_EMAIL = "staff@channel-sfa.example"
OTHER_ORG_ADMIN_EMAIL = "admin@other-reseller.example"
RESELLER = {"id": "org-1", "name": "华东渠道 Reseller", "tier": "gold"}
OTHER_RESELLER = {"id": "org-2", "name": "Other Reseller", "tier": "silver"}
TOKEN_LIFETIME = 3600
ROLES = ("partner_admin", "partner_rep")


def product(sku, name, amount, currency="CNY", **fields):
    return {"id": f"id-{sku}", "sku": sku, "name": name, "category": "Hardware",
            "unit": "pcs", "list_price": {"amount": amount, "currency": currency},
            "active": True, **fields}


@dataclass
class Call:
    method: str
    path: str
    headers: dict
    body: object  # the decoded JSON body, or None
    args: dict

    @property
    def bearer(self):
        value = self.headers.get("Authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None


@dataclass
class User:
    id: str
    kind: str  # internal | partner
    name: str
    email: str
    roles: list
    partner_org: dict | None
    password: str | None = PASSWORD
    status: str = "active"  # invited | active | disabled
    created_at: str = "2026-11-02T09:30:00+00:00"
    tokens: set = field(default_factory=set)

    def me(self):
        return {"id": self.id, "kind": self.kind, "name": self.name, "email": self.email,
                "roles": list(self.roles), "partner_org": self.partner_org}

    def partner_user(self):
        return {"id": self.id, "name": self.name, "email": self.email, "role": self.roles[0],
                "status": self.status, "created_at": self.created_at}


def seed_users():
    return [
        User("u-admin", "partner", "王芳 Admin", ADMIN_EMAIL, ["partner_admin"], RESELLER),
        User("u-rep", "partner", "李雷 Rep", REP_EMAIL, ["partner_rep"], RESELLER),
        User("u-invited", "partner", "Invited Ivy", INVITED_EMAIL, ["partner_rep"], RESELLER,
             password=None, status="invited"),
        User("u-staff", "internal", "Staff Sam", STAFF_EMAIL, ["sales_ops"], None),
        User("u-other", "partner", "Other Admin", OTHER_ORG_ADMIN_EMAIL, ["partner_admin"],
             OTHER_RESELLER),
    ]


class FakeGateway:
    """Products: GET /api/v1/products answers ``pages`` (cursor -> raw JSON text, None
    for the first page) and records each request's query in ``queries`` and headers in
    ``headers``; ``failure`` = (status, body, mimetype) answers every product request
    with that instead; ``delay`` seconds stall every product answer.

    Identity: ``users`` by email; live bearer tokens in ``tokens``; ``invitations``
    (token -> user). ``rate_limited = seconds`` answers every sign-in 429 with that
    Retry-After; ``team_page_size`` caps a page of the partner user list.
    ``override(method, path, status, body)`` answers one route with a canned response
    until ``overrides`` is cleared. Every request lands in ``calls``.

    Customers, contacts, opportunities, the pipeline and the reports: ``sales`` (see
    fake_sales.py), scoped to the signed-in partner as the gateway scopes them. Deal
    registrations and lead offers: ``channel`` (see fake_channel.py), likewise. Basket
    pricing and quotes: ``quotes`` (see fake_quotes.py), likewise. Commission
    statements: ``commission`` (see fake_commission.py), a partner admin's only."""

    def __init__(self):
        self.pages = {None: json.dumps({"items": [], "next_cursor": None})}
        self.failure = None
        self.delay = 0
        self.queries = []
        self.headers = []
        self.calls = []
        self.users = {user.email: user for user in seed_users()}
        self.tokens = {}
        self.invitations = {"inv-ivy": self.users[INVITED_EMAIL]}
        self.rate_limited = None
        self.team_page_size = 50
        self.overrides = {}
        self._ids = itertools.count(1)
        app = Flask("fake_gateway")
        app.before_request(self._record)
        app.add_url_rule("/api/v1/products", view_func=self._products)
        app.add_url_rule("/api/v1/auth/sign-in", view_func=self._sign_in, methods=["POST"])
        app.add_url_rule("/api/v1/auth/sign-out", view_func=self._sign_out, methods=["POST"])
        app.add_url_rule("/api/v1/auth/me", view_func=self._me)
        app.add_url_rule("/api/v1/auth/accept-invitation", view_func=self._accept_invitation,
                         methods=["POST"])
        app.add_url_rule("/api/v1/partner/users", view_func=self._partner_users,
                         methods=["GET", "POST"])
        app.add_url_rule("/api/v1/partner/users/<user_id>", view_func=self._partner_user,
                         methods=["PATCH"])
        self.sales = SalesRecords(self.users)
        self.sales.register(app, self._bearer_user)
        self.channel = ChannelRecords(self.users, self.sales)
        self.channel.register(app, self.sales._answering)
        self.quotes = QuoteRecords(self.users, self.sales)
        self.quotes.register(app, self.sales._answering)
        self.commission = CommissionRecords(self.users)
        self.commission.register(app, self.sales._answering)
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    # --- what tests set up and read

    def serve(self, page, cursor=None):
        """Answer ``cursor``'s page with ``page``: a dict, or raw JSON text."""
        self.pages[cursor] = page if isinstance(page, str) else json.dumps(page)

    def override(self, method, path, status, body=None, headers=None):
        """Answer ``method path`` with ``status`` and ``body`` (problem+json for a 4xx)
        until ``overrides`` is cleared."""
        self.overrides[(method, path)] = (status, body, headers or {})

    def issue_token(self, email):
        """A live token for ``email``, as if they had signed in."""
        user = self.users[email]
        token = f"tok-{next(self._ids)}-{user.id}"
        self.tokens[token] = user
        user.tokens.add(token)
        return token

    def revoke_tokens_of(self, email):
        """What disabling a user or changing their password does at the gateway."""
        user = self.users[email]
        for token in user.tokens:
            self.tokens.pop(token, None)
        user.tokens.clear()

    def calls_to(self, method, path):
        return [call for call in self.calls if call.method == method and call.path == path]

    # --- the server

    def _record(self):
        self.calls.append(Call(request.method, request.path, dict(request.headers),
                               request.get_json(silent=True), request.args.to_dict()))
        canned = self.overrides.get((request.method, request.path))
        if canned:
            status, body, headers = canned
            mimetype = PROBLEM_JSON if status >= 400 else "application/json"
            return Response(json.dumps(body) if body is not None else "", status=status,
                            mimetype=mimetype, headers=headers)
        return None

    def _bearer_user(self):
        value = request.headers.get("Authorization", "")
        if not value.startswith("Bearer "):
            return None
        return self.tokens.get(value.removeprefix("Bearer "))

    def _grant(self, user):
        return answer({"access_token": self.issue_token(user.email), "token_type": "Bearer",
                       "expires_in": TOKEN_LIFETIME, "user": user.me()})

    def _products(self):
        self.queries.append(request.args.to_dict(flat=False))
        self.headers.append(dict(request.headers))
        if self.delay:
            time.sleep(self.delay)
        if self._bearer_user() is None:
            return problem(401, "Unauthorized", "A valid bearer token is required.")
        if self.failure:
            status, body, mimetype = self.failure
            return Response(body, status=status, mimetype=mimetype)
        cursor = request.args.get("cursor")
        if cursor not in self.pages:
            return problem(400, "Bad request", "Unknown cursor.", {"cursor": ["bad"]})
        return Response(self.pages[cursor], mimetype="application/json")

    def _sign_in(self):
        if self.rate_limited is not None:
            return problem(429, "Too many requests", "Too many sign-in attempts.",
                           headers={"Retry-After": str(self.rate_limited)})
        body = request.get_json(silent=True) or {}
        if body.get("audience") != "portal" or set(body) != {"email", "password", "audience"}:
            return problem(400, "Bad request", "email, password and audience are required.")
        user = self.users.get(body["email"])
        # Deliberately different details: the portal must show neither.
        if user is None:
            return problem(401, "Unauthorized", "fake: no such account")
        if user.password != body["password"] or user.status != "active":
            return problem(401, "Unauthorized", "fake: wrong password")
        return self._grant(user)

    def _sign_out(self):
        user = self._bearer_user()
        if user is None:
            return problem(401, "Unauthorized")
        token = request.headers["Authorization"].removeprefix("Bearer ")
        self.tokens.pop(token, None)
        user.tokens.discard(token)
        return Response(status=204)

    def _me(self):
        user = self._bearer_user()
        if user is None:
            return problem(401, "Unauthorized", "The token is not valid.")
        return answer(user.me())

    def _accept_invitation(self):
        body = request.get_json(silent=True) or {}
        user = self.invitations.get(body.get("token"))
        if user is None:
            return problem(400, "Bad request", "fake: unknown or used invitation")
        if len(body.get("password") or "") < 12:
            return problem(400, "Bad request", "Invalid fields.",
                           {"password": ["fake: at least 12 characters"]})
        del self.invitations[body["token"]]
        user.password = body["password"]
        user.status = "active"
        return self._grant(user)

    def _admin(self):
        """The caller, if a partner admin; else the problem to answer."""
        user = self._bearer_user()
        if user is None:
            return None, problem(401, "Unauthorized")
        if user.kind != "partner" or "partner_admin" not in user.roles:
            return None, problem(403, "Forbidden")
        return user, None

    def _colleagues(self, admin):
        return [u for u in self.users.values()
                if u.kind == "partner" and u.partner_org["id"] == admin.partner_org["id"]]

    def _partner_users(self):
        admin, refused = self._admin()
        if refused:
            return refused
        if request.method == "GET":  # cursor: the offset, as text
            items = [u.partner_user() for u in self._colleagues(admin)]
            start = int(request.args.get("cursor") or 0)
            end = start + min(int(request.args.get("limit") or 50), self.team_page_size)
            return answer({"items": items[start:end],
                           "next_cursor": str(end) if end < len(items) else None})
        body = request.get_json(silent=True) or {}
        errors = {}
        if not str(body.get("name") or "").strip():
            errors["name"] = ["fake: name is required"]
        if "@" not in str(body.get("email") or ""):
            errors["email"] = ["fake: not an email address"]
        if body.get("role") not in ROLES:
            errors["role"] = ["fake: unknown role"]
        if errors:
            return problem(400, "Bad request", "Invalid fields.", errors)
        if body["email"] in self.users:
            return problem(409, "Conflict", "fake: email already registered")
        user = User(f"u-{next(self._ids)}", "partner", body["name"], body["email"],
                    [body["role"]], admin.partner_org, password=None, status="invited")
        self.users[user.email] = user
        invitation = f"inv-{next(self._ids)}"
        self.invitations[invitation] = user
        return answer({"user": user.partner_user(), "invitation_token": invitation}, 201)

    def _partner_user(self, user_id):
        admin, refused = self._admin()
        if refused:
            return refused
        user = next((u for u in self._colleagues(admin) if u.id == user_id), None)
        if user is None:
            return problem(404, "Not found")
        body = request.get_json(silent=True) or {}
        if not body or set(body) - {"role", "active"}:
            return problem(400, "Bad request", "Only role and active may change.")
        if "role" in body and body["role"] not in ROLES:
            return problem(400, "Bad request", "Invalid fields.", {"role": ["fake: unknown"]})
        if "active" in body and not isinstance(body["active"], bool):
            return problem(400, "Bad request", "Invalid fields.", {"active": ["fake: bool"]})
        if "role" in body:
            user.roles = [body["role"]]
        if body.get("active") is False:
            user.status = "disabled"
            self.revoke_tokens_of(user.email)
        elif body.get("active") is True:
            user.status = "active" if user.password else "invited"
        return answer(user.partner_user())

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
