"""Quotes (报价): /api/v1/quotes, their versions and lifecycle, and their PDF.

A quote is made from an opportunity the caller reads and may quote on (it copies the
deal's customer, owner, team, partner fields and currency, which then scope it). The
gateway stamps the author (the signed-in user with their roles, whose discount limit
decides whether submitting needs an approval, and a partner's organisation and tier,
whose list prices a partner's quote). Only a draft changes; revising a closed version
makes the next draft version.

Partners request quotes on their own deals (a draft they author), change and submit
their drafts, read their quotes and download the PDF, in the partner view (no cost,
no internal people, a trace without the lists behind theirs). Approving or rejecting
an approval is for the author's manager, sales operations or an admin (never the
author); sending, accepting, declining and revising are the company's.
"""
import base64
import binascii

from flask import Response, g

from sfa_common.contracts.quotes import (
    ActorSchema,
    QuotePageSchema,
    QuoteQuerySchema,
    QuoteSchema,
    QuoteUpdateSchema,
    RejectionSchema,
)
from sfa_common.errors import Forbidden

from ..idempotency import idempotency_key
from ..scopes import scope_for
from ..services import call
from ..views import (
    ApiQuoteCreateSchema,
    PartnerQuoteCreateSchema,
    PartnerQuotePageSchema,
    PartnerQuoteQuerySchema,
    PartnerQuoteSchema,
    PartnerQuoteUpdateSchema,
)
from . import Blueprint
from .directory import granted, internal_only, own_partner_org

blp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes",
                description="Quotes (报价), their versions, approval and PDF")


def actor():
    """Who acts, as the quotes service wants it: the user, their roles (the discount
    limit is the largest of theirs) and, for a partner, its organisation and tier."""
    who = {"user_id": g.subject.user_id, "roles": list(g.subject.roles)}
    if g.subject.is_partner:
        who["partner_org_id"] = g.subject.partner_org_id
        if "partner_tier" in ActorSchema().fields:
            who["partner_tier"] = own_partner_org()["tier"]
    return who


def _source_key():
    """The create's idempotency key in the quotes service: the client's
    ``Idempotency-Key``, kept apart per user (two users' keys never meet); none without
    the header. The gateway already replays a retry (``gateway.idempotency``); this
    keeps the create idempotent should a gateway die between the call and keeping the
    answer."""
    key = idempotency_key()
    return None if key is None else f"http:{g.subject.user_id}:{key}"


def _quoting_scope():
    """The opportunities the caller may quote on: those it reads AND whose quote (which
    takes over the deal's owner and partner fields) it may create."""
    parts = [scope for scope in (scope_for("opportunity", "read"), scope_for("quote", "create"))
             if scope]
    return {"$and": parts} if len(parts) > 1 else (parts[0] if parts else {})


@blp.route("", methods=["GET"])
@blp.arguments(QuoteQuerySchema, location="query", partner_schema=PartnerQuoteQuerySchema)
@blp.replies(200, QuotePageSchema, partner_view=PartnerQuotePageSchema)
def list_quotes(query):
    """List the quotes in your scope (each number's latest version by default)

    One page per call; pass `next_cursor` back as `cursor`; `latest_only=false` lists
    every version."""
    return call("quotes", "list_quotes", QuoteQuerySchema().dump(query),
                scope_for("quote", "read"))


@blp.route("", methods=["POST"])
@granted("quote", "create")
@blp.arguments(ApiQuoteCreateSchema, partner_schema=PartnerQuoteCreateSchema)
@blp.replies(201, QuoteSchema, partner_view=PartnerQuoteSchema)
def create_quote(quote):
    """Make a draft quote from an opportunity

    An open opportunity you read and may quote on (else 400 naming `opportunity_id`;
    409 when it is won or lost). Lines are priced by the engine: under `price_list_id`
    if named, else your partner tier's list, else the internal one. A partner requests
    a quote on its own deals and names no list. Send an `Idempotency-Key` header to
    make retrying safe: the same key answers the same quote."""
    schema = PartnerQuoteCreateSchema if g.subject.is_partner else ApiQuoteCreateSchema
    payload = {**schema().dump(quote), "source_key": _source_key()}
    return call("quotes", "create_quote", payload, _quoting_scope(), actor())


@blp.route("/<quote_id>", methods=["GET"])
@blp.replies(200, QuoteSchema, partner_view=PartnerQuoteSchema)
def get_quote(quote_id):
    """Read one quote version (404 when it does not exist or lies outside your scope)"""
    return call("quotes", "get_quote", quote_id, scope_for("quote", "read", quote_id))


