"""Quotes (报价): the entrypoints mixed into ``QuotesService``. Thin: validate, load,
call the rule (``quote_states``, ``totals``, the pricing engine), store, dispatch.

Uses the service's ``store`` (QuotesRepository), ``settings`` (QuotesSettings),
``opportunities`` (RpcProxy), ``_publish`` (dispatch an outbox entry, then clear it)
and ``price_lines`` (helper A's in-process pricing, ``CatalogueEntrypoints``).

Every call takes the data scope the gateway compiled for quotes; the quote carries its
opportunity's scope fields (owner, department, team, partner), so the same grants
select it. A quote outside the scope answers NotFound like a missing one.
"""
import base64
import logging
from datetime import timedelta

from nameko.rpc import rpc

from sfa_common.clock import utcnow
from sfa_common.contracts.quotes import (
    ACCEPTED,
    DRAFT,
    EXPIRED,
    SUPERSEDED,
    ActorSchema,
    QuoteCreateSchema,
    QuotePageSchema,
    QuotePdfSchema,
    QuoteQuerySchema,
    QuoteSchema,
    QuoteUpdateSchema,
    RejectionSchema,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.service import load, record_id

from . import pdf, quote_states, totals

log = logging.getLogger(__name__)

# The opportunity's fields a quote copies: who sees it follows who sees the deal.
SCOPE_FIELDS = ("owner_id", "department_id", "team_member_ids", "partner_org_id",
                "partner_user_id")
OPEN = "open"


def _today(now):
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _dump(quote):
    return QuoteSchema().dump(quote)


def _line_inputs(quote):
    """The stored lines as the pricing input they came from."""
    return [{"product_id": line["product_id"], "sku": None, "quantity": line["quantity"],
             "line_discount_percent": line["line_discount_percent"]}
            for line in quote["lines"]]


class QuoteEntrypoints:

    # -- pricing and totals ---------------------------------------------------------------

    def _priced(self, inputs, currency, price_list_id, partner_tier, deal_registration_id,
                now, quote_discount_percent, tax_rate_percent):
        """``{lines, totals}``: the lines priced by the engine (in-process), each net
        and the totals by ``totals`` (the one rounding rule)."""
        lines = []
        if inputs:
            priced = self.price_lines(
                [{"product_id": line["product_id"], "sku": line["sku"],
                  "quantity": line["quantity"]} for line in inputs],
                currency=currency, on=now.date(), price_list_id=price_list_id,
                partner_tier=None if price_list_id else partner_tier,
                deal_registration_id=deal_registration_id)
            for wanted, line in zip(inputs, priced["lines"], strict=True):
                product = line["product"]
                discount = wanted["line_discount_percent"]
                lines.append({
                    "product_id": str(product["_id"]), "sku": product["sku"],
                    "name": product["name"], "category": product.get("category"),
                    "unit": product.get("unit"), "quantity": wanted["quantity"],
                    "list_price": product.get("list_price"), "unit_price": line["unit_price"],
                    "amount": line["amount"], "line_discount_percent": discount,
                    "net": totals.line_net(wanted["quantity"], line["unit_price"], discount),
                    "trace": line.get("trace")})
        summed = totals.totals([line["net"] for line in lines], currency,
                               quote_discount_percent, tax_rate_percent)
        return {"lines": lines, "totals": summed.as_dict()}

    # -- reading --------------------------------------------------------------------------

    def _quote(self, quote_id, scope):
        quote = self.store.find_quote(record_id(quote_id, "quote"), scope)
        if quote is None:
            raise NotFound(f"No quote {quote_id!r}.")
        return quote

    @rpc(expected_exceptions=EXPECTED)
    def get_quote(self, quote_id, scope):
        return _dump(self._quote(quote_id, scope))

    @rpc(expected_exceptions=EXPECTED)
    def list_quotes(self, query, scope):
        """A page of quotes inside ``scope``; by default each number's latest version."""
        schema = QuoteQuerySchema()
        wanted = load(schema, {} if query is None else query)
        items, next_cursor = self.store.list_quotes(wanted, schema.parsed_sort(wanted), scope)
        return QuotePageSchema().dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def get_quote_pdf(self, quote_id, scope):
        quote = self._quote(quote_id, scope)
        content = pdf.render(quote)
        return QuotePdfSchema().dump({
            "file_name": pdf.file_name(quote), "content_type": "application/pdf",
            "content_base64": base64.b64encode(content).decode("ascii")})

    # -- creating and editing ---------------------------------------------------------------

    def _open_opportunity(self, opportunity_id, opportunity_scope):
        try:
            opportunity = self.opportunities.get_opportunity(opportunity_id,
                                                             opportunity_scope)
        except NotFound:
            raise ValidationFailed("No such opportunity.", {
                "opportunity_id": ["No such opportunity."]}) from None
        if opportunity["status"] != OPEN:
            message = (f"The opportunity is {opportunity['stage']}; only an open one is "
                       f"quoted.")
            raise Conflict(message, {"opportunity_id": [message]})
        return opportunity

    def _valid_until(self, wanted, now):
        if wanted is None:
            return _today(now) + timedelta(days=self.settings.valid_days)
        if wanted < _today(now):
            raise ValidationFailed("A quote cannot be valid only in the past.", {
                "valid_until": ["Must be today or later."]})
        return wanted

    @rpc(expected_exceptions=EXPECTED)
    def create_quote(self, payload, opportunity_scope, author):
        """A draft quote (version 1, a new number) on an open opportunity the caller
        sees through ``opportunity_scope``, priced by the engine. A create whose
        ``source_key`` was used before answers that quote as it is."""
        wanted = load(QuoteCreateSchema(), payload)
        author = load(ActorSchema(), author if isinstance(author, dict) else {})
        earlier = self.store.quote_by_source_key(wanted["source_key"])
        if earlier is not None:
            return _dump(earlier)
        opportunity = self._open_opportunity(wanted["opportunity_id"], opportunity_scope)
        now = utcnow()
        currency = opportunity["amount"]["currency"]
        tax = (self.settings.tax_percent if wanted["tax_rate_percent"] is None
               else wanted["tax_rate_percent"])
        valid_until = self._valid_until(wanted["valid_until"], now)
        priced = self._priced(wanted["lines"], currency, wanted["price_list_id"],
                              author["partner_tier"], opportunity.get("deal_registration_id"),
                              now, wanted["quote_discount_percent"], tax)
        quote = {
            "number": self.store.next_quote_number(now), "version": 1, "status": DRAFT,
            "latest": True, "opportunity_id": opportunity["id"],
            "opportunity_name": opportunity["name"], "account_id": opportunity["account_id"],
            "account_name": opportunity.get("account_name"),
            **{name: opportunity.get(name) for name in SCOPE_FIELDS},
            "team_member_ids": list(opportunity.get("team_member_ids") or []),
            "deal_registration_id": opportunity.get("deal_registration_id"),
            "author": author, "currency": currency, "price_list_id": wanted["price_list_id"],
            **priced, "quote_discount_percent": wanted["quote_discount_percent"],
            "tax_rate_percent": tax, "valid_until": valid_until, "notes": wanted["notes"],
            "approval": None, "history": [quote_states.history_entry(DRAFT, now,
                                                                     author["user_id"])],
            "previous_version_id": None, "superseded_by": None, "sent_at": None,
            "accepted_at": None, "source_key": wanted["source_key"]}
        return _dump(self.store.add_quote(quote, now))

    @rpc(expected_exceptions=EXPECTED)
    def update_quote(self, quote_id, changes, scope, actor):
        """Change a draft; its lines are priced again (today's prices) and its totals
        computed again."""
        changes = load(QuoteUpdateSchema(), changes)
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "edit")
        now = utcnow()
        merged = {**quote, **changes}
        if merged["tax_rate_percent"] is None:
            merged["tax_rate_percent"] = self.settings.tax_percent
        if "valid_until" in changes:
            merged["valid_until"] = self._valid_until(changes["valid_until"], now)
        inputs = changes["lines"] if "lines" in changes else _line_inputs(quote)
        priced = self._priced(inputs, quote["currency"], merged["price_list_id"],
                              quote["author"].get("partner_tier"),
                              quote.get("deal_registration_id"), now,
                              merged["quote_discount_percent"], merged["tax_rate_percent"])
        written = {name: merged[name] for name in (
            "quote_discount_percent", "tax_rate_percent", "valid_until", "price_list_id",
            "notes")}
        return self._save(quote, scope, {**written, **priced, "updated_by": actor["user_id"]})

    def _save(self, quote, scope, changes, entry=None, event=None):
        """One conditional update on the revision that was read; of two concurrent
        changes the second is a Conflict naming the state the quote is in now."""
        written = self.store.change_quote(quote, scope, changes,
                                          {"history": entry} if entry else None, event)
        if written is None:
            current = self._quote(str(quote["_id"]), scope)
            message = (f"The quote changed meanwhile and is now {current['status']}; "
                       f"reload it and try again.")
            raise Conflict(message, {"status": [message]})
        if event is not None:
            self._publish("quotes", written["_id"], event)
        return _dump(written)

    # -- the lifecycle --------------------------------------------------------------------

    def _advance(self, quote, scope, action, actor_id, now, note=None, event=None,
                 **changes):
        status = changes.pop("status", None) or quote_states.target(quote, action)
        entry = quote_states.history_entry(status, now, actor_id, note)
        return self._save(quote, scope, {"status": status, "updated_by": actor_id, **changes},
                          entry, event)

    @rpc(expected_exceptions=EXPECTED)
    def submit_quote(self, quote_id, scope, actor):
        """Submit a draft: approved at once when every discount is within the author's
        threshold (``QUOTE_DISCOUNT_THRESHOLDS``), else pending approval."""
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "submit")
        if not quote["lines"]:
            raise ValidationFailed("A quote needs at least one line.", {
                "lines": ["Add at least one line before submitting."]})
        now = utcnow()
        quote_states.check_still_valid(quote, now)
        biggest = totals.max_discount([line["line_discount_percent"] for line in quote["lines"]],
                                      quote["quote_discount_percent"])
        status, approval = quote_states.submission(
            biggest, quote["author"].get("roles"), self.settings.discount_thresholds)
        return self._advance(quote, scope, "submit", actor["user_id"], now, status=status,
                             approval=approval)

    @rpc(expected_exceptions=EXPECTED)
    def approve_quote(self, quote_id, scope, actor):
        """Approve a pending quote (the gateway checks the actor may approve)."""
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "approve")
        now = utcnow()
        approval = {**quote["approval"], "decided_by": actor["user_id"], "decided_at": now}
        return self._advance(quote, scope, "approve", actor["user_id"], now, approval=approval)

    @rpc(expected_exceptions=EXPECTED)
    def reject_quote(self, quote_id, rejection, scope, actor):
        """Send a pending quote back to draft, saying why."""
        wanted = load(RejectionSchema(), rejection)
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "reject")
        now = utcnow()
        approval = {**quote["approval"], "decided_by": actor["user_id"], "decided_at": now,
                    "reason": wanted["reason"]}
        return self._advance(quote, scope, "reject", actor["user_id"], now, wanted["reason"],
                             approval=approval)

    @rpc(expected_exceptions=EXPECTED)
    def send_quote(self, quote_id, scope, actor):
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "send")
        now = utcnow()
        quote_states.check_still_valid(quote, now)
        return self._advance(quote, scope, "send", actor["user_id"], now, sent_at=now)

    @rpc(expected_exceptions=EXPECTED)
    def decline_quote(self, quote_id, scope, actor):
        """The customer said no."""
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        quote_states.check(quote, "decline")
        return self._advance(quote, scope, "decline", actor["user_id"], utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def accept_quote(self, quote_id, scope, actor):
        """The customer accepted: the opportunity is won with the quote's total and
        products (``win_from_quote``, idempotent), then the quote is accepted and
        ``quote_accepted`` dispatched. An accepted quote answers itself again, and a
        retry after any failure wins nothing twice."""
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        if quote["status"] == ACCEPTED:
            return _dump(quote)
        quote_states.check(quote, "accept")
        now = utcnow()
        quote_states.check_still_valid(quote, now)
        total = quote["totals"]["total"]
        self.opportunities.win_from_quote(
            quote["opportunity_id"], str(quote["_id"]),
            {"amount": str(total.amount), "currency": total.currency},
            [{"product_id": line["product_id"], "sku": line["sku"],
              "category": line.get("category"), "quantity": str(line["quantity"]),
              "amount": {"amount": str(line["net"].amount), "currency": line["net"].currency}}
             for line in quote["lines"]],
            actor["user_id"])
        accepted = {**quote, "status": ACCEPTED}
        event = quote_states.accepted_event(accepted, actor["user_id"], now)
        entry = quote_states.history_entry(ACCEPTED, now, actor["user_id"])
        written = self.store.change_quote(
            quote, scope, {"status": ACCEPTED, "accepted_at": now,
                           "updated_by": actor["user_id"]}, {"history": entry}, event)
        if written is None:
            current = self._quote(quote_id, scope)
            if current["status"] == ACCEPTED:   # a concurrent acceptance won
                return _dump(current)
            message = f"The quote changed meanwhile and is now {current['status']}."
            raise Conflict(message, {"status": [message]})
        self._publish("quotes", written["_id"], event)
        return _dump(written)

    @rpc(expected_exceptions=EXPECTED)
    def revise_quote(self, quote_id, scope, actor):
        """Version n+1 of an approved, sent, declined or expired quote, as a draft with
        the same number and lines; the earlier version is superseded (read-only).
        Revising a superseded version again answers the version that replaced it."""
        actor = load(ActorSchema(), actor if isinstance(actor, dict) else {})
        quote = self._quote(quote_id, scope)
        if quote["status"] == SUPERSEDED and quote.get("superseded_by"):
            return _dump(self._quote(quote["superseded_by"], scope))
        quote_states.check(quote, "revise")
        now = utcnow()
        valid_until = quote["valid_until"]
        if quote["status"] == EXPIRED or quote_states.lapsed(quote, now):
            valid_until = _today(now) + timedelta(days=self.settings.valid_days)
        keep = {name: value for name, value in quote.items() if name not in (
            "_id", "revision", "outbox", "created_at", "updated_at", "total_minor",
            "updated_by")}
        revised = self.store.add_quote({
            **keep, "version": quote["version"] + 1, "status": DRAFT, "latest": True,
            "valid_until": valid_until, "approval": None, "sent_at": None,
            "accepted_at": None, "previous_version_id": str(quote["_id"]),
            "superseded_by": None, "source_key": f"revision-of:{quote['_id']}",
            "author": {**quote["author"]},
            "history": [quote_states.history_entry(DRAFT, now, actor["user_id"],
                                                   f"revision of version {quote['version']}")]},
            now)
        written = self.store.change_quote(
            quote, scope, {"status": SUPERSEDED, "latest": False,
                           "superseded_by": str(revised["_id"]),
                           "updated_by": actor["user_id"]},
            {"history": quote_states.history_entry(SUPERSEDED, now, actor["user_id"],
                                                   f"replaced by version {revised['version']}")})
        if written is None:
            current = self._quote(quote_id, scope)
            if current.get("superseded_by") == str(revised["_id"]):
                return _dump(revised)
            self.store.remove_quote(revised["_id"])
            message = f"The quote changed meanwhile and is now {current['status']}."
            raise Conflict(message, {"status": [message]})
        return _dump(revised)

    # -- expiry (the timer calls it) ----------------------------------------------------------

    def _expire_lapsed(self):
        """Expire every sent quote whose last valid day is past; how many it expired."""
        now = utcnow()
        expired = 0
        for quote in self.store.lapsed_quotes(_today(now)):
            entry = quote_states.history_entry(EXPIRED, now, None, "valid_until passed")
            if self.store.change_quote(quote, {}, {"status": EXPIRED}, {"history": entry}):
                expired += 1
        return expired
