"""The commission engine: what a plan pays one payee in one period, line by line, each
line explaining itself. Pure: no I/O; the service loads the plan, the quota and the
wins, this module decides, and ``delta`` says what to write.

The maths, for one payee (a rep, or a partner organisation):

1. The wins are taken in (won_at, opportunity_id) order, so the result never depends
   on the order they were loaded in.
2. A win credits the payee through its splits: each revenue or overlay split of the
   payee is one credit at its percent (no splits: the owner has 100 % revenue); a
   partner organisation is credited 100 % of the deals it registered or was attributed
   (``partner_org_id``). Revenue splits must total 100 % (refused upstream; checked
   again here, naming ``wins.N.splits``).
3. The deal's base is its amount, or its margin (amount minus its products' cost);
   when a product has no cost the margin is unavailable: the base is 0 and the line
   says so. A win in another currency than the plan's is not paid (an ``excluded``
   line says why). The payee's credited base = base x split percent.
4. Product rates: the share of the credited base that belongs to a product line with
   a SKU or category rate is paid at that rate. A line's share of the base is its
   amount (amount base), or its amount less its cost (margin base), the amounts scaled
   so that they add up to the deal's amount.
5. The rest is paid at the flat rate, or through the tiers: the credited base (its
   rest first, then its product-rated shares) is laid on the axis of cumulative
   attainment of the period's quota, after everything credited before it, and each
   portion is paid at the rate of the tier it falls in; a deal that crosses two tier
   boundaries is cut into three portions. Attainment counts every credit, product-rated
   shares included. No quota (None or 0): the first tier's rate, said in a note.
6. Bonuses (SPIFFs): once per qualifying deal, shared by the revenue splits in their
   proportions (overlay splits get none); a partner organisation takes it whole.
7. Clawbacks: a win reversed (reopened, cancelled) within the plan's
   ``clawback_window_days`` of being won gets a clawback line negating each of its
   lines; later than that, nothing is clawed back.

Rounding: one rule, ``sfa_common.money.ROUNDING`` (half up, away from zero) to the
currency's minor unit, applied exactly here and nowhere else:
- the credited base (base x split percent) and each product line's share of it;
- each tier boundary (quota x boundary percent);
- each line's amount (portion x rate, or bonus x split).
Everything else is exact Decimal; totals are sums of rounded lines, so a statement
adds up to the cent. Attainment percents shown on lines are rounded to 0.01 %.

Every line has a deterministic ``key``
(``payee_kind:payee_id|opportunity_id@won_at|split_kind|component|detail``); the ledger
stores, per key, rows whose amounts add up to what is due, and ``delta`` computes the
rows that make the stored sums equal a fresh computation: re-running writes nothing.
"""
from collections import defaultdict
from datetime import UTC, timedelta
from decimal import Decimal

from sfa_common.contracts.opportunities import check_splits
from sfa_common.errors import ValidationFailed
from sfa_common.money import _MINOR_DIGITS, ROUNDING, Money

from .plans import Plan, validate_plan

__all__ = ["EngineError", "Plan", "compute", "delta", "line_key", "preview", "totals",
           "validate_plan", "wins_by_payee"]

# Bad input to the engine; ``details`` names the field (``wins.3.splits``). The type
# the callers' ``expected_exceptions`` know, so it crosses RPC as itself.
EngineError = ValidationFailed

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PERCENT_STEP = Decimal("0.01")
# Fields of a stored row that are not part of a line (a clawback copies a stored line).
_ROW_ONLY = ("_id", "seq", "created_at", "adjusts_period", "entry_number")


def _money(amount, currency):
    # Amounts made here are already exact Decimals in a checked currency; skipping
    # Money's own checks keeps a 100,000-deal recompute fast.
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", currency)
    return money


def _as_money(value):
    if isinstance(value, Money):
        return value
    return Money.from_document(value)


class _Rounder:
    def __init__(self, currency):
        self.step = Decimal(1).scaleb(-_MINOR_DIGITS.get(currency, 2))

    def __call__(self, amount):
        return amount.quantize(self.step, rounding=ROUNDING)


