"""The first admin, so a fresh system can be set up over HTTP.

With BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD set, start-up creates an
internal user with the ``admin`` role, unless an active admin already exists. Run
twice, or by several workers at once, it still leaves exactly one such user: the
unique email index decides the race. The password is only the first one: change it
(POST /api/v1/auth/change-password) and unset the variables once real admins exist.
A seed script then signs in as that admin and creates the rest through the API.
"""
import logging

from sfa_common.errors import Conflict
from sfa_common.settings import SettingsError

log = logging.getLogger(__name__)


def bootstrap_admin(identity, settings):
    """The created admin's document, or None when nothing was to be done."""
    email, password = settings.bootstrap_admin_email, settings.bootstrap_admin_password
    store = identity.store
    if email is None or store.any_active_admin():
        return None
    existing = store.user_by_email(email)
    if existing is not None and existing["active"] and "admin" in existing["roles"]:
        return None  # another worker created it between the two reads
    if existing is not None:
        raise SettingsError("BOOTSTRAP_ADMIN_EMAIL", f"{email} belongs to a user who is not "
                                                     f"an active admin; choose another address")
    try:
        user = store.create_user({"name": "Administrator", "email": email, "roles": ["admin"]},
                                 identity.passwords.hash(password))
    except Conflict:  # another worker created it first
        return None
    log.info("created the bootstrap admin %s", email)
    return user
