"""Leads offered to the partner's organisation: accept one (it becomes the partner's
opportunity) or decline it with a reason (it goes back to the pool)."""
from .views import bp

__all__ = ["bp"]
