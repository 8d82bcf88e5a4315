"""Commission (佣金): /api/v1/commission — periods, plans, plan assignments, recompute
jobs, statements with their CSV export, and the what-if preview of a deal.

Sales operations (and admins: whoever holds the commission grants on every record)
manage plans, assignments and periods and start recomputes. Statements are scoped
like every owned record: a rep reads their own, a manager the team below them and the
departments they head, a partner admin its organisation's (partner payees only: the
internal reps paid on its deals are never on a partner's statement), sales ops all.

Bad input is refused before anything is stored, naming the field: a plan whose tiers
overlap or leave a gap (``tiers``), a preview deal whose revenue splits do not total
100 % (``deal.splits``), an assignment or preview naming a payee the identity store
does not know (``payee_id``).
"""
import base64
import binascii
from functools import wraps

from flask import Response, g

from sfa_common.contracts.commission import (
    AssignmentCreateSchema,
    AssignmentPageSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    PeriodCreateSchema,
    PeriodSchema,
    PlanCreateSchema,
    PlanPageSchema,
    PlanQuerySchema,
    PlanSchema,
    PlanUpdateSchema,
    PreviewRequestSchema,
    PreviewSchema,
    RecomputeJobSchema,
    StatementQuerySchema,
    StatementRowPageSchema,
    StatementSchema,
)
from sfa_common.errors import Forbidden, NotFound, ValidationFailed

from ..authz.matcher import matches
from ..scopes import require, scope_for
from ..services import call
from ..views import (
    PartnerPreviewSchema,
    PartnerStatementQuerySchema,
    PartnerStatementRowPageSchema,
    PartnerStatementSchema,
)
from . import Blueprint
from .directory import granted, internal_user, partner_org, require_all

blp = Blueprint("commission", __name__, url_prefix="/api/v1/commission",
                description="Commission (佣金): plans, periods, statements")

STATEMENT = "commission_statement"
PERIOD = "commission_period"
PARTNER_PAYEE = "partner_org"
CSV_FALLBACK_NAME = "commission-statement.csv"


def _manages(action, what):
    """403 unless the caller holds ``action`` on every statement: sales ops, admins."""
    require_all(STATEMENT, action, what)


def _managing(action, what):
    """``_manages`` as a view decorator, above ``blp.arguments``: someone who may not
    send a body at all hears that before what is wrong with it."""
    def decorator(view):
        @wraps(view)
        def checked(*args, **kwargs):
            _manages(action, what)
            return view(*args, **kwargs)
        return checked
    return decorator


# -- periods ----------------------------------------------------------------------------

@blp.route("/periods", methods=["GET"])
@blp.replies(200, PeriodSchema(many=True))
def list_periods():
    """List the commission periods, newest first"""
    require(PERIOD, "read")
    return call("commission", "list_periods")


@blp.route("/periods", methods=["POST"])
@granted(PERIOD, "create")
@blp.arguments(PeriodCreateSchema)
@blp.replies(201, PeriodSchema)
def create_period(period):
    """Open a commission period for a month (409 when it exists)"""
    return call("commission", "create_period", PeriodCreateSchema().dump(period))


@blp.route("/periods/<key>")
@blp.replies(200, PeriodSchema)
def get_period(key):
    """Read one period by its key, e.g. 2026-11"""
    require(PERIOD, "read")
    return call("commission", "get_period", key)


@blp.route("/periods/<key>/close", methods=["POST"])
@blp.replies(200, PeriodSchema)
def close_period(key):
    """Close (lock) an open period (409 naming `status` when it is closed already)

    A later change to a deal won in it lands as an adjustment in the next open period."""
    require(PERIOD, "update")
    return call("commission", "close_period", key, g.subject.user_id)


@blp.route("/periods/<key>/recompute", methods=["POST"])
@blp.replies(202, RecomputeJobSchema)
def recompute_period(key):
    """Recompute an open period's statements in the background: answers the job

    Deterministic and idempotent: it writes only the differences, so running it twice
    writes nothing the second time. 409 naming `status` for a closed period. Follow it
    at GET /recomputes/<job_id>."""
    require(PERIOD, "update")
    _manages("update", "recompute commission")
    return call("commission", "recompute_period", key, g.subject.user_id)


@blp.route("/recomputes/<job_id>")
@blp.replies(200, RecomputeJobSchema)
def get_recompute(job_id):
    """A recompute job's progress: payees done of total, lines written, status"""
    require(PERIOD, "read")
    return call("commission", "get_recompute", job_id)


