"""The partner's dashboard: the open pipeline by stage and the win rate."""
from .views import bp

__all__ = ["bp"]