def _period_key(period):
    return period if isinstance(period, str) else period["key"]


def _utc(moment):
    """An aware UTC datetime at BSON's precision (milliseconds): a naive one (some
    drivers return them) is UTC, and a moment read back from storage keys the same line
    as the moment before it was stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    if moment.microsecond % 1000:
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment


def _iso(moment):
    return _utc(moment).isoformat().replace("+00:00", "Z")


def _won_at(win):
    return _utc(win.get("won_at") or win.get("closed_at"))


def line_key(payee_kind, payee_id, opportunity_id, won_at, split_kind, component, detail):
    return (f"{payee_kind}:{payee_id}|{opportunity_id}@{_iso(won_at)}|{split_kind}|"
            f"{component}|{detail}")


# -- who a win credits ------------------------------------------------------------------

def _credits(win, payee_kind, payee_id):
    """``[(split_kind, percent)]``: how this win credits this payee."""
    if payee_kind == "partner_org":
        return [("partner", HUNDRED)] if win.get("partner_org_id") == payee_id else []
    splits = win.get("splits")
    if not splits:
        return [("revenue", HUNDRED)] if win.get("owner_id") == payee_id else []
    return [(split.get("kind", "revenue"), Decimal(split["percent"]))
            for split in splits if split["user_id"] == payee_id]


def wins_by_payee(wins):
    """``{(payee_kind, payee_id): [wins]}``: every payee a win credits (the owner or the
    split users; its partner organisation). Group once, then ``compute`` per payee."""
    grouped = defaultdict(list)
    for win in wins:
        users = {split["user_id"] for split in win.get("splits") or ()}
        if not users and win.get("owner_id"):
            users = {win["owner_id"]}
        for user in sorted(users):
            grouped[("user", user)].append(win)
        if win.get("partner_org_id"):
            grouped[("partner_org", win["partner_org_id"])].append(win)
    return dict(grouped)


# -- the computation --------------------------------------------------------------------

class _Payee:
    """The running state of one payee's computation."""

    def __init__(self, period, plan, payee, quota_target):
        self.period = _period_key(period)
        self.plan = plan
        self.kind, self.id = payee["kind"], payee["id"]
        self.currency = plan.currency
        self.round = _Rounder(plan.currency)
        self.quota = None
        if quota_target is not None:
            quota = _as_money(quota_target)
            if quota.currency != plan.currency:
                raise EngineError("The quota is not in the plan's currency.", {
                    "quota_target": [f"Must be in {plan.currency}, not {quota.currency}."]})
            if quota.amount > 0:
                self.quota = quota.amount
        # Tier boundaries in money, once: (tier, lower, upper | None).
        self.bands = [(tier, self.round(self.quota * tier.from_percent / HUNDRED),
                       None if tier.to_percent is None
                       else self.round(self.quota * tier.to_percent / HUNDRED),
                       _tier_doc(tier))
                      for tier in plan.tiers] if self.quota is not None else []
        self.cumulative = ZERO
        self.plan_ref = {"plan_id": plan.id, "plan_name": plan.name}
        self.rule_cache = {}

    def attainment(self, amount):
        if self.quota is None:
            return None
        return (amount * HUNDRED / self.quota).quantize(PERCENT_STEP, rounding=ROUNDING)

    def rule(self, component, sku=None, category=None, bonus=None):
        # One dict per distinct rule, shared by its lines (lines are read-only).
        key = (component, sku, category, bonus)
        found = self.rule_cache.get(key)
        if found is None:
            found = self.rule_cache[key] = {
                **self.plan_ref, "component": component, "sku": sku, "category": category,
                "bonus": bonus, "reverses": None}
        return found


def _base(win, plan):
    """``(deal base, product shares [(product, share of the deal base)], note)``."""
    amount = win["amount"].amount
    products = win.get("products") or ()
    total = sum((p["amount"].amount for p in products), ZERO)
    scale = amount / total if total else ZERO
    if plan.base == "amount":
        return amount, [(p, p["amount"].amount * scale) for p in products], None
    if not products:
        return ZERO, [], "Margin base unavailable: the deal has no products with a cost; base 0."
    if any(p.get("cost") is None for p in products):
        return ZERO, [], "Margin base unavailable: a product has no cost; base 0."
    margin = amount - sum((p["cost"].amount for p in products), ZERO)
    shares = [(p, p["amount"].amount * scale - p["cost"].amount) for p in products]
    if margin < 0:
        return ZERO, [], f"Negative margin ({margin}): base 0."
    return margin, shares, None


