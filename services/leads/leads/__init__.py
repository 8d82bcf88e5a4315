"""Leads service: leads, follow-ups, deal registrations, lead offers."""
