"""The partner's deal registrations (报备): registering a deal with a live conflict
hint, the list of its registrations, one registration, edited and resubmitted when the
channel manager returned it."""
from .views import bp

__all__ = ["bp"]
