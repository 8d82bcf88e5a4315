"""Predefined reports over the opportunities in your read scope: /api/v1/reports/*.
Every report takes the same filters (``ReportQuerySchema``); a partner's reports
count only its own channel's deals and may not filter by internal owner."""
from sfa_common.contracts.opportunities import (
    CompetitorReportSchema,
    CustomerTierReportSchema,
    CycleTimeReportSchema,
    ForecastReportSchema,
    PartnerReportSchema,
    PipelineReportSchema,
    ReportQuerySchema,
    WinRateReportSchema,
)

from ..scopes import scope_for
from ..services import call
from ..views import PartnerReportQuerySchema
from . import Blueprint

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Reports over your opportunities")


def _report(method, query):
    """One report: its filters and the caller's opportunity read scope, one RPC."""
    return call("opportunities", method, ReportQuerySchema().dump(query),
                scope_for("opportunity", "read"))


@blp.route("/pipeline")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, PipelineReportSchema)
def pipeline_report(query):
    """The open pipeline

    Open opportunities per stage and currency: count, amount and weighted amount.
    `date_from`/`date_to` bound the expected close date."""
    return _report("pipeline_report", query)


@blp.route("/forecast")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, ForecastReportSchema)
def forecast_report(query):
    """The forecast

    Per month of expected close and currency: open and weighted amounts, and what was
    already won that month."""
    return _report("forecast_report", query)


@blp.route("/win-rate")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, WinRateReportSchema)
def win_rate_report(query):
    """The win rate

    Won and lost deals closed in the dates given, and the share won."""
    return _report("win_rate_report", query)


@blp.route("/cycle-time")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, CycleTimeReportSchema)
def cycle_time_report(query):
    """The sales cycle

    Average days from creation to winning, over the deals won in the dates given."""
    return _report("cycle_time_report", query)


@blp.route("/competitors")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, CompetitorReportSchema)
def competitor_report(query):
    """Competitors

    Per competitor: deals open against it, won against it, lost to it or to others."""
    return _report("competitor_report", query)


@blp.route("/partners")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, PartnerReportSchema)
def partner_report(query):
    """Partners

    Per partner organisation and currency: open, weighted, won and lost business."""
    return _report("partner_report", query)


@blp.route("/customer-tiers")
@blp.arguments(ReportQuerySchema, location="query", partner_schema=PartnerReportQuerySchema)
@blp.replies(200, CustomerTierReportSchema)
def customer_tiers(query):
    """Customer tiers (RFM)

    Customers in tiers A-D from how recently, how often and how much they bought (won
    deals in one currency)."""
    return _report("customer_tiers", query)