# -- plans ------------------------------------------------------------------------------

@blp.route("/plans", methods=["GET"])
@blp.arguments(PlanQuerySchema, location="query")
@blp.replies(200, PlanPageSchema)
def list_plans(query):
    """List the commission plans (sales ops and admins)"""
    _manages("read", "read commission plans")
    return call("commission", "list_plans", PlanQuerySchema().dump(query))


@blp.route("/plans", methods=["POST"])
@_managing("create", "create commission plans")
@blp.arguments(PlanCreateSchema)
@blp.replies(201, PlanSchema)
def create_plan(plan):
    """Create a commission plan

    A flat `rate_percent` or marginal `tiers` on the period's quota attainment (tiers
    start at 0, are contiguous, never overlap, only the last is open-ended: else 400
    naming `tiers`), product or category rates, bonuses and the clawback window."""
    return call("commission", "create_plan", PlanCreateSchema().dump(plan), g.subject.user_id)


@blp.route("/plans/<plan_id>")
@blp.replies(200, PlanSchema)
def get_plan(plan_id):
    """Read one plan"""
    _manages("read", "read commission plans")
    return call("commission", "get_plan", plan_id)


@blp.route("/plans/<plan_id>", methods=["PATCH"])
@_managing("update", "change commission plans")
@blp.arguments(PlanUpdateSchema)
@blp.replies(200, PlanSchema)
def update_plan(changes, plan_id):
    """Change a plan (only the fields sent; the whole plan is checked again)

    Its currency and payee kind never change. Statements follow at the next recompute."""
    return call("commission", "update_plan", plan_id, PlanUpdateSchema().dump(changes),
                g.subject.user_id)


# -- assignments ------------------------------------------------------------------------

def _payee(payee_kind, payee_id):
    """The payee the identity store knows (an active internal user or partner
    organisation), or a 400 naming ``payee_id``."""
    if payee_kind == PARTNER_PAYEE:
        return partner_org(payee_id, "payee_id")
    return internal_user(payee_id, "payee_id")


@blp.route("/assignments", methods=["GET"])
@blp.arguments(AssignmentQuerySchema, location="query")
@blp.replies(200, AssignmentPageSchema)
def list_assignments(query):
    """List plan assignments (filter by plan, payee or the day they are in effect on)"""
    _manages("read", "read plan assignments")
    return call("commission", "list_assignments", AssignmentQuerySchema().dump(query))


@blp.route("/assignments", methods=["POST"])
@_managing("create", "assign commission plans")
@blp.arguments(AssignmentCreateSchema)
@blp.replies(201, AssignmentSchema)
def assign_plan(assignment):
    """Assign a plan to a rep (`payee_kind` user) or a partner organisation

    The payee must exist (else 400 naming `payee_id`) and be the kind the plan is
    written for (400 naming `payee_kind`); one payee's assignments never overlap (409
    naming `effective_from`). `effective_to` is inclusive; none: open-ended."""
    payload = AssignmentCreateSchema().dump(assignment)
    payee = _payee(payload["payee_kind"], payload["payee_id"])
    # A rep's main department goes on their lines, for the managers' department scope.
    department = payee.get("main_department_id")
    return call("commission", "assign_plan", payload, g.subject.user_id,
                str(department) if department else None)


# -- statements -------------------------------------------------------------------------

def _statement_query(query):
    """The list query as the service takes it: a partner's is cut to partner payees."""
    schema = PartnerStatementQuerySchema if g.subject.is_partner else StatementQuerySchema
    dumped = schema().dump(query)
    if g.subject.is_partner:
        dumped["payee_kind"] = PARTNER_PAYEE
    return dumped


def _statement_scope(record=None):
    scope = scope_for(STATEMENT, "read", record)
    if g.subject.is_partner:
        # Defence in depth: whatever the lines carry, a partner reads partner payees only.
        return {"$and": [scope, {"payee_kind": PARTNER_PAYEE}]}
    return scope


def _partner_payee_only(payee_kind, record):
    """A partner names a rep's statement: the same 404 as a missing one."""
    if g.subject.is_partner and payee_kind != PARTNER_PAYEE:
        scope_for(STATEMENT, "read", record)   # 404 without the grant, as any record
        raise NotFound(f"No commission statement {record!r}.")


@blp.route("/statements", methods=["GET"])
@blp.arguments(StatementQuerySchema, location="query",
               partner_schema=PartnerStatementQuerySchema)
