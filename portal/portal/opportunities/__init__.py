"""The partner's opportunities: the list, one opportunity, moving its stage."""
from .views import bp

__all__ = ["bp"]
