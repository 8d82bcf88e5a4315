"""The product catalogue, read from the gateway."""
from .views import bp

__all__ = ["bp"]
