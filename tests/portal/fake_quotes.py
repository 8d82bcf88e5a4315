"""The fake gateway's basket pricing and quotes, in memory, as the real gateway answers
a partner (gateway/api/pricing.py, gateway/api/quotes.py, gateway/views.py):

- input loaded with the contract schemas cut down the way the gateway's partner
  schemas cut them (``PartnerBasketSchema``: no ``price_list_id`` or ``partner_tier``;
  ``PartnerQuoteCreateSchema``: no ``source_key`` or ``price_list_id``), so the same
  fields are named in the same ``application/problem+json`` errors, lines included
  (``lines.1.quantity``, ``lines.0.sku``, ``lines.2`` for a product in another
  currency);
- a partner's basket and quote priced under its organisation's tier (the active list
  serving the tier, else the list prices), never a list it names;
- quotes scoped like the gateway scopes them for a partner: a rep's own deals, an
  admin's whole organisation; anything else 404 like a missing record. A quote is
  requested on an opportunity the partner sees (else 400 naming ``opportunity_id``)
  that is open (else 409); the same ``Idempotency-Key`` answers the same quote;
- answers dumped with the contract schemas and cut to the partner views: products
  without cost, quotes without internal people or the list id, traces through
  ``partner_trace`` (a copy of the gateway's: the list's name, the rule's kind, steps
  from a base a partner may see, nothing of costs or margins).

The pricing here is a small stand-in for the quotes service's engine, enough for the
portal: per list, rules for one SKU or for all products (the SKU's first), each from
a ``min_quantity`` counted over the basket's lines of that product (or the whole
basket), of kind ``fixed_price``, ``percent_discount`` or ``formula`` (list price or
cost, a discount, a rounding step, a minimum margin). Its traces have the engine's
shape (quotes/pricing.py): every step with the amount before and after, the last one
rounding to the currency's minor unit.
"""
import itertools
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bson import ObjectId
from fake_http import answer, problem
from fake_sales import PartnerInput, conflict, invalid, loaded, not_found
from flask import Response, request
from marshmallow import fields

from sfa_common.contracts.pricing import BasketSchema, PricedBasketSchema
from sfa_common.contracts.quotes import (
    ApprovalSchema,
    ProductSchema,
    QuoteCreateSchema,
    QuoteHistorySchema,
    QuoteQuerySchema,
    QuoteSchema,
)
from sfa_common.money import Money
from sfa_common.schemas import page_schema

HUNDRED = Decimal(100)
TAX_PERCENT = Decimal(13)
VALID_DAYS = 30
MAX_IDEMPOTENCY_KEY = 100


# -- the gateway's partner schemas (gateway/views.py) ------------------------------------

class PartnerProductSchema(ProductSchema):
    class Meta(ProductSchema.Meta):
        exclude = ("cost",)


PartnerProductPageSchema = page_schema(PartnerProductSchema)


class PartnerBasketSchema(PartnerInput, BasketSchema):
    class Meta(BasketSchema.Meta):
        exclude = ("price_list_id", "partner_tier")


class PartnerQuoteCreateSchema(PartnerInput, QuoteCreateSchema):
    class Meta(QuoteCreateSchema.Meta):
        exclude = ("source_key", "price_list_id")


