"""Opportunities service: accounts (customers), contacts, opportunities, competitors, quotas."""
