"""The customers the partner's channel serves: the list, one customer with its
contacts and opportunities."""
from .views import bp

__all__ = ["bp"]
