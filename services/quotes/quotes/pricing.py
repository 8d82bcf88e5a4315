"""The pricing engine: which rule of a price list prices a product, and the price it
makes, with a trace that reproduces it. Pure: no I/O; the store loads the lists and
products, this module decides.

Resolution (deterministic). For a product, a list's rules are tried in this order and
the first APPLICABLE one wins:

1. rules for the product itself, then rules for its category and each category above
   it, deepest first ("hardware/servers/gpu", "hardware/servers", "hardware"), then
   rules for all products;
2. within one of those, higher ``min_quantity`` first, then higher ``priority``, then
   the lower rule id (creation order).

A rule is applicable when the basket quantity it counts is at least its
``min_quantity``, ``on`` lies within its ``valid_from``..``valid_to`` (inclusive UTC
days; an open end is unbounded), and it has no ``deal_registration_id`` or the basket's
is the same. The quantity a rule counts is the basket's TOTAL over every line of the
same product (product rule), of every product in the category or below it (category
rule), or of the whole basket (rule for all). No applicable rule: the product's list
price.

Prices:
- ``fixed_price``: the rule's amount;
- ``percent_discount``: list price x (1 - percent/100);
- ``formula``: base (list price, cost, or the based-on list's price for the same
  product and basket, priced by that list with its own nested trace) x (1 -
  discount_percent/100) + surcharge, rounded half-up to the rule's step, then raised to
  the floor cost x (1 + min_margin_percent/100) or lowered to the ceiling cost x (1 +
  max_margin_percent/100) when outside them (no cost: no clamp).

Rounding (``sfa_common.money``, ROUND_HALF_UP), exactly here and nowhere else:
- a formula's ``rounding`` step, where the rule asks for it;
- every unit price, as the last step of every list (so a based-on list's price is
  already rounded when it becomes a base), to the currency's minor unit;
- every line amount = unit price x quantity, to the minor unit; the total is the
  sum of the rounded line amounts (no further rounding).

Arithmetic in between is exact Decimal (28 significant digits).

The trace of a priced line is plain JSON (amounts are strings) and recomputes the
price by itself::

    {"price_list": {"id", "name"} | None,
     "rule": {"id", "kind", "applies_to", "min_quantity", "priority",
              "valid_from"?, "valid_to"?, "deal_registration_id"?} | None,
     "counted_quantity": the basket quantity the rule's break counted | None,
     "base": {"source": "list_price" | "cost" | "fixed_price" | "price_list",
              "amount", "price_list_id"?, "trace"? (the based-on list's own trace)},
     "steps": [{"step": "discount" (percent) | "surcharge" (amount) | "rounding" (to)
                | "margin_floor" | "margin_ceiling" (percent, cost) | "minor_unit"
                (digits), "before", "after"}, ...],
     "unit_price"}
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from sfa_common.errors import ValidationFailed
from sfa_common.money import ROUNDING, Money

HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)


# A basket the engine cannot price; ``details`` names the fields (``lines.3.quantity``).
# The very type the callers' ``expected_exceptions`` know, so it crosses RPC as itself.
PricingError = ValidationFailed


def _day(value):
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return value.date()


def _text(amount):
    return None if amount is None else str(amount)


@dataclass(frozen=True)
class Rule:
    """One rule of a list, as the engine needs it (built from the stored rule)."""

    id: str
    level: str                 # product | category | all
    target: str | None         # product id, category path, or None
    min_quantity: Decimal
    valid_from: date | None
    valid_to: date | None
    kind: str
    amount: Decimal | None
    percent: Decimal | None
    formula: dict | None
    deal_registration_id: str | None
    priority: int
    # Worked out once per rule: the fixed steps, the margin limits, the trace's entry.
    steps: tuple = field(init=False, compare=False, repr=False)
    margins: tuple = field(init=False, compare=False, repr=False)
    description: dict = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        steps, margins = (), ()
        if self.kind == "percent_discount":
            percent = self.percent
            steps = (("discount", {"percent": str(percent)},
                      lambda amount: _discount(amount, percent)),)
        elif self.kind == "formula":
            steps, margins = compile_formula(self.formula)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "margins", margins)
        object.__setattr__(self, "description", self._describe())

    @classmethod
    def from_stored(cls, rule):
        applies_to = rule["applies_to"]
        amount = rule.get("amount")
        return cls(
            id=str(rule["_id"]), level=applies_to["kind"],
            target=applies_to.get("product_id") or applies_to.get("category"),
            min_quantity=rule.get("min_quantity") or ZERO,
            valid_from=_day(rule.get("valid_from")), valid_to=_day(rule.get("valid_to")),
            kind=rule["kind"], amount=None if amount is None else amount.amount,
            percent=rule.get("percent"), formula=rule.get("formula"),
            deal_registration_id=rule.get("deal_registration_id"),
            priority=rule.get("priority") or 0)

    def order(self):
        # Within one level: higher min_quantity, then higher priority, then older id.
        return (-self.min_quantity, -self.priority, self.id)

    def applies(self, counted, on, deal_registration_id):
        return (counted >= self.min_quantity
                and (self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to)
                and self.deal_registration_id in (None, deal_registration_id))

    def described(self):
        """The rule's entry in a trace (a fresh copy: callers may edit theirs)."""
        return {**self.description, "applies_to": {**self.description["applies_to"]}}

    def _describe(self):
        applies_to = {"kind": self.level}
        if self.level == "product":
            applies_to["product_id"] = self.target
        elif self.level == "category":
            applies_to["category"] = self.target
        described = {"id": self.id, "kind": self.kind, "applies_to": applies_to,
                     "min_quantity": str(self.min_quantity), "priority": self.priority}
        # Conditions a rule does not have are left out (a trace per line adds up).
        optional = {"valid_from": _text(self.valid_from), "valid_to": _text(self.valid_to),
                    "deal_registration_id": self.deal_registration_id}
        described.update((name, value) for name, value in optional.items() if value is not None)
        return described


