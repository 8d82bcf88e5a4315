"""Partner sign-in, through the gateway, comes in a later issue. Until then nobody is
signed in, but Flask-Login's template context asks for a user loader on every page:
this one knows no user, so every visitor is anonymous."""


def load_user(user_id):
    return None