@blp.route("/<quote_id>", methods=["PATCH"])
@blp.arguments(QuoteUpdateSchema, partner_schema=PartnerQuoteUpdateSchema)
@blp.replies(200, QuoteSchema, partner_view=PartnerQuoteSchema)
def update_quote(changes, quote_id):
    """Change a draft quote (409 naming its state otherwise)

    Only the fields sent change; new `lines` replace the old ones and are priced
    again."""
    schema = PartnerQuoteUpdateSchema if g.subject.is_partner else QuoteUpdateSchema
    scope = scope_for("quote", "update", quote_id)
    return call("quotes", "update_quote", quote_id, schema().dump(changes), scope, actor())


def _step(method, quote_id, *args):
    scope = scope_for("quote", "update", quote_id)
    return call("quotes", method, quote_id, *args, scope, actor())


@blp.route("/<quote_id>/submit", methods=["POST"])
@blp.replies(200, QuoteSchema, partner_view=PartnerQuoteSchema)
def submit_quote(quote_id):
    """Submit a draft: approved at once, or pending approval

    Pending when a line's or the quote's discount exceeds its author's limit (the
    largest of the author's roles)."""
    return _step("submit_quote", quote_id)


def _approver_scope(quote_id, what):
    """The approve scope on the quote; refused to partners and to the quote's author."""
    internal_only(what)
    scope = scope_for("quote", "approve", quote_id)
    quote = call("quotes", "get_quote", quote_id, scope)
    if (quote.get("author") or {}).get("user_id") == g.subject.user_id:
        raise Forbidden("Someone else approves a quote you wrote.")
    return scope


@blp.route("/<quote_id>/approve", methods=["POST"])
@blp.replies(200, QuoteSchema)
def approve_quote(quote_id):
    """Approve a quote pending approval (409 naming its state otherwise)

    The author's manager (the team below them, the departments they head), sales
    operations or an admin, never the author; partners get 403."""
    scope = _approver_scope(quote_id, "approve quotes")
    return call("quotes", "approve_quote", quote_id, scope, actor())


@blp.route("/<quote_id>/reject", methods=["POST"])
@blp.arguments(RejectionSchema)
@blp.replies(200, QuoteSchema)
def reject_quote(rejection, quote_id):
    """Send a quote pending approval back to draft, saying why

    Whoever may approve it; partners get 403."""
    scope = _approver_scope(quote_id, "reject quotes")
    return call("quotes", "reject_quote", quote_id, RejectionSchema().dump(rejection), scope,
                actor())


def _company_step(method, quote_id, what):
    internal_only(what)
    return _step(method, quote_id)


@blp.route("/<quote_id>/send", methods=["POST"])
@blp.replies(200, QuoteSchema)
def send_quote(quote_id):
    """Mark an approved quote sent to the customer (409 otherwise)"""
    return _company_step("send_quote", quote_id, "send quotes")


@blp.route("/<quote_id>/accept", methods=["POST"])
@blp.replies(200, QuoteSchema)
def accept_quote(quote_id):
    """The customer accepted a sent quote: the opportunity is won with its total

    Its products become the deal's; accepting again answers the same. 409 when the
    deal was won by something else or lost."""
    return _company_step("accept_quote", quote_id, "accept quotes")


@blp.route("/<quote_id>/decline", methods=["POST"])
@blp.replies(200, QuoteSchema)
def decline_quote(quote_id):
    """The customer declined a sent quote (409 otherwise)"""
    return _company_step("decline_quote", quote_id, "decline quotes")


@blp.route("/<quote_id>/revise", methods=["POST"])
@blp.replies(201, QuoteSchema)
def revise_quote(quote_id):
    """Revise an approved, sent, declined or expired quote: answers the new draft version

    The same number, the next version; the earlier one is superseded and read-only."""
    return _company_step("revise_quote", quote_id, "revise quotes")


@blp.route("/<quote_id>/pdf", methods=["GET"])
@blp.alt_response(200, success=True, content_type="application/pdf",
                  description="The quote as a PDF document")
def get_quote_pdf(quote_id):
    """Download the quote as a PDF (header, customer, lines, totals, validity)"""
    pdf = call("quotes", "get_quote_pdf", quote_id, scope_for("quote", "read", quote_id))
    try:
        content = base64.b64decode(pdf["content_base64"], validate=True)
    except (binascii.Error, KeyError, TypeError) as error:
        raise RuntimeError("The quotes service answered a malformed PDF.") from error
    file_name = pdf.get("file_name") or f"quote-{quote_id}.pdf"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_ascii(file_name)}"'})


def _ascii(file_name):
    """A header-safe file name (quote numbers are ASCII already)."""
    safe = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                   for c in file_name)
    return safe or "quote.pdf"
