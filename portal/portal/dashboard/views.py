"""/dashboard: the partner's open pipeline by stage (an inline SVG bar chart drawn on
the server) and their win rate, from the gateway's reports. / leads here."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from ..auth.users import access_token, gateway
from .chart import LONGEST_BAR, main_currency, pipeline_bars

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/")
def index():
    return redirect(url_for("dashboard.dashboard"))


@bp.get("/dashboard")
@login_required
def dashboard():
    """``currency``: draw the chart in this currency (when the pipeline has several)."""
    token = access_token()
    stages = gateway().pipeline(token)["stages"]
    report = gateway().pipeline_report(token)
    win_rate = gateway().win_rate_report(token)
    currency = main_currency(report["totals"], request.args.get("currency"))
    total = next((row for row in report["totals"] if row["currency"] == currency), None)
    return render_template("dashboard/dashboard.html", currency=currency, total=total,
                           currencies=[row["currency"] for row in report["totals"]],
                           bars=pipeline_bars(stages, report["rows"], currency),
                           longest_bar=LONGEST_BAR, win_rate=win_rate)
