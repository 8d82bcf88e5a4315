"""The price configurator: choose products and quantities, price them under the
partner's tier with each price's trace, and ask for a quote on an open opportunity."""
from .views import bp

__all__ = ["bp"]
