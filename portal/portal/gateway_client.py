"""A small client for the gateway's HTTP API: the catalogue, sign-in and the partner
user's own identity, the partner admin's user list, the partner's customers,
opportunities and reports, its deal registrations and the leads offered to it, basket
pricing and its quotes (their PDF too), and the partner admin's commission statements
(their CSV streamed). Every call but sign-in and accepting an
invitation carries the partner's bearer token.

Every failure comes out typed, so views never look at status codes:
``GatewayUnavailable`` when the gateway cannot answer (no connection, time-out, 5xx,
a body that is not JSON), ``GatewayRejected`` carrying the problem+json body when it
answers a 4xx. JSON numbers are parsed as ``Decimal``: money never passes through float.
"""
import json
import math
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests

from . import logs

PRODUCTS_PAGE_SIZE = 50
TEAM_PAGE_SIZE = 50
OPPORTUNITIES_PAGE_SIZE = 25
CUSTOMERS_PAGE_SIZE = 50
CONTACTS_PAGE_SIZE = 50
REGISTRATIONS_PAGE_SIZE = 25
OFFERS_PAGE_SIZE = 50
QUOTES_PAGE_SIZE = 25
STATEMENTS_PAGE_SIZE = 24   # two years of monthly statements
CSV_CHUNK = 64 * 1024
CATALOGUE_PAGE_SIZE = 200   # the gateway's largest page
CHOOSER_MAX_PAGES = 5       # a chooser lists at most this many of those pages
PDF = "application/pdf"
CSV = "text/csv"
# A Content-Disposition's plain file name: safe characters only, or none is taken.
FILE_NAME = re.compile(r'filename="([A-Za-z0-9][A-Za-z0-9._-]{0,99})"')
PORTAL_AUDIENCE = "portal"  # the audience the gateway issues portal tokens for


class GatewayError(Exception):
    """Base of everything the client raises."""


class GatewayUnavailable(GatewayError):
    """The gateway did not answer usefully; worth retrying later."""


class GatewayRejected(GatewayError):
    """The gateway answered 4xx. ``problem`` is its problem+json body (RFC 9457):
    type, title, status, detail and, for validation errors, errors {field: [messages]}."""

    def __init__(self, status, problem, retry_after=None):
        self.status = status
        self.problem = problem
        self.title = problem.get("title") or "Error"
        self.detail = problem.get("detail")
        errors = problem.get("errors")
        self.errors = errors if isinstance(errors, dict) else {}
        self.retry_after = retry_after  # seconds, from a 429's Retry-After, else None
        super().__init__(f"{status} {self.title}" + (f": {self.detail}" if self.detail else ""))

    def field_errors(self):
        """{field: [message, ...]}, whether the gateway sent a list or one string."""
        return {str(field): [str(m) for m in (messages if isinstance(messages, list)
                                              else [messages])]
                for field, messages in self.errors.items()}


def _problem_from(response):
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"title": response.reason or "Error", "detail": response.text[:200] or None}
    return {"type": "about:blank", "status": response.status_code, **body}