def _win_lines(state, win, index):
    plan, currency, money_round = state.plan, state.currency, state.round
    credits = _credits(win, state.kind, state.id)
    if not credits:
        return []
    problems = check_splits(win.get("splits"))
    if problems:
        raise EngineError("A win's splits do not add up.", {f"wins.{index}.splits": problems})
    won_at = _won_at(win)
    deal = {"opportunity_id": win["opportunity_id"], "name": win.get("name") or "",
            "won_at": won_at}
    common = {
        "period": state.period, "payee_kind": state.kind, "payee_id": state.id, "deal": deal,
        "source_event_id": win.get("source_event_id") or win.get("event_id"),
        "base_kind": plan.base, "currency": currency,
        "owner_id": state.id if state.kind == "user" else None,
        "department_id": (win.get("department_id")
                          if state.kind == "user" and win.get("owner_id") == state.id else None),
        "partner_org_id": state.id if state.kind == "partner_org" else None,
    }
    key_prefix = f"{state.kind}:{state.id}|{win['opportunity_id']}@{_iso(won_at)}|"
    zero = _money(money_round(ZERO), currency)
    lines = []

    def add(split_kind, percent, component, detail, base, credited, portion, amount,
            rate=None, tier=None, attainment=None, note=None, sku=None, category=None,
            bonus=None):
        lines.append({
            **common, "key": f"{key_prefix}{split_kind}|{component}|{detail}",
            "base": base, "credited_base": credited,
            "rule": state.rule(component, sku, category, bonus),
            "tier": tier, "attainment": attainment, "rate_percent": rate,
            "split_kind": split_kind, "split_percent": percent, "portion": portion,
            "amount": amount, "note": note})

    if win["amount"].currency != currency:
        for split_kind, percent in credits:
            add(split_kind, percent, "excluded", "currency", win["amount"], win["amount"] * 0,
                zero, zero, note=f"The deal is in {win['amount'].currency}, the plan pays in "
                                 f"{currency}: not paid.")
        return lines

    base, shares, note = _base(win, plan)
    base_money = _money(base, currency)
    won_on = won_at.date()
    rated_shares = [(found, share) for found, share in
                    ((plan.product_rate(product), share) for product, share in shares)
                    if found is not None] if plan.has_product_rates else ()
    for split_kind, percent in credits:
        credited = money_round(base * percent / HUNDRED)
        credited_money = _money(credited, currency)
        # Product-rated shares of the credited base, one line per rate (two lines of
        # one SKU are one share).
        shared = {}
        for found, share in rated_shares:
            portion = max(ZERO, money_round(share * percent / HUNDRED))
            shared[found] = shared.get(found, ZERO) + portion
        rated = list(shared.items())
        rest = max(ZERO, credited - sum(shared.values(), ZERO))
        if rest or note or not rated:   # a wholly product-rated credit needs no 0 line
            _rest_lines(state, add, split_kind, percent, base_money, credited_money, rest,
                        note)
        for (rate, (level, target)), portion in rated:
            add(split_kind, percent, "product_rate", f"{level}:{target}", base_money,
                credited_money, _money(portion, currency),
                _money(money_round(portion * rate / HUNDRED), currency), rate=rate,
                **{level: target})
            state.cumulative += portion
        if split_kind == "overlay":
            continue
        for bonus in plan.bonuses:
            if bonus.qualifies(win["amount"].amount, win.get("products") or (), won_on):
                add(split_kind, percent, "bonus", bonus.name, base_money, credited_money,
                    _money(bonus.amount, currency),
                    _money(money_round(bonus.amount * percent / HUNDRED), currency),
                    bonus=bonus.name)
    return lines


