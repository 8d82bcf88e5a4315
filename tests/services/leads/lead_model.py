"""The spec's lead state table, written out independently of the service's rules: the
model the state-machine tests compare the service with."""

# action -> {state it may start from: the state it leads to}; "restore" goes back to
# the state the lead was voided from (None here).
MODEL = {
    "follow_up": {"unprocessed": "following_up", "following_up": "following_up"},
    "invalidate": {"unprocessed": "invalid", "following_up": "invalid"},
    "revive": {"invalid": "following_up"},
    "void": {"unprocessed": "voided", "following_up": "voided", "invalid": "voided"},
    "restore": {"voided": None},
    "convert": {"unprocessed": "converted", "following_up": "converted"},
}
ACTIONS = tuple(MODEL)
STATES = ("unprocessed", "following_up", "converted", "invalid", "voided")


def expected(state, voided_from, action):
    """``(new state, new voided_from)``, or None when the action is illegal."""
    if state not in MODEL[action]:
        return None
    if action == "void":
        return "voided", state
    if action == "restore":
        return voided_from, None
    return MODEL[action][state], voided_from