def retry_after_seconds(value, now=None):
    """Retry-After as whole seconds (RFC 9110: delta-seconds or an HTTP-date), or None
    when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, math.ceil((when - (now or datetime.now(UTC))).total_seconds()))


class GatewayClient:
    """One per app. ``requests.Session`` is not documented as thread-safe and gunicorn's
    gthread workers serve requests on several threads, so each thread keeps its own
    session (and so its own connection pool)."""

    def __init__(self, base_url, timeout, client_secret=None):
        self.base_url = base_url.rstrip("/")
        self.client_secret = client_secret
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

    def request(self, method, path, params=None, body=None, token=None, headers=None):
        """``method`` ``path`` (starting with /api/...) with an optional JSON ``body``
        and bearer ``token``; the decoded JSON answer, or None for an empty one (204)."""
        response = self._send(method, path, params, body, token, headers)
        if response.status_code == 204 or not response.content:
            return None
        try:
            # bytes, not response.text: json detects UTF-8 itself, while requests would
            # guess a charset the gateway's "application/json" does not state.
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise GatewayUnavailable("the gateway answered something that is not JSON")

    def _send(self, method, path, params, body, token, headers, stream=False):
        """The gateway's 2xx response; a typed error for anything else. ``stream``: the
        body is read as the caller iterates it (the caller closes the response)."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request_id = logs.correlation_id()
        if request_id:   # the gateway logs it and passes it on to the services
            headers["X-Request-ID"] = request_id
        try:
            response = self.session.request(method, self.base_url + path, params=params,
                                            json=body, headers=headers,
                                            timeout=self.timeout, stream=stream)
        except requests.Timeout:
            raise GatewayUnavailable(f"the gateway did not answer within {self.timeout}s")
        except requests.RequestException as error:
            raise GatewayUnavailable(f"cannot reach the gateway: {error.__class__.__name__}")
        if response.status_code >= 400 and stream:
            _ = response.content   # read the (small) problem body: the connection goes back
        if response.status_code >= 500:
            raise GatewayUnavailable(f"the gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise GatewayRejected(response.status_code, _problem_from(response),
                                  retry_after_seconds(response.headers.get("Retry-After")))
        return response

    def get(self, path, params=None, token=None):
        return self.request("GET", path, params=params, token=token)

    def page(self, path, what, token, cursor, limit, **params):
        """One page of a list: {"items": [...], "next_cursor": str | None}. ``params``
        whose value is None or "" are left out: the gateway refuses an empty filter."""
        params = {name: value for name, value in params.items() if value not in (None, "")}
        params["limit"] = limit
        if cursor:
            params["cursor"] = cursor
        answer = self.get(path, params=params, token=token)
        if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
            raise GatewayUnavailable(f"the gateway's {what} has no items list")
        return answer

    def record(self, path, what, token):
        """One record (a JSON object) at ``path``."""
        answer = self.get(path, token=token)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise GatewayUnavailable(f"the gateway's {what} is not a record")
        return answer

    def list_products(self, cursor=None, limit=PRODUCTS_PAGE_SIZE, token=None):
        """One page of the catalogue: {"items": [...], "next_cursor": str | None}."""
        return self.page("/api/v1/products", "product page", token, cursor, limit)

    # Identity. A grant is {"access_token", "token_type", "expires_in", "user": Me};
    # Me is {"id", "kind", "name", "email", "roles", "partner_org"}.

    def sign_in(self, email, password, client_ip=None):
        """``client_ip``: the browser's address, passed on (with the shared secret)
        so the gateway's per-IP limit counts browsers rather than the portal."""
        headers = {}
        if self.client_secret and client_ip:
            headers = {"X-Channel-SFA-Portal": self.client_secret,
                       "X-Channel-SFA-Client-IP": client_ip}
        grant = self.request("POST", "/api/v1/auth/sign-in", headers=headers, body={
            "email": email, "password": password, "audience": PORTAL_AUDIENCE})
        return _checked_grant(grant)

    def accept_invitation(self, invitation_token, password):
        grant = self.request("POST", "/api/v1/auth/accept-invitation", body={
            "token": invitation_token, "password": password})
        return _checked_grant(grant)

    def sign_out(self, token):
        self.request("POST", "/api/v1/auth/sign-out", token=token)

    def me(self, token):
        me = self.get("/api/v1/auth/me", token=token)
        if not _is_me(me):
            raise GatewayUnavailable("the gateway's /auth/me answer is not a user")
        return me

    # The partner admin's own organisation.

    def list_partner_users(self, token, cursor=None, limit=TEAM_PAGE_SIZE):
        """One page of the organisation's users: {"items": [...], "next_cursor": ...}."""
        return self.page("/api/v1/partner/users", "partner user list", token, cursor, limit)

    def invite_partner_user(self, token, name, email, role):
        """{"user": PartnerUser, "invitation_token": str}."""
        answer = self.request("POST", "/api/v1/partner/users", token=token,
                              body={"name": name, "email": email, "role": role})
        if not isinstance(answer, dict) or not answer.get("invitation_token"):
            raise GatewayUnavailable("the gateway's invitation has no token")
        return answer

    def update_partner_user(self, token, user_id, **changes):
        """PATCH role and/or active; the updated PartnerUser."""
        return self.request("PATCH", f"/api/v1/partner/users/{segment(user_id)}",
                            token=token, body=changes)

    # Customers and opportunities, as the gateway's partner views show them
    # (PartnerAccountSchema, PartnerOpportunitySchema, contacts as they are).

    def pipeline(self, token):
        """{"stages": [{"key", "kind": open | won | lost, "probability"}]}, in order."""
        answer = self.get("/api/v1/pipeline", token=token)
        stages = answer.get("stages") if isinstance(answer, dict) else None
        if not isinstance(stages, list) or not all(isinstance(s, dict) and s.get("key")
                                                   for s in stages):
            raise GatewayUnavailable("the gateway's pipeline has no stages")
        return answer

    def list_opportunities(self, token, cursor=None, limit=OPPORTUNITIES_PAGE_SIZE,
                           **filters):
        """One page of the partner's opportunities; ``filters`` are the gateway's query
        names (status, stage, account_id, close_from, close_to, q, sort)."""
        return self.page("/api/v1/opportunities", "opportunity list", token, cursor, limit,
                         **filters)

    def get_opportunity(self, token, opportunity_id):
        return self.record(f"/api/v1/opportunities/{segment(opportunity_id)}", "opportunity",
                           token)

    def update_opportunity(self, token, opportunity_id, changes):
        """PATCH what a partner may change (next_step, notes); the opportunity."""
        return self.request("PATCH", f"/api/v1/opportunities/{segment(opportunity_id)}",
                            token=token, body=changes)

    def move_stage(self, token, opportunity_id, move):
        """POST a stage move (stage, probability?, lost_reason?, lost_note?,
        lost_to_competitor_id?, note?); the opportunity."""
        return self.request("POST", f"/api/v1/opportunities/{segment(opportunity_id)}/stage",
                            token=token, body=move)

    def list_accounts(self, token, cursor=None, limit=CUSTOMERS_PAGE_SIZE, **filters):
        """One page of the customers the partner's channel serves (filters: q, sort)."""
        return self.page("/api/v1/accounts", "customer list", token, cursor, limit, **filters)

    def get_account(self, token, account_id):
        return self.record(f"/api/v1/accounts/{segment(account_id)}", "customer", token)

    def list_contacts(self, token, account_id, cursor=None, limit=CONTACTS_PAGE_SIZE):
        return self.page(f"/api/v1/accounts/{segment(account_id)}/contacts", "contact list",
                         token, cursor, limit)

    def pipeline_report(self, token):
        """{"rows": [{stage, currency, count, amount, weighted}], "totals": [...]}: the
        open pipeline by stage and currency; amounts are decimal strings."""
        answer = self.get("/api/v1/reports/pipeline", token=token)
        if not isinstance(answer, dict) or not isinstance(answer.get("rows"), list) \
                or not isinstance(answer.get("totals"), list):
            raise GatewayUnavailable("the gateway's pipeline report has no rows")
        return answer

    def win_rate_report(self, token):
        """{"won_count", "lost_count", "percent": decimal string | None}."""
        answer = self.get("/api/v1/reports/win-rate", token=token)
        if not isinstance(answer, dict) or "percent" not in answer:
            raise GatewayUnavailable("the gateway's win rate report has no percent")
        return answer

    # Deal registrations (报备) and lead offers, as the gateway's partner views show
    # them: a partner's own (rep) or its organisation's (admin); conflicts without
    # other partners' identities.

    def list_registrations(self, token, cursor=None, limit=REGISTRATIONS_PAGE_SIZE,
                           **filters):
        """One page of the partner's registrations (filters: status, q)."""
        return self.page("/api/v1/deal-registrations", "registration list", token, cursor,
                         limit, **filters)

    def get_registration(self, token, registration_id):
        return self.record(f"/api/v1/deal-registrations/{segment(registration_id)}",
                           "registration", token)

    def create_registration(self, token, registration):
        """POST a new registration (a draft); the registration."""
        return self._written(self.request("POST", "/api/v1/deal-registrations", token=token,
                                          body=registration), "new registration")

    def update_registration(self, token, registration_id, changes):
        """PATCH a draft or returned registration; the registration."""
        return self._written(self.request(
            "PATCH", f"/api/v1/deal-registrations/{segment(registration_id)}", token=token,
            body=changes), "changed registration")

    def submit_registration(self, token, registration_id):
        """POST .../submit: the gateway runs the conflict check; the registration, its
        conflicts (as a partner may see them) included."""
        return self._written(self.request(
            "POST", f"/api/v1/deal-registrations/{segment(registration_id)}/submit",
            token=token, body={}), "submitted registration")

    def check_registration_conflicts(self, token, draft):
        """The live conflict preview for ``draft`` (company, unified_social_credit_code):
        {"conflicts": [{kind, score, reasons}]}."""
        answer = self.request("POST", "/api/v1/deal-registrations/conflict-check",
                              token=token, body=draft)
        if not isinstance(answer, dict) or not isinstance(answer.get("conflicts"), list):
            raise GatewayUnavailable("the gateway's conflict check has no conflicts list")
        return answer

    def list_offers(self, token, cursor=None, limit=OFFERS_PAGE_SIZE, **filters):
        """One page of the leads offered to the partner's organisation (filter: status)."""
        return self.page("/api/v1/lead-offers", "lead offer list", token, cursor, limit,
                         **filters)

    def accept_offer(self, token, offer_id):
        """Accept a lead offered to the organisation; the offer."""
        return self._written(self.request(
            "POST", f"/api/v1/lead-offers/{segment(offer_id)}/accept", token=token, body={}),
            "accepted offer")

    def decline_offer(self, token, offer_id, reason):
        """Decline an offer, saying why; the offer."""
        return self._written(self.request(
            "POST", f"/api/v1/lead-offers/{segment(offer_id)}/decline", token=token,
            body={"reason": reason}), "declined offer")

    # Basket pricing and quotes (报价), as the gateway's partner views show them: prices
    # under the organisation's tier, traces without costs, margins or other tiers' lists;
    # a partner's own quotes (rep) or its organisation's (admin).

    def active_products(self, token):
        """The active catalogue for a product chooser, in SKU order: at most
        ``CHOOSER_MAX_PAGES`` full pages (a longer catalogue is cut there)."""
        products, cursor = [], None
        for _page in range(CHOOSER_MAX_PAGES):
            answer = self.page("/api/v1/products", "product page", token, cursor,
                               CATALOGUE_PAGE_SIZE, active="true")
            products.extend(answer["items"])
            cursor = answer.get("next_cursor")
            if not cursor:
                break
        return products

    def open_opportunities(self, token):
        """The partner's open opportunities for a chooser, by name: at most
        ``CHOOSER_MAX_PAGES`` pages of ``CATALOGUE_PAGE_SIZE``."""
        opportunities, cursor = [], None
        for _page in range(CHOOSER_MAX_PAGES):
            answer = self.list_opportunities(token, cursor=cursor, limit=CATALOGUE_PAGE_SIZE,
                                             status="open", sort="name")
            opportunities.extend(answer["items"])
            cursor = answer.get("next_cursor")
            if not cursor:
                break
        return opportunities

    def price_basket(self, token, basket):
        """POST a basket ({lines: [{sku, quantity}], currency}) to be priced under the
        partner's tier: {lines: [{product, quantity, unit_price, amount, trace}],
        currency, total}."""
        answer = self.request("POST", "/api/v1/pricing/basket", token=token, body=basket)
        if not isinstance(answer, dict) or not isinstance(answer.get("lines"), list):
            raise GatewayUnavailable("the gateway's priced basket has no lines")
        return answer

    def list_quotes(self, token, cursor=None, limit=QUOTES_PAGE_SIZE, **filters):
        """One page of the partner's quotes (filters: status, opportunity_id)."""
        return self.page("/api/v1/quotes", "quote list", token, cursor, limit, **filters)

    def get_quote(self, token, quote_id):
        return self.record(f"/api/v1/quotes/{segment(quote_id)}", "quote", token)

    def request_quote(self, token, quote_request, idempotency_key=None):
        """POST a quote request (a draft quote on one of the partner's opportunities);
        the quote. The same ``idempotency_key`` answers the same quote: a form sent
        twice asks once."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._written(self.request("POST", "/api/v1/quotes", token=token,
                                          body=quote_request, headers=headers), "new quote")

    def quote_pdf(self, token, quote_id):
        """The quote as a PDF document: (its bytes, the file name the gateway gave, or
        None)."""
        response = self._send("GET", f"/api/v1/quotes/{segment(quote_id)}/pdf", None, None,
                              token, {"Accept": f"{PDF}, application/problem+json"})
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != PDF or not response.content.startswith(b"%PDF-"):
            raise GatewayUnavailable("the gateway's quote PDF is not a PDF")
        named = FILE_NAME.search(response.headers.get("Content-Disposition", ""))
        return response.content, named.group(1) if named else None

    # Commission statements (佣金): the partner admin's organisation's, one row per
    # period (partner payees only; the gateway never lists the internal reps' lines).

    def list_statements(self, token, cursor=None, limit=STATEMENTS_PAGE_SIZE, **filters):
        """One page of statement rows {period, payee_kind, payee_id, currency,
        line_count, totals, total}, newest period first (filter: period)."""
        return self.page("/api/v1/commission/statements", "statement list", token, cursor,
                         limit, **filters)

    def get_statement(self, token, period, payee_id):
        """One period's statement of a partner organisation: {period, period_status,
        lines, totals, total, ...}."""
        answer = self.get(_statement_path(period, payee_id), token=token)
        if not isinstance(answer, dict) or not isinstance(answer.get("lines"), list):
            raise GatewayUnavailable("the gateway's statement has no lines")
        return answer

    def statement_csv(self, token, period, payee_id):
        """The statement as CSV, streamed: (an iterator over its bytes, the file name the
        gateway gave or None). Iterating to the end (or closing it) frees the
        connection."""
        response = self._send("GET", f"{_statement_path(period, payee_id)}/csv", None, None,
                              token, {"Accept": f"{CSV}, application/problem+json"},
                              stream=True)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != CSV:
            response.close()
            raise GatewayUnavailable("the gateway's statement export is not CSV")
        named = FILE_NAME.search(response.headers.get("Content-Disposition", ""))

        def chunks():
            try:
                yield from response.iter_content(CSV_CHUNK)
            except requests.RequestException:
                raise GatewayUnavailable("the gateway's statement export broke off")
            finally:
                response.close()
        return chunks(), named.group(1) if named else None

    @staticmethod
    def _written(answer, what):
        if not isinstance(answer, dict) or not answer.get("id"):
            raise GatewayUnavailable(f"the gateway's {what} is not a record")
        return answer


def _statement_path(period, payee_id):
    return (f"/api/v1/commission/statements/{segment(period)}/partner_org/"
            f"{segment(payee_id)}")


def segment(identifier):
    """An id as exactly one path segment: "../x" cannot reach another route."""
    return quote(str(identifier), safe="")


def _is_me(me):
    return isinstance(me, dict) and bool(me.get("id")) and isinstance(me.get("roles", []),
                                                                     list)


def _checked_grant(grant):
    if not isinstance(grant, dict) or not grant.get("access_token") \
            or not _is_me(grant.get("user")):
        raise GatewayUnavailable("the gateway's sign-in answer has no token or user")
    return grant
