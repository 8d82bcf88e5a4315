"""What the gateway's keys are called on a page. Lazy (translated when shown) and named
``_`` so pybabel extracts them. A key without a label here (a stage an operator added
to the pipeline setting) is shown as the key itself."""
from flask_babel import lazy_gettext as _

STAGE_LABELS = {
    "qualify": _("Qualify"),
    "needs_analysis": _("Needs analysis"),
    "proposal": _("Proposal"),
    "negotiation": _("Negotiation"),
    "won": _("Won"),
    "lost": _("Lost"),
}
STATUS_LABELS = {"open": _("Open"), "won": _("Won"), "lost": _("Lost")}
LOST_REASON_LABELS = {
    "price": _("Price"),
    "product_fit": _("Product fit"),
    "competitor": _("Lost to a competitor"),
    "timing": _("Timing"),
    "no_budget": _("No budget"),
    "no_decision": _("No decision"),
    "other": _("Other"),
}
COMPETITOR_STATUS_LABELS = {"competing": _("Competing"), "eliminated": _("Eliminated"),
                            "selected": _("Selected by the customer")}
SEGMENT_LABELS = {
    "strategic": _("Strategic"),
    "enterprise": _("Enterprise"),
    "mid_market": _("Mid-market"),
    "smb": _("Small business"),
    "public_sector": _("Public sector"),
}

REGISTRATION_STATUS_LABELS = {
    "draft": _("Draft"),
    "submitted": _("Submitted, awaiting review"),
    "approved": _("Approved, protected"),
    "rejected": _("Rejected"),
    "returned": _("Returned for more information"),
    "converted": _("Won"),
    "expired": _("Protection ended"),
}
CONFLICT_KIND_LABELS = {
    "customer": _("An existing customer"),
    "opportunity": _("An open opportunity"),
    "registration": _("Another partner's registration"),
}
CONFLICT_REASON_LABELS = {
    "credit_code": _("same unified social credit code"),
    "same_name": _("same company name"),
    "similar_name": _("similar company name"),
}
OFFER_STATUS_LABELS = {
    "offered": _("Awaiting your answer"),
    "accepted": _("Accepted"),
    "declined": _("Declined"),
    "expired": _("Expired"),
}
QUOTE_STATUS_LABELS = {
    "draft": _("Draft"),
    "pending_approval": _("Awaiting approval"),
    "approved": _("Approved"),
    "sent": _("Sent to the customer"),
    "accepted": _("Accepted"),
    "rejected": _("Declined by the customer"),
    "expired": _("Expired"),
    "superseded": _("Replaced by a later version"),
}
# A price trace (the gateway's partner view of the engine's trace): the rule kind that
# set the price, where its base came from, and each step from the base to the price.
PRICE_RULE_LABELS = {
    "fixed_price": _("Fixed price"),
    "percent_discount": _("Percent discount"),
    "formula": _("Formula"),
}
PRICE_BASE_LABELS = {
    "list_price": _("List price"),
    "fixed_price": _("Fixed price"),
    "cost": _("Cost-based"),
    "price_list": _("Based on another price list"),
    "net_price": _("Net price set by the company"),
}
PRICE_STEP_LABELS = {
    "discount": _("Discount"),
    "surcharge": _("Surcharge"),
    "rounding": _("Rounded to a step"),
    "margin_floor": _("Minimum margin"),
    "margin_ceiling": _("Maximum margin"),
    "minor_unit": _("Rounded to the currency's minor unit"),
    "adjustment": _("Adjustment"),
}

# Commission statements: what a line pays for, the base it is paid on, the period.
COMMISSION_COMPONENT_LABELS = {
    "flat": _("Flat rate"),
    "tier": _("Tiered rate"),
    "product_rate": _("Product rate"),
    "bonus": _("Bonus"),
    "clawback": _("Clawback"),
    "excluded": _("Not commissioned"),
}
COMMISSION_BASE_LABELS = {"amount": _("deal amount"), "margin": _("margin")}
PERIOD_STATUS_LABELS = {"open": _("Open"), "closed": _("Closed")}


def labelled(labels):
    """A template filter: the label of a key, or the key itself."""
    def label(key):
        if key is None or key == "":
            return "—"
        return labels.get(key, key)
    return label


FILTERS = {
    "stage_label": labelled(STAGE_LABELS),
    "status_label": labelled(STATUS_LABELS),
    "lost_reason_label": labelled(LOST_REASON_LABELS),
    "competitor_status_label": labelled(COMPETITOR_STATUS_LABELS),
    "segment_label": labelled(SEGMENT_LABELS),
    "registration_status_label": labelled(REGISTRATION_STATUS_LABELS),
    "conflict_kind_label": labelled(CONFLICT_KIND_LABELS),
    "conflict_reason_label": labelled(CONFLICT_REASON_LABELS),
    "offer_status_label": labelled(OFFER_STATUS_LABELS),
    "quote_status_label": labelled(QUOTE_STATUS_LABELS),
    "price_rule_label": labelled(PRICE_RULE_LABELS),
    "price_base_label": labelled(PRICE_BASE_LABELS),
    "price_step_label": labelled(PRICE_STEP_LABELS),
    "commission_component_label": labelled(COMMISSION_COMPONENT_LABELS),
    "commission_base_label": labelled(COMMISSION_BASE_LABELS),
    "period_status_label": labelled(PERIOD_STATUS_LABELS),
}


def stage_label(key):
    return FILTERS["stage_label"](key)
