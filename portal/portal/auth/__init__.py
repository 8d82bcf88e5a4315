"""Partner sign-in and sign-out through the gateway, and accepting an invitation."""
from .users import (
    ask_to_sign_in,
    load_user,
    navigation,
    partner_admin_required,
    sign_in_again,
)
from .views import bp

__all__ = ["ask_to_sign_in", "bp", "load_user", "navigation", "partner_admin_required",
           "sign_in_again"]