class PriceBook:
    """One price list with its rules indexed once: by product id, by category path,
    and the rules for all, each bucket in resolution order. Pricing a line looks up
    a few buckets instead of scanning every rule."""

    def __init__(self, price_list, rules):
        self.id = str(price_list["_id"])
        self.name = price_list["name"]
        self.currency = price_list["currency"]
        based_on = price_list.get("based_on")
        self.based_on = None if based_on is None else str(based_on)
        self.revision = price_list.get("revision", 0)
        self.by_product = defaultdict(list)
        self.by_category = defaultdict(list)
        self.for_all = []
        for stored in rules:
            rule = stored if isinstance(stored, Rule) else Rule.from_stored(stored)
            if rule.level == "product":
                self.by_product[rule.target].append(rule)
            elif rule.level == "category":
                self.by_category[rule.target].append(rule)
            else:
                self.for_all.append(rule)
        for bucket in (*self.by_product.values(), *self.by_category.values(), self.for_all):
            bucket.sort(key=Rule.order)
        self.by_product.default_factory = None
        self.by_category.default_factory = None

    @property
    def rule_count(self):
        return (sum(map(len, self.by_product.values()))
                + sum(map(len, self.by_category.values())) + len(self.for_all))

    def reference(self):
        return {"id": self.id, "name": self.name}

    def choose(self, product_id, category, counts, on, deal_registration_id):
        """``(rule, counted quantity)`` of the first applicable rule, or ``(None, None)``."""
        buckets = [(self.by_product.get(product_id, ()), counts.by_product[product_id])]
        for path in category_paths(category):
            buckets.append((self.by_category.get(path, ()), counts.by_category[path]))
        buckets.append((self.for_all, counts.total))
        for rules, counted in buckets:
            for rule in rules:
                if rule.applies(counted, on, deal_registration_id):
                    return rule, counted
        return None, None


@lru_cache(maxsize=4096)
def category_paths(category):
    """``"a/b/c"`` -> ``("a/b/c", "a/b", "a")`` (deepest first)."""
    if not category:
        return ()
    parts = category.split("/")
    return tuple("/".join(parts[:size]) for size in range(len(parts), 0, -1))


@dataclass
class Counts:
    """The basket's total quantities that quantity breaks count."""

    by_product: dict
    by_category: dict
    total: Decimal

    @classmethod
    def of(cls, priced_lines):
        by_product, by_category, total = defaultdict(Decimal), defaultdict(Decimal), ZERO
        for product, quantity in priced_lines:
            by_product[str(product["_id"])] += quantity
            for path in category_paths(product.get("category")):
                by_category[path] += quantity
            total += quantity
        return cls(by_product, by_category, total)


# -- steps ------------------------------------------------------------------------------------
# Each step is a pure function of the amount before and the parameters its trace entry
# records, so the trace alone recomputes the price.

def _discount(amount, percent):
    return amount * (HUNDRED - percent) / HUNDRED


