"""The partner admin's page: their organisation's users, invitations, roles."""
from .views import bp

__all__ = ["bp"]
