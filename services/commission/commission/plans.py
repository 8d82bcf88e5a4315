"""Commission plans as the engine reads them (pure): checked once, compiled once.

A plan comes from storage as the dict ``PlanCreateSchema`` loads (plus its ``_id``).
``Plan.from_document`` checks it again with the contract's own ``check_plan`` (the
gateway and the service checked it on the way in; the engine does not trust a stored
document it did not see checked) and indexes its product rates.
"""
from dataclasses import dataclass
from decimal import Decimal

from sfa_common.contracts.commission import BASES, PLAN_PAYEE_KINDS, check_plan
from sfa_common.errors import ValidationFailed
from sfa_common.money import Money, check_currency

HUNDRED = Decimal(100)


def validate_plan(plan):
    """Raise ``ValidationFailed`` naming the fields (``tiers``, ``rate_percent``, ...)
    when ``plan`` is not a payable plan."""
    errors = dict(check_plan(plan))
    if plan.get("base", "amount") not in BASES:
        errors["base"] = [f"Must be one of {', '.join(BASES)}."]
    if plan.get("payee_kind") not in PLAN_PAYEE_KINDS:
        errors["payee_kind"] = [f"Must be one of {', '.join(PLAN_PAYEE_KINDS)}."]
    try:
        check_currency(plan.get("currency"))
    except ValueError as error:
        errors["currency"] = [str(error)]
    if errors:
        raise ValidationFailed("The commission plan is not valid.", errors)


@dataclass(frozen=True)
class Tier:
    from_percent: Decimal
    to_percent: Decimal | None        # None: no upper bound
    rate_percent: Decimal

    @property
    def detail(self):
        return f"{self.from_percent}-{'' if self.to_percent is None else self.to_percent}"


@dataclass(frozen=True)
class Bonus:
    name: str
    amount: Decimal
    sku: str | None
    category: str | None
    min_deal_amount: Decimal | None
    valid_from: object            # date | None (UTC days, inclusive)
    valid_to: object

    def qualifies(self, deal_amount, products, won_on):
        if self.min_deal_amount is not None and deal_amount < self.min_deal_amount:
            return False
        if self.valid_from is not None and won_on < self.valid_from:
            return False
        if self.valid_to is not None and won_on > self.valid_to:
            return False
        if self.sku is not None and not any(p["sku"] == self.sku for p in products):
            return False
        if self.category is not None and not any(
                in_category(p.get("category"), self.category) for p in products):
            return False
        return True


def in_category(category, ancestor):
    """True when ``category`` is ``ancestor`` or lies below it ("a/b" is in "a")."""
    return category is not None and (category == ancestor or category.startswith(ancestor + "/"))


def _day(value):
    if value is None:
        return None
    return value.date() if hasattr(value, "date") else value


@dataclass(frozen=True)
class Plan:
    id: str | None
    name: str
    payee_kind: str
    currency: str
    base: str                          # amount | margin
    rate_percent: Decimal | None       # flat plans
    tiers: tuple                       # tiered plans, ordered by from_percent
    sku_rates: dict                    # sku -> rate percent
    category_rates: dict               # category path -> rate percent
    bonuses: tuple
    clawback_window_days: int

    @classmethod
    def from_document(cls, plan):
        if isinstance(plan, Plan):
            return plan
        validate_plan(plan)
        tiers = tuple(sorted((Tier(t["from_percent"], t.get("to_percent"), t["rate_percent"])
                              for t in plan.get("tiers") or ()), key=lambda t: t.from_percent))
        rates = plan.get("product_rates") or ()
        bonuses = []
        for bonus in plan.get("bonuses") or ():
            condition = bonus.get("condition") or {}
            minimum = condition.get("min_deal_amount")
            bonuses.append(Bonus(
                bonus["name"], _amount(bonus["amount"]), condition.get("sku"),
                condition.get("category"), None if minimum is None else _amount(minimum),
                _day(condition.get("valid_from")), _day(condition.get("valid_to"))))
        plan_id = plan.get("_id", plan.get("id"))
        return cls(
            id=None if plan_id is None else str(plan_id), name=plan["name"],
            payee_kind=plan["payee_kind"], currency=plan["currency"],
            base=plan.get("base", "amount"), rate_percent=plan.get("rate_percent"),
            tiers=tiers,
            sku_rates={r["sku"]: r["rate_percent"] for r in rates if r.get("sku")},
            category_rates={r["category"]: r["rate_percent"] for r in rates if r.get("category")},
            bonuses=tuple(bonuses),
            clawback_window_days=plan.get("clawback_window_days", 90))

    @property
    def has_product_rates(self):
        return bool(self.sku_rates or self.category_rates)

    @property
    def tiered(self):
        return bool(self.tiers)

    def product_rate(self, product):
        """``(rate, ("sku" | "category", target))`` for a product line, or None: a SKU
        rate beats a category rate, and the deepest category wins."""
        sku = product.get("sku")
        if sku in self.sku_rates:
            return self.sku_rates[sku], ("sku", sku)
        category = product.get("category")
        while category:
            if category in self.category_rates:
                return self.category_rates[category], ("category", category)
            category = category.rpartition("/")[0]
        return None


def _amount(value):
    """The Decimal amount of a Money (or of a stored money document)."""
    if isinstance(value, Money):
        return value.amount
    return Money.from_document(value).amount