def _to_step(amount, step):
    return (amount / step).quantize(ONE, rounding=ROUNDING) * step


def _margin_limit(cost, percent):
    return cost * (HUNDRED + percent) / HUNDRED


_EXPONENTS = {}


def _minor_unit(amount, currency):
    """``amount`` rounded half-up to ``currency``'s minor unit (``Money.rounded``)."""
    exponent = _EXPONENTS.get(currency)
    if exponent is None:
        exponent = _EXPONENTS[currency] = Decimal(1).scaleb(-Money(0, currency).minor_digits)
    return amount.quantize(exponent, rounding=ROUNDING)


def _minor_digits(currency):
    _minor_unit(ZERO, currency)
    return -_EXPONENTS[currency].as_tuple().exponent


def compile_formula(formula):
    """A formula's fixed steps ``(name, recorded parameters, function of the amount)``
    and its margin limits ``(name, percent)``, worked out once per rule."""
    steps, margins = [], []
    if formula.get("discount_percent") is not None:
        percent = formula["discount_percent"]
        steps.append(("discount", {"percent": str(percent)},
                      lambda amount: _discount(amount, percent)))
    if formula.get("surcharge") is not None:
        surcharge = formula["surcharge"]
        steps.append(("surcharge", {"amount": str(surcharge)},
                      lambda amount: amount + surcharge))
    if formula.get("rounding") is not None:
        size = formula["rounding"]
        steps.append(("rounding", {"to": str(size)}, lambda amount: _to_step(amount, size)))
    if formula.get("min_margin_percent") is not None:
        margins.append(("margin_floor", formula["min_margin_percent"]))
    if formula.get("max_margin_percent") is not None:
        margins.append(("margin_ceiling", formula["max_margin_percent"]))
    return tuple(steps), tuple(margins)


def _margin_step(name, percent, cost):
    parameters = {"percent": str(percent), "cost": None if cost is None else str(cost)}
    if cost is None:
        return name, parameters, lambda amount: amount
    limit = _margin_limit(cost, percent)
    if name == "margin_floor":
        return name, parameters, lambda amount: max(amount, limit)
    return name, parameters, lambda amount: min(amount, limit)


# -- pricing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    books: dict
    counts: Counts
    on: date
    deal_registration_id: str | None


def price_product(book, product, context, chain=()):
    """``(unit price Decimal, trace)`` of ``product`` under ``book`` (None: list price)."""
    list_price = product["list_price"]
    if book is None:
        return _priced(None, None, None, {"source": "list_price", "amount": str(list_price.amount)},
                       list_price.amount, list_price.currency)
    if book.id in chain:
        loop = " -> ".join([*chain, book.id])
        raise PricingError("The price lists' based_on chain loops.",
                           {"based_on": [f"The based_on chain loops: {loop}."]})
    if book.currency != list_price.currency:
        raise _CurrencyMismatch(book, product)
    rule, counted = book.choose(str(product["_id"]), product.get("category"), context.counts,
                                context.on, context.deal_registration_id)
    if rule is None:
        return _priced(book, None, None, {"source": "list_price", "amount": str(list_price.amount)},
                       list_price.amount, book.currency)
    if rule.kind == "fixed_price":
        return _priced(book, rule, counted, {"source": "fixed_price", "amount": str(rule.amount)},
                       rule.amount, book.currency)
    if rule.kind == "percent_discount":
        return _priced(book, rule, counted, {"source": "list_price",
                                             "amount": str(list_price.amount)},
                       list_price.amount, book.currency, rule.steps)
    return _formula(book, rule, counted, product, context, (*chain, book.id))


class _CurrencyMismatch(Exception):
    def __init__(self, book, product):
        super().__init__(book.id)
        self.message = (f"The price list {book.name} is in another currency ({book.currency}) "
                        f"than the product's list price ({product['list_price'].currency}).")


class _NoCost(Exception):
    def __init__(self, rule):
        super().__init__(rule.id)
        self.message = f"Rule {rule.id} prices from cost, and the product has no cost."


