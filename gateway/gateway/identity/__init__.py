"""Identity: who the caller is, and the org facts authorization works from.

- ``store``: the gateway's own MongoDB database (users, the department tree, groups,
  partner organisations and users, sharing rules, revoked tokens, failed sign-ins).
- ``passwords``: argon2id; ``tokens``: signed, revocable JWTs (why: see its docstring).
- ``ratelimit``: failed sign-ins per account and per client IP.
- ``service``: sign-in, token checks, password changes, invitations (no Flask).
- ``web``: the before-request hook that puts the caller in ``g.principal``.
- ``subjects``: ``load_subject`` -> the ``Subject`` the scope compiler consumes.
- ``bootstrap``: the first admin, from BOOTSTRAP_ADMIN_EMAIL / _PASSWORD.
"""
