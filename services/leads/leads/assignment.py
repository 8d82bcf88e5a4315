"""Automatic assignment of leads (pure, no I/O).

The first active rule by priority (lowest number first, then the oldest) whose region
and industry match the lead (a rule without one matches any) hands leads to its reps
in turn: the rule's pointer, advanced atomically once per assignment, says where the
turn starts; a rep who already holds ``cap_per_rep`` open leads (unprocessed or
following up) is skipped.
"""
from dataclasses import dataclass

from sfa_common.errors import Conflict


def _matches(wanted, actual):
    return wanted is None or (actual is not None and wanted.casefold() == actual.casefold())


def matching_rule(rules, lead):
    """The rule that handles ``lead``, or None."""
    candidates = [rule for rule in rules if rule.get("active", True)
                  and _matches(rule.get("region"), lead.get("region"))
                  and _matches(rule.get("industry"), lead.get("industry"))]
    candidates.sort(key=lambda rule: (rule["priority"], rule["created_at"], str(rule["_id"])))
    return candidates[0] if candidates else None


def no_rule(lead):
    message = (f"No active assignment rule matches region {lead.get('region')!r} and "
               f"industry {lead.get('industry')!r}.")
    return Conflict(message, {"rule": [message]})


@dataclass(frozen=True)
class Choice:
    rep: dict          # {user_id, department_id}
    rule_id: str


def choose_rep(rule, turn, open_counts):
    """The rep whose turn it is: starting at ``turn`` (the pointer before this
    assignment), the first rep under the cap. ``open_counts`` maps user ids to the open
    leads they hold. No rep under the cap: a Conflict naming the rule."""
    reps = rule["reps"]
    cap = rule.get("cap_per_rep")
    for step in range(len(reps)):
        rep = reps[(turn + step) % len(reps)]
        if cap is None or open_counts.get(rep["user_id"], 0) < cap:
            return Choice(rep=rep, rule_id=str(rule["_id"]))
    message = (f"Every rep of assignment rule {rule['name']!r} already holds {cap} open "
               f"leads; raise the cap or add reps.")
    raise Conflict(message, {"rule": [message]})


def history_entry(lead, owner_id, department_id, actor_id, now, rule_id=None):
    return {"from": lead.get("owner_id"), "to": owner_id, "department_id": department_id,
            "by": actor_id, "at": now, "rule_id": rule_id}