def _rest_lines(state, add, split_kind, percent, base, credited, rest, note):
    """The credited base not paid at a product rate: flat, or cut along the tiers."""
    currency, money_round = state.currency, state.round
    plan = state.plan
    if not plan.tiered:
        add(split_kind, percent, "flat", "rate", base, credited, _money(rest, currency),
            _money(money_round(rest * plan.rate_percent / HUNDRED), currency),
            rate=plan.rate_percent, note=note)
        state.cumulative += rest
        return
    if state.quota is None:
        tier = plan.tiers[0]
        add(split_kind, percent, "tier", tier.detail, base, credited, _money(rest, currency),
            _money(money_round(rest * tier.rate_percent / HUNDRED), currency),
            rate=tier.rate_percent, tier=_tier_doc(tier),
            note=" ".join(filter(None, [note, "No quota for the period: paid at the "
                                              "first tier's rate."])))
        state.cumulative += rest
        return
    start, end = state.cumulative, state.cumulative + rest
    cut = False
    for tier, lower, upper, tier_doc in state.bands:
        low = max(start, lower)
        high = end if upper is None else min(end, upper)
        # A zero-sized portion still gets a line (at the tier attainment is in) when
        # the credited base is 0, so the note explaining why reaches the statement.
        if high > low or (rest == 0 and lower <= start and (upper is None or start < upper)):
            portion = high - low if high > low else ZERO
            add(split_kind, percent, "tier", tier.detail, base, credited,
                _money(portion, currency),
                _money(money_round(portion * tier.rate_percent / HUNDRED), currency),
                rate=tier.rate_percent, tier=tier_doc,
                attainment={"from_percent": state.attainment(low),
                            "to_percent": state.attainment(low + portion)},
                note=note)
            cut = True
            if rest == 0:
                break
    top, _, ceiling, _ = state.bands[-1]
    if ceiling is not None and end > ceiling:
        # A plan closed at the top caps the commission: what lies above is shown, unpaid.
        low = max(start, ceiling)
        add(split_kind, percent, "tier", f"{top.to_percent}-cap", base, credited,
            _money(end - low, currency), _money(money_round(ZERO), currency), rate=ZERO,
            tier={"from_percent": top.to_percent, "to_percent": None},
            attainment={"from_percent": state.attainment(low),
                        "to_percent": state.attainment(end)},
            note=" ".join(filter(None, [note, "Above the plan's last tier: not paid."])))
        cut = True
    if not cut:   # cannot happen with checked tiers; never lose a credit silently
        raise EngineError("The plan's tiers do not cover the attainment.",
                          {"tiers": [f"Nothing covers {state.attainment(start)} %."]})
    state.cumulative = end


def _tier_doc(tier):
    return {"from_percent": tier.from_percent, "to_percent": tier.to_percent}


def _clawback_lines(state, clawbacks, lines_by_win):
    lines = []
    window = timedelta(days=state.plan.clawback_window_days)
    for clawback in sorted(clawbacks, key=lambda c: (_utc(c["reversed_at"]),
                                                      c["opportunity_id"])):
        won_at, reversed_at = _utc(clawback["won_at"]), _utc(clawback["reversed_at"])
        if reversed_at - won_at > window:
            continue
        originals = clawback.get("lines")
        if originals is None:
            originals = lines_by_win.get((clawback["opportunity_id"], won_at), ())
        for original in sorted(originals, key=lambda line: line["key"]):
            amount = _as_money(original["amount"])
            if (original["payee_kind"], original["payee_id"]) != (state.kind, state.id) \
                    or original["rule"]["component"] == "clawback" or amount.amount == 0:
                continue
            kept = {name: value for name, value in original.items() if name not in _ROW_ONLY}
            lines.append({
                **kept, "key": f"{original['key']}|clawback", "period": state.period,
                "source_event_id": clawback.get("source_event_id"),
                "rule": {**original["rule"], "component": "clawback",
                         "reverses": original["key"]},
                "portion": -_as_money(original["portion"]), "amount": -amount,
                "note": (f"Reversed {_iso(reversed_at)}, "
                         f"{(reversed_at - won_at).days} days after the win "
                         f"(window {state.plan.clawback_window_days} days).")})
    return lines


