"""The partner admin's commission statements (佣金): per period, each line explained,
and the CSV export streamed from the gateway."""
from .views import bp

__all__ = ["bp"]
