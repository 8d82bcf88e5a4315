"""Commission service: commission plans, plan assignments, the ledger, periods, statements."""
