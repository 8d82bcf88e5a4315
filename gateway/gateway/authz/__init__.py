"""Authorization: Casbin decides which scopes a subject holds; a pure compiler turns
them into one MongoDB filter per request.

- ``model.conf``: RBAC with domains, ``p = sub, dom, obj, act, scope``;
- ``domains``: ``internal`` / ``partner:<org>`` / ``partner:*`` and how they match;
- ``policies``: the default grants, ``build_enforcer`` (one per process) and the
  admin API's functions; ``adapter``: the policy in the gateway's MongoDB;
- ``scopes``: ``scopes_for`` (one policy query) and ``compile_filter`` (pure);
- ``subject``: the facts about the signed-in user the compiler works from.

Per request::

    filter = compile_filter(subject, "opportunity",
                            scopes_for(enforcer, subject, "opportunity", "read"))
    # None: no access at all; otherwise pass it as the call's scope
"""
