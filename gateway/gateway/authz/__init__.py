"""Authorization: Casbin decides which scopes a subject holds; a pure compiler turns
them into one MongoDB filter per request."""