class PartnerQuoteQuerySchema(PartnerInput, QuoteQuerySchema):
    class Meta(QuoteQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerQuoteSchema(QuoteSchema):
    """Dumped, then each line's trace goes through ``partner_trace``."""

    approval = fields.Nested(ApprovalSchema(exclude=("decided_by",)), allow_none=True)
    history = fields.List(fields.Nested(QuoteHistorySchema(exclude=("actor_id",))))

    class Meta(QuoteSchema.Meta):
        exclude = ("owner_id", "department_id", "team_member_ids", "author", "price_list_id",
                   "source_key")


_VISIBLE_BASES = ("list_price", "fixed_price")
_STEP_PARAMETERS = {"discount": ("percent",), "surcharge": ("amount",), "rounding": ("to",),
                    "minor_unit": ("digits",)}


def partner_trace(trace):
    """gateway/views.py's ``partner_trace``, copied."""
    if not isinstance(trace, dict):
        return None
    price_list, rule = trace.get("price_list"), trace.get("rule")
    base = trace.get("base") or {}
    seen = {"price_list": {"name": price_list.get("name")} if price_list else None,
            "rule": {"kind": rule.get("kind")} if rule else None,
            "counted_quantity": trace.get("counted_quantity"),
            "unit_price": trace.get("unit_price"), "currency": trace.get("currency")}
    if base.get("source") not in _VISIBLE_BASES:
        return {**seen, "base": {"source": "net_price"}, "steps": []}
    return {**seen, "base": {"source": base["source"], "amount": base.get("amount")},
            "steps": [step for step in map(_partner_step, trace.get("steps") or []) if step]}


def _partner_step(step):
    amounts = {"before": step.get("before"), "after": step.get("after")}
    kind = step.get("step")
    if kind in _STEP_PARAMETERS:
        return {"step": kind, **{name: step.get(name) for name in _STEP_PARAMETERS[kind]},
                **amounts}
    if amounts["before"] == amounts["after"]:
        return None
    return {"step": "adjustment", **amounts}


# -- a stand-in for the pricing engine -----------------------------------------------------

def minor(amount, currency):
    return Money(amount, currency).rounded().amount


class Steps:
    """The engine's running amount: each step recorded with the amount before/after."""

    def __init__(self, amount, currency):
        self.amount, self.currency, self.entries = amount, currency, []

    def add(self, step, after, **parameters):
        self.entries.append({"step": step, **parameters, "before": str(self.amount),
                             "after": str(after)})
        self.amount = after


def unit_price(price_list, product, counted):
    """(unit price, trace) of ``product`` under ``price_list`` (None: the list price);
    ``counted``: the basket quantity per product id and in all."""
    currency = product["list_price"].currency
    listed = product["list_price"].amount
    rule = None if price_list is None else next(
        (r for r in price_list["rules"]
         if r.get("sku") in (product["sku"], None)
         and counted.get(product["sku"] if r.get("sku") else None, 0)
         >= Decimal(r.get("min_quantity", 0))), None)
    if rule is None:
        base, steps = {"source": "list_price", "amount": str(listed)}, Steps(listed, currency)
    elif rule["kind"] == "fixed_price":
        amount = Decimal(rule["amount"])
        base, steps = {"source": "fixed_price", "amount": str(amount)}, Steps(amount, currency)
    elif rule["kind"] == "percent_discount":
        base, steps = {"source": "list_price", "amount": str(listed)}, Steps(listed, currency)
        steps.add("discount", listed * (HUNDRED - Decimal(rule["percent"])) / HUNDRED,
                  percent=rule["percent"])
    else:  # formula
        source = rule["base"]
        start = product["cost"].amount if source == "cost" else listed
        base, steps = {"source": source, "amount": str(start)}, Steps(start, currency)
        if rule.get("discount_percent"):
            steps.add("discount", steps.amount * (HUNDRED - Decimal(rule["discount_percent"]))
                      / HUNDRED, percent=rule["discount_percent"])
        if rule.get("rounding"):
            step = Decimal(rule["rounding"])
            steps.add("rounding", (steps.amount / step).quantize(Decimal(1), ROUND_HALF_UP)
                      * step, to=rule["rounding"])
        if rule.get("min_margin_percent") and product.get("cost"):
            floor = product["cost"].amount * (HUNDRED + Decimal(rule["min_margin_percent"])) \
                / HUNDRED
            steps.add("margin_floor", max(steps.amount, floor),
                      percent=rule["min_margin_percent"], cost=str(product["cost"].amount))
    steps.add("minor_unit", minor(steps.amount, currency), digits=2)
    trace = {"price_list": None if price_list is None else {
                 "id": price_list["id"], "name": price_list["name"], "currency": currency},
             "rule": None if rule is None else {"id": rule["id"], "kind": rule["kind"]},
             "counted_quantity": None, "base": base, "steps": steps.entries,
             "unit_price": str(steps.amount), "currency": currency}
    return steps.amount, trace


class QuoteRecords:
    """Tests seed with ``add_product``, ``add_price_list`` (rules as above, for partner
    tiers) and ``add_quote`` (on an opportunity of ``sales``), serve the catalogue with
    ``gateway.serve(quotes.product_page())``, and read ``products`` (by SKU) and
    ``quotes`` (stored records, by id)."""

    def __init__(self, users, sales):
        self.users = users
        self.sales = sales
        self.products = {}
        self.price_lists = []
        self.quotes = {}
        self._numbers = itertools.count(1)
        self._rule_ids = itertools.count(1)

    def now(self):
        return self.sales.now()

    # --- seeding

    def add_product(self, sku, name, amount, currency="CNY", cost=None, category="hardware",
                    unit="pcs", active=True):
        now = self.now()
        self.products[sku] = {
            "_id": ObjectId(), "created_at": now, "updated_at": now, "sku": sku,
            "name": name, "category": category, "unit": unit,
            "list_price": Money(Decimal(amount), currency),
            "cost": None if cost is None else Money(Decimal(cost), currency),
            "active": active}
        return str(self.products[sku]["_id"])

    def add_price_list(self, name, tiers, rules, currency="CNY", active=True):
        """``rules``: [{"sku"?: one product (else all), "min_quantity"?, "kind", ...}];
        the first that applies wins."""
        self.price_lists.append({"id": str(ObjectId()), "name": name, "tiers": list(tiers),
                                 "currency": currency, "active": active,
                                 "rules": [{"id": f"rule-{next(self._rule_ids)}", **rule}
                                           for rule in rules]})
        return self.price_lists[-1]["id"]

    def product_page(self):
        """The catalogue as GET /api/v1/products answers a partner (one page)."""
        rows = sorted(self.products.values(), key=lambda product: product["sku"])
        return PartnerProductPageSchema().dump({"items": rows, "next_cursor": None})

    def add_quote(self, opportunity_id, lines, status="draft", author=None, **fields):
        """A quote on ``opportunity_id``, ``lines`` [(sku, quantity)], priced under the
        opportunity's partner organisation's tier; ``author``: a user's email (default
        the deal's partner user)."""
        deal = self.sales.opportunities[opportunity_id]
        user = self._user(author) if author else self._user_by_id(deal["partner_user_id"])
        record = self._new_quote(user, deal, [{"sku": sku, "quantity": Decimal(quantity)}
                                              for sku, quantity in lines])
        record.update(status=status, **fields)
        self.quotes[str(record["_id"])] = record
        return str(record["_id"])

    def _user(self, email):
        return self.users[email]

    def _user_by_id(self, user_id):
        return next(user for user in self.users.values() if user.id == user_id)

    # --- the routes

    def register(self, app, answering):
        """``answering(view)``: fake_sales' wrapper (bearer user, partners only,
        ``Refused`` answered as its problem)."""
        routes = [
            ("/api/v1/pricing/basket", self._price_basket, ["POST"]),
            ("/api/v1/quotes", self._quotes, ["GET", "POST"]),
            ("/api/v1/quotes/<quote_id>", self._quote, ["GET"]),
            ("/api/v1/quotes/<quote_id>/pdf", self._pdf, ["GET"]),
        ]
        for rule, view, methods in routes:
            app.add_url_rule(rule, endpoint=f"quotes{view.__name__}",
                             view_func=answering(view), methods=methods)

    # --- pricing

    def tier_list(self, user, currency):
        """The active list serving the user's organisation's tier in ``currency``."""
        tier = user.partner_org.get("tier")
        return next((price_list for price_list in self.price_lists
                     if price_list["active"] and tier in price_list["tiers"]
                     and price_list["currency"] == currency), None)

    def priced(self, user, lines, currency):
        """The engine's priced basket for loaded ``lines``, or a 400 naming the lines."""
        errors, found = {}, []
        for index, line in enumerate(lines):
            product = (self.products.get(line["sku"]) if line.get("sku") else next(
                (p for p in self.products.values() if str(p["_id"]) == line["product_id"]),
                None))
            name = "sku" if line.get("sku") else "product_id"
            if product is None:
                errors[f"lines.{index}.{name}"] = ["No such product."]
            elif line["quantity"] <= 0:
                errors[f"lines.{index}.quantity"] = ["Must be more than 0."]
            elif product["list_price"].currency != currency:
                errors[f"lines.{index}"] = [
                    f"The product's list price is in {product['list_price'].currency}, "
                    f"not {currency}."]
            found.append(product)
        if errors:
            raise invalid(errors)
        counted = {None: sum(line["quantity"] for line in lines)}
        for product, line in zip(found, lines, strict=True):
            counted[product["sku"]] = counted.get(product["sku"], 0) + line["quantity"]
        price_list = self.tier_list(user, currency)
        priced, total = [], Decimal(0)
        for product, line in zip(found, lines, strict=True):
            unit, trace = unit_price(price_list, product, counted)
            amount = minor(unit * line["quantity"], currency)
            total += amount
            priced.append({"product": product, "quantity": line["quantity"],
                           "unit_price": Money(unit, currency),
                           "amount": Money(amount, currency), "trace": trace})
        return {"lines": priced, "currency": currency, "total": Money(total, currency),
                "price_list": None if price_list is None else {
                    "id": price_list["id"], "name": price_list["name"]}}

    def _price_basket(self, user):
        basket = loaded(PartnerBasketSchema(), _body())
        priced = PricedBasketSchema().dump(self.priced(user, basket["lines"],
                                                       basket["currency"]))
        for line in priced["lines"]:  # the priced product has no cost already
            line["trace"] = partner_trace(line["trace"])
        return answer(priced)

    # --- quotes

    @staticmethod
    def _sees(user, record):
        if record["partner_org_id"] != user.partner_org["id"]:
            return False
        return "partner_admin" in user.roles or record["partner_user_id"] == user.id

    def _visible(self, user, quote_id):
        record = self.quotes.get(quote_id)
        if record is None or not self._sees(user, record):
            raise not_found()
        return record

    def _quotes(self, user):
        if request.method == "POST":
            return self._create(user)
        schema = PartnerQuoteQuerySchema()
        query = loaded(schema, request.args.to_dict())
        records = [r for r in self.quotes.values() if self._sees(user, r)
                   and all(r[name] == query[name] for name in
                           ("status", "opportunity_id", "account_id", "partner_org_id",
                            "number") if query.get(name))
                   and (not query["latest_only"] or r["superseded_by"] is None)]
        rows, next_cursor = self.sales._page(records, schema, query)
        return answer({"items": [self.partner_view(r) for r in rows],
                       "next_cursor": next_cursor})

    def _create(self, user):
        source_key = _source_key(user)
        request_ = loaded(PartnerQuoteCreateSchema(), _body())
        if source_key:
            again = next((r for r in self.quotes.values() if r["source_key"] == source_key),
                         None)
            if again is not None:
                return answer(self.partner_view(again), 201)
        deal = self.sales.opportunities.get(request_["opportunity_id"])
        if deal is None or not self.sales._sees(user, deal):
            raise invalid({"opportunity_id": ["No such opportunity of yours to quote on."]})
        if deal["status"] != "open":
            raise conflict(f"The opportunity is {deal['status']}; only an open one is "
                           f"quoted.")
        record = self._new_quote(user, deal, request_["lines"],
                                 request_["quote_discount_percent"],
                                 request_.get("tax_rate_percent"), request_.get("notes"))
        record["source_key"] = source_key
        self.quotes[str(record["_id"])] = record
        return answer(self.partner_view(record), 201)

    def _new_quote(self, author, deal, lines, quote_discount=Decimal(0), tax_rate=None,
                   notes=None):
        currency = deal["amount"].currency
        priced = self.priced(author, lines, currency)
        tax_rate = TAX_PERCENT if tax_rate is None else tax_rate
        quote_lines = []
        for given, line in zip(lines, priced["lines"], strict=True):
            product, discount = line["product"], given.get("line_discount_percent",
                                                           Decimal(0))
            amount = line["unit_price"].amount * line["quantity"]
            quote_lines.append({
                "product_id": str(product["_id"]), "sku": product["sku"],
                "name": product["name"], "category": product["category"],
                "unit": product["unit"], "quantity": line["quantity"],
                "list_price": product["list_price"], "unit_price": line["unit_price"],
                "amount": Money(amount, currency), "line_discount_percent": discount,
                "net": Money(minor(amount * (HUNDRED - discount) / HUNDRED, currency),
                             currency),
                "trace": line["trace"]})
        subtotal = sum((line["net"].amount for line in quote_lines), Decimal(0))
        discount = minor(subtotal * quote_discount / HUNDRED, currency)
        net = subtotal - discount
        tax = minor(net * tax_rate / HUNDRED, currency)
        now = self.now()
        return {
            "_id": ObjectId(), "created_at": now, "updated_at": now,
            "number": f"Q-{now:%Y%m}-{next(self._numbers):04d}", "version": 1,
            "status": "draft", "opportunity_id": str(deal["_id"]),
            "opportunity_name": deal["name"], "account_id": deal["account_id"],
            "account_name": deal["account_name"], "owner_id": deal["owner_id"],
            "department_id": deal["department_id"],
            "team_member_ids": deal["team_member_ids"],
            "partner_org_id": deal["partner_org_id"],
            "partner_user_id": deal["partner_user_id"],
            "deal_registration_id": deal["deal_registration_id"],
            "author": {"user_id": author.id, "roles": list(author.roles),
                       "partner_org_id": author.partner_org["id"]},
            "currency": currency,
            "price_list_id": (priced["price_list"] or {}).get("id"), "lines": quote_lines,
            "quote_discount_percent": quote_discount, "tax_rate_percent": tax_rate,
            "totals": {name: Money(value, currency) for name, value in (
                ("subtotal", subtotal), ("discount", discount), ("net", net), ("tax", tax),
                ("total", net + tax))},
            "total_minor": int((net + tax).scaleb(2)),
            "valid_until": (now + timedelta(days=VALID_DAYS)).astimezone(UTC),
            "notes": notes,
            "approval": None,
            "history": [{"status": "draft", "at": now, "actor_id": author.id, "note": None}],
            "previous_version_id": None, "superseded_by": None, "sent_at": None,
            "accepted_at": None, "source_key": None}

    def partner_view(self, record):
        view = PartnerQuoteSchema().dump(record)
        for line in view["lines"]:
            line["trace"] = partner_trace(line["trace"])
        return view

    def _quote(self, user, quote_id):
        return answer(self.partner_view(self._visible(user, quote_id)))

    def _pdf(self, user, quote_id):
        record = self._visible(user, quote_id)
        file_name = f"{record['number']}-v{record['version']}.pdf"
        return Response(pdf_bytes(f"{record['number']} {record['totals']['total'].amount}"),
                        mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


def pdf_bytes(line):
    """A one-page PDF showing ``line`` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _source_key(user):
    """As gateway/api/quotes.py: the ``Idempotency-Key`` header, kept apart per user."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise invalid({"Idempotency-Key": [
            f"Must be 1-{MAX_IDEMPOTENCY_KEY} printable characters."]})
    return f"http:{user.id}:{key}"


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid({"json": ["Send a JSON object."]})
    return body


__all__ = ["QuoteRecords", "partner_trace", "pdf_bytes", "problem"]