@blp.replies(200, StatementRowPageSchema, partner_view=PartnerStatementRowPageSchema)
def list_statements(query):
    """List the statements in your scope: one row per payee and period, with totals

    A rep sees their own, a manager their team's and departments', a partner admin its
    organisation's, sales ops all. Filter by `period`, `payee_kind`, `payee_id`."""
    return call("commission", "list_statements", _statement_query(query), _statement_scope())


@blp.route("/statements/<period>/<payee_kind>/<payee_id>")
@blp.replies(200, StatementSchema, partner_view=PartnerStatementSchema)
def get_statement(period, payee_kind, payee_id):
    """One payee's statement for a period: every line explaining itself

    The source deal, base, rule, tier, rate, split share and amount of each line, and
    the totals by component. 404 outside your scope."""
    record = f"{period}/{payee_kind}/{payee_id}"
    _partner_payee_only(payee_kind, record)
    statement = call("commission", "get_statement", period, payee_kind, payee_id,
                     _statement_scope(record))
    # A statement without lines carries no scope fields for the service to check: it is
    # answered only for a payee whose statements the caller reads.
    if not statement["lines"] and not _readable(payee_kind, payee_id):
        raise NotFound(f"No commission statement {record!r}.")
    return statement


@blp.route("/statements/<period>/<payee_kind>/<payee_id>/csv")
@blp.alt_response(200, success=True, content_type="text/csv",
                  description="The statement's lines as CSV (UTF-8 with a BOM, for Excel)")
def export_statement(period, payee_kind, payee_id):
    """Download a statement as CSV: one row per ledger line, every explanation column"""
    record = f"{period}/{payee_kind}/{payee_id}"
    _partner_payee_only(payee_kind, record)
    export = call("commission", "export_statement_csv", period, payee_kind, payee_id,
                  _statement_scope(record))
    try:
        content = base64.b64decode(export["content_base64"], validate=True)
    except (binascii.Error, KeyError, TypeError) as error:
        raise RuntimeError("The commission service answered a malformed CSV.") from error
    name = _ascii(export.get("file_name") or CSV_FALLBACK_NAME)
    return Response(content, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'})


def _ascii(file_name):
    safe = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                   for c in file_name)
    return safe or CSV_FALLBACK_NAME


# -- the what-if preview ----------------------------------------------------------------

def _payee_record(payee_kind, payee_id):
    """The scope fields a payee's statement lines carry; a payee that does not exist is
    a 400 naming ``payee_id``."""
    payee = _payee(payee_kind, payee_id)
    if payee_kind == PARTNER_PAYEE:
        return {"payee_kind": payee_kind, "payee_id": payee_id, "partner_org_id": payee_id,
                "owner_id": None, "department_id": None}
    department = payee.get("main_department_id")
    return {"payee_kind": payee_kind, "payee_id": payee_id, "owner_id": payee_id,
            "department_id": str(department) if department else None,
            "partner_org_id": None}


def _readable(payee_kind, payee_id):
    """Whether the caller reads this payee's statements (a rep themself, a manager their
    team, a partner admin its organisation, sales ops anyone); False for no such payee."""
    try:
        record = _payee_record(payee_kind, payee_id)
    except ValidationFailed:
        return False
    return matches(_statement_scope(), record)


def _previewable(payee_kind, payee_id):
    """A payee whose statements the caller reads; a payee outside that is 403 naming
    ``payee_id``, one that does not exist 400."""
    if not matches(_statement_scope(), _payee_record(payee_kind, payee_id)):
        raise Forbidden("You may not preview commission for that payee.",
                        {"payee_id": ["Outside the statements you may read."]})


@blp.route("/preview", methods=["POST"])
@granted(STATEMENT, "read")
@blp.arguments(PreviewRequestSchema)
@blp.replies(200, PreviewSchema, partner_view=PartnerPreviewSchema)
def preview_deal(preview):
    """What would this deal pay? A what-if on top of the payee's current wins

    Nothing is stored. The deal's revenue `splits` must total 100 % (400 naming
    `deal.splits`); the payee must exist (400 naming `payee_id`) and be one whose
    statements you read (403). Without `plan_id`, the plan assigned to the payee for
    the period."""
    request = PreviewRequestSchema().dump(preview)
    _previewable(request["payee_kind"], request["payee_id"])
    return call("commission", "preview_deal", request)
