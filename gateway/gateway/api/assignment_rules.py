"""Assignment rules (分配规则): /api/v1/assignment-rules. Which reps the automatic
assignment hands leads to, by region and industry, in turn and up to a cap of open
leads each. Sales operations and admins (whoever may change every lead) keep them."""
from sfa_common.contracts.leads import (
    AssignmentRuleCreateSchema,
    AssignmentRulePageSchema,
    AssignmentRuleQuerySchema,
    AssignmentRuleSchema,
    AssignmentRuleUpdateSchema,
)

from ..services import call
from . import Blueprint
from .directory import internal_user, require_all

blp = Blueprint("assignment_rules", __name__, url_prefix="/api/v1/assignment-rules",
                description="Lead assignment rules (sales operations)")


@blp.before_request
def _sales_ops_only():
    require_all("lead", "update", "keep the assignment rules")


def _with_rep_departments(rule):
    """Every rep must be an active internal user (400 naming ``reps``); a rep without a
    department gets their main department, so the leads they get land in it."""
    if "reps" not in rule:
        return rule
    reps = []
    for index, rep in enumerate(rule["reps"]):
        user = internal_user(rep["user_id"], f"reps.{index}.user_id")
        department_id = rep.get("department_id") or user.get("main_department_id")
        reps.append({**rep, "department_id": str(department_id) if department_id else None})
    return {**rule, "reps": reps}


@blp.route("", methods=["GET"])
@blp.arguments(AssignmentRuleQuerySchema, location="query")
@blp.replies(200, AssignmentRulePageSchema)
def list_assignment_rules(query):
    """List the assignment rules, by priority (lowest first)"""
    return call("leads", "list_assignment_rules", AssignmentRuleQuerySchema().dump(query))


@blp.route("", methods=["POST"])
@blp.arguments(AssignmentRuleCreateSchema)
@blp.replies(201, AssignmentRuleSchema)
def create_assignment_rule(rule):
    """Create an assignment rule

    The first active rule by `priority` (lowest first) whose `region` and `industry`
    match a lead (none: any) gets it; it hands leads to its `reps` in turn, skipping a
    rep who has `cap_per_rep` open leads already."""
    rule = _with_rep_departments(AssignmentRuleCreateSchema().dump(rule))
    return call("leads", "create_assignment_rule", rule)


@blp.route("/<rule_id>", methods=["GET"])
@blp.replies(200, AssignmentRuleSchema)
def get_assignment_rule(rule_id):
    """Read one assignment rule"""
    return call("leads", "get_assignment_rule", rule_id)


@blp.route("/<rule_id>", methods=["PATCH"])
@blp.arguments(AssignmentRuleUpdateSchema)
@blp.replies(200, AssignmentRuleSchema)
def update_assignment_rule(changes, rule_id):
    """Change an assignment rule (only the fields sent change; `active: false` pauses it)"""
    changes = _with_rep_departments(AssignmentRuleUpdateSchema().dump(changes))
    return call("leads", "update_assignment_rule", rule_id, changes)