def compute(period, plan, payee, quota_target, wins, clawbacks=()):
    """The ledger lines ``plan`` pays ``payee`` in ``period`` for ``wins`` (and the
    clawbacks of reversed wins). See the module's docstring for the rules."""
    plan = Plan.from_document(plan)
    state = _Payee(period, plan, payee, quota_target)
    ordered = sorted(enumerate(wins), key=lambda item: (_won_at(item[1]),
                                                        item[1]["opportunity_id"]))
    lines, lines_by_win = [], {}
    for index, win in ordered:
        made = _win_lines(state, win, index)
        if made:
            lines_by_win[(win["opportunity_id"], _won_at(win))] = made
            lines.extend(made)
    lines.extend(_clawback_lines(state, clawbacks, lines_by_win))
    return lines


# -- what to write ----------------------------------------------------------------------

def delta(existing_lines, desired_lines):
    """The rows to add to ``existing_lines`` (every stored row of the payee and period,
    several per key allowed) so that each key's stored amounts add up to
    ``desired_lines`` (one per key). Re-running on the result returns nothing."""
    stored = {}
    for line in existing_lines:
        amount, portion = _as_money(line["amount"]), _as_money(line["portion"])
        if line["key"] in stored:
            rows, total, portions, last = stored[line["key"]]
            stored[line["key"]] = (rows + 1, total + amount, portions + portion, line)
        else:
            stored[line["key"]] = (1, amount, portion, line)
    rows = []
    desired_keys = set()
    for line in desired_lines:
        key = line["key"]
        if key in desired_keys:
            raise EngineError("Two desired lines share a key.", {"lines": [key]})
        desired_keys.add(key)
        if key not in stored:
            rows.append({**line, "seq": 0})
            continue
        count, total, portions, _ = stored[key]
        difference = _as_money(line["amount"]) - total
        if difference.amount != 0:
            rows.append({**line, "seq": count, "amount": difference,
                         "portion": _as_money(line["portion"]) - portions})
    for key in sorted(set(stored) - desired_keys):
        count, total, portions, last = stored[key]
        if total.amount != 0:
            rows.append({**last, "seq": count, "amount": -total, "portion": -portions,
                         "note": "No longer due: reversed by a recompute."})
    return rows


def totals(lines, currency):
    """``({component: Money}, total Money)`` of ``lines`` (rows of one payee)."""
    by_component = {}
    for line in lines:
        component = line["rule"]["component"]
        amount = _as_money(line["amount"])
        if amount.currency != currency:
            continue
        by_component[component] = by_component.get(component, _money(ZERO, currency)) + amount
    total = sum((amount.amount for amount in by_component.values()), ZERO)
    return by_component, _money(total, currency)


def preview(period, plan, payee, quota_target, wins, deal):
    """What ``deal`` would pay ``payee`` on top of ``wins`` (nothing is stored): its
    lines, their totals, and the attainment before and after it."""
    plan = Plan.from_document(plan)
    existing = [win for win in wins if win["opportunity_id"] != deal["opportunity_id"]]
    # The deal is taken after every current win, whatever its date: the question is
    # what closing it now adds.
    latest = max((_won_at(win) for win in existing), default=None)
    won_at = _utc(deal["won_at"]) if deal.get("won_at") else latest
    if won_at is None:
        raise EngineError("The what-if deal needs a won_at.", {"deal.won_at": ["Required."]})
    if latest is not None and won_at < latest:
        won_at = latest
    hypothetical = {**deal, "won_at": won_at, "opportunity_id": deal["opportunity_id"]}
    state = _Payee(period, plan, payee, quota_target)
    for index, win in sorted(enumerate(existing),
                             key=lambda item: (_won_at(item[1]), item[1]["opportunity_id"])):
        _win_lines(state, win, index)
    before = state.cumulative
    lines = _win_lines(state, hypothetical, len(existing))
    by_component, total = totals(lines, plan.currency)
    return {"lines": lines, "totals": by_component, "total": total,
            "attainment_before_percent": state.attainment(before),
            "attainment_after_percent": state.attainment(state.cumulative)}
