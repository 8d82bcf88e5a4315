"""The partner's quotes (报价): the list, one quote with its lines and totals, and its
PDF streamed from the gateway."""
from .views import bp

__all__ = ["bp"]