def _formula(book, rule, counted, product, context, chain):
    cost = product.get("cost")
    cost = None if cost is None else cost.amount
    base_kind = rule.formula["base"]
    if base_kind == "list_price":
        amount = product["list_price"].amount
        base = {"source": "list_price", "amount": str(amount)}
    elif base_kind == "cost":
        if cost is None:
            raise _NoCost(rule)
        amount, base = cost, {"source": "cost", "amount": str(cost)}
    else:
        based_on = context.books.get(book.based_on) if book.based_on else None
        if based_on is None:
            raise PricingError("A formula rule needs the based-on list.", {"based_on": [
                f"The price list {book.name} has no based-on list for rule {rule.id}."]})
        amount, nested = price_product(based_on, product, context, chain)
        base = {"source": "price_list", "price_list_id": based_on.id, "amount": str(amount),
                "trace": nested}
    steps = rule.steps + tuple(_margin_step(name, percent, cost)
                               for name, percent in rule.margins)
    return _priced(book, rule, counted, base, amount, book.currency, steps)


def _priced(book, rule, counted, base, amount, currency, steps=()):
    entries = []
    for name, parameters, function in steps:
        before = amount
        amount = function(amount)
        entries.append({"step": name, **parameters, "before": str(before),
                        "after": str(amount)})
    before, amount = amount, _minor_unit(amount, currency)
    entries.append({"step": "minor_unit", "digits": _minor_digits(currency),
                    "before": str(before), "after": str(amount)})
    trace = {"price_list": None if book is None else book.reference(),
             "rule": None if rule is None else rule.described(),
             "counted_quantity": _text(counted), "base": base, "steps": entries,
             "unit_price": str(amount)}
    return amount, trace


# -- a basket -----------------------------------------------------------------------------

def price_basket(lines, products, books, *, currency, on, price_list_id=None,
                 deal_registration_id=None):
    """Price ``lines`` ([{"product_id" | "sku", "quantity": Decimal}]) under the list
    ``price_list_id`` (a key of ``books``, which holds it and its based-on chain as
    ``PriceBook``s; None: list prices). ``products``: the product dicts the lines name
    (as stored: ``list_price``/``cost`` are Money). ``on``: the pricing day.

    Returns {"lines": [{"product", "quantity", "unit_price": Money, "amount": Money,
    "trace"}], "currency", "total": Money, "price_list": {"id", "name"} | None}.
    Raises ``PricingError`` naming every bad line (``lines.3.quantity``)."""
    on = _day(on)
    book = None
    if price_list_id is not None:
        book = books[str(price_list_id)]
        if book.currency != currency:
            raise PricingError("The price list is in another currency.", {"currency": [
                f"The price list {book.name} is in {book.currency}, not {currency}."]})
    resolved = _resolve(lines, products, currency)
    counts = Counts.of(resolved)
    context = Context(books, counts, on, deal_registration_id)
    priced, errors, total = [], {}, ZERO
    for index, (product, quantity) in enumerate(resolved):
        try:
            unit, trace = price_product(book, product, context)
        except (_CurrencyMismatch, _NoCost) as error:
            errors[f"lines.{index}"] = [error.message]
            continue
        amount = _minor_unit(unit * quantity, currency)
        total += amount
        priced.append({"product": product, "quantity": quantity,
                       "unit_price": Money(unit, currency), "amount": Money(amount, currency),
                       "trace": trace})
    if errors:
        raise PricingError("Some lines cannot be priced.", errors)
    return {"lines": priced, "currency": currency, "total": Money(total, currency),
            "price_list": None if book is None else {"id": book.id, "name": book.name}}


def _resolve(lines, products, currency):
    """``[(product, quantity)]`` for the lines, or PricingError naming every bad one."""
    by_id = {str(product["_id"]): product for product in products}
    by_sku = {product["sku"]: product for product in products}
    resolved, errors = [], {}
    for index, line in enumerate(lines):
        if line.get("product_id") is not None:
            field, product = "product_id", by_id.get(str(line["product_id"]))
        else:
            field, product = "sku", by_sku.get(line.get("sku"))
        quantity = line.get("quantity")
        problems = {}
        if product is None:
            problems[f"lines.{index}.{field}"] = ["No such product."]
        elif not product.get("active", True):
            problems[f"lines.{index}.{field}"] = [
                f"The product {product['sku']} is not active."]
        elif product["list_price"].currency != currency:
            problems[f"lines.{index}"] = [
                f"The product's list price is in another currency "
                f"({product['list_price'].currency}) than the basket ({currency})."]
        if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
            problems[f"lines.{index}.quantity"] = ["Must be greater than 0."]
        if problems:
            errors.update(problems)
        else:
            resolved.append((product, quantity))
    if errors:
        raise PricingError("Some lines cannot be priced.", errors)
    return resolved
